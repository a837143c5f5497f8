/**
 * The replay stage's entry point: typed options in, a report out, the services passed in. It creates the
 * topic when absent, opens the idempotent producer, reads the inputs through replay() (replay.ts) and
 * closes what it opened, whatever happens. src/commands/replay.ts only turns flags into ReplayRunOptions and
 * prints the ReplayReport.
 */
import { brokerAddress, createKafka, ensureTopic, withAdmin } from '../adapters/kafka/admin.js';
import { KafkaVisitProducer } from '../adapters/kafka/producer.js';
import { ObjectStore } from '../adapters/s3.js';
import type { Config } from '../core/config.js';
import type { Shutdown } from '../core/shutdown.js';
import { formatRate } from '../core/format.js';
import { REJECT_DESCRIPTIONS, REJECT_REASONS } from '../core/rejects.js';
import { formatDay, formatTime } from '../core/visit.js';
import type { Pace } from './pacing.js';
import { replay, type ReplayProgress, type ReplaySummary } from './replay.js';

export const DEFAULT_TOPIC = 'edgar.visits';

export interface ReplayRunOptions {
  inputs: string[];
  topic: string;
  /** Partitions of the topic when replay creates it. */
  partitions: number;
  pace: Pace;
  loop: boolean;
  keepTime: boolean;
  limit?: number;
  /** Second of the day before which the first day's visits are skipped. */
  startAt?: number;
  from?: string;
  to?: string;
  strict: boolean;
  /** How long to keep retrying while Kafka is away. */
  retryForMs: number;
}

export interface ReplayDeps {
  config: Pick<Config, 'kafka' | 's3'>;
  /** Installs the Ctrl-C handlers; called once a clean stop is possible (core/shutdown.ts). */
  onShutdown: () => Shutdown;
  progress: { update(p: ReplayProgress): void; done(): void };
}

export interface ReplayReport {
  topic: string;
  brokers: string;
  pace: Pace;
  keepTime: boolean;
  summary: ReplaySummary;
}

export async function run(options: ReplayRunOptions, deps: ReplayDeps): Promise<ReplayReport> {
  const { config } = deps;
  const store = options.inputs.some((i) => i.startsWith('s3://')) ? new ObjectStore(config.s3) : undefined;
  const kafka = createKafka(config.kafka);
  await withAdmin(kafka, config.kafka, (admin) => ensureTopic(admin, options.topic, options.partitions));
  const producer = await KafkaVisitProducer.open(config.kafka, options.topic, { retryForMs: options.retryForMs });
  const shutdown = deps.onShutdown();
  let summary: ReplaySummary;
  try {
    summary = await replay(options.inputs, producer, {
      pace: options.pace,
      loop: options.loop,
      keepTime: options.keepTime,
      limit: options.limit,
      startAt: options.startAt,
      from: options.from,
      to: options.to,
      strict: options.strict,
      store,
      signal: shutdown.signal,
      onProgress: (p) => deps.progress.update(p),
    });
  } finally {
    deps.progress.done();
    shutdown.dispose();
    await producer.close();
    store?.close();
  }
  return { topic: options.topic, brokers: brokerAddress(config.kafka), pace: options.pace, keepTime: options.keepTime, summary };
}

/** The progress bar's line. */
export function progressLine(p: ReplayProgress): string {
  const rate = p.elapsedMs > 0 ? (p.sent * 1000) / p.elapsedMs : 0;
  const when = Number.isNaN(p.original) ? '' : `  event ${formatDay(p.original)} ${formatTime(p.original)} → ${new Date(p.stampMs).toISOString().slice(11, 19)}`;
  return `replay: ${p.sent.toLocaleString('en-US')} visits sent (${formatRate(rate)}/s)${p.pass > 1 ? `  pass ${p.pass}` : ''}${when}`;
}

export function paceText(pace: Pace): string {
  return pace.mode === 'max' ? 'max' : pace.mode === 'rate' ? `rate ${pace.perSecond}/s` : `speed ${pace.factor}x`;
}

export function isoSecond(second: number | null): string | null {
  return second === null ? null : `${formatDay(second)}T${formatTime(second)}Z`;
}

export function isoMs(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** The --json document (its field order is part of the output). */
export function reportDocument(r: ReplayReport): Record<string, unknown> {
  const s = r.summary;
  const rejects = s.rejects.toJSON();
  return {
    topic: r.topic,
    brokers: r.brokers,
    pace: r.pace,
    keepTime: r.keepTime,
    visitsSent: s.visitsSent,
    rejected: rejects.total,
    rejects,
    skipped: s.skipped,
    files: s.files,
    passes: s.passes,
    stoppedBy: s.stoppedBy,
    durationMs: Math.round(s.durationMs),
    visitsPerSecond: Math.round(s.visitsPerSecond),
    firstEventSecond: s.firstEventSecond,
    lastEventSecond: s.lastEventSecond,
    firstEvent: isoSecond(s.firstEventSecond),
    lastEvent: isoSecond(s.lastEventSecond),
    firstStamp: isoMs(s.firstStampMs),
    lastStamp: isoMs(s.lastStampMs),
    maxLagMs: s.maxLagMs,
  };
}

/** The summary table's rows. */
export function reportRows({ summary: s, ...run }: ReplayReport): (string | number)[][] {
  const rejects = s.rejects.toJSON();
  const n = (x: number) => x.toLocaleString('en-US');
  return [
    ['topic', `${run.topic} at ${run.brokers}`],
    ['pace', paceText(run.pace) + (run.keepTime ? ', original timestamps (--keep-time)' : '')],
    ['visits sent', n(s.visitsSent)],
    ['rejected rows (not sent)', n(rejects.total)],
    ...REJECT_REASONS.filter((r) => s.rejects.count(r) > 0).map((r) => [`  ${r}`, `${s.rejects.count(r)} (${REJECT_DESCRIPTIONS[r]})`]),
    ...(s.skipped > 0 ? [['skipped by --start-at', n(s.skipped)]] : []),
    ['files read', `${s.files}${s.passes > 1 ? ` (${s.passes} passes)` : ''}`],
    ['first event (original → re-stamped)', `${isoSecond(s.firstEventSecond) ?? '-'} → ${isoMs(s.firstStampMs) ?? '-'}`],
    ['last event (original → re-stamped)', `${isoSecond(s.lastEventSecond) ?? '-'} → ${isoMs(s.lastStampMs) ?? '-'}`],
    ['duration', `${(s.durationMs / 1000).toFixed(1)} s`],
    ['rate', `${formatRate(s.visitsPerSecond)} visits/s`],
    ['stopped by', s.stoppedBy === 'end' ? 'end of input' : s.stoppedBy === 'limit' ? '--limit' : 'signal (Ctrl-C)'],
  ];
}
