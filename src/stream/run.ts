/**
 * `findoc stream`: Kafka visits → live counts in Redis, exactly once (DESIGN §2, §3.3).
 *   parse a batch: src/stream/parse.ts; merge batches into one write: src/core/stream-delta.ts
 *   the group member that resumes from Redis' offsets: src/adapters/kafka/consumer.ts
 *   the atomic apply and the key layout: src/adapters/stream-state.ts, docs/redis.md
 *   the write groups, two in flight: src/stream/writes.ts
 *   the counts and features, each with its part of the one write: src/stream/features/ (registered in
 *   index.ts; robots and sessions also keep per-partition state)
 */
import type { Redis } from 'ioredis';
import { ExactlyOnceConsumer, type ConsumedBatch, type ConsumerEvent } from '../adapters/kafka/consumer.js';
import { createKafka, ensureTopic, withAdmin } from '../adapters/kafka/admin.js';
import { StateBehind, StreamState, type ResetResult, type SentWrite, type StreamProgress } from '../adapters/stream-state.js';
import { FindocError } from '../core/errors.js';
import type { KafkaSettings } from '../core/config.js';
import type { VisitFilter } from '../core/filter.js';
import { caughtUp, type TopicOffsets } from '../core/lag.js';
import { addCounts, emptyCounts, type BatchCounts, type ParsedBatch, type RejectedRecord, type StreamRejectReason } from '../core/stream-delta.js';
import { parseRecords, trimBatch } from './parse.js';
import { StreamWrites } from './writes.js';
import { WRITE_PARTS, liveFeatures } from './features/index.js';

export interface StreamOptions {
  topic: string;
  group: string;
  prefix: string;
  filter: VisitFilter;
  retentionSeconds: number;
  maxFutureSeconds: number;
  startAt: 'earliest' | 'latest';
  partitions: number;
  sessionTimeoutMs: number;
  reset: boolean;
  untilEnd: boolean;
  /**
   * What to do when Redis lost the namespace's state (restarted empty: the state marker is gone):
   * rebuild it from the earliest offsets Kafka still holds, or fail (exit 75).
   */
  onLostState: 'rebuild' | 'fail';
  /** Sessions feature: the inactivity in seconds (stream --sessions), or undefined without it. */
  sessions?: number;
}

export interface StreamDeps {
  redis: Redis;
  kafka: KafkaSettings;
  signal: AbortSignal;
  /** Notices for stderr. */
  onInfo(message: string): void;
  /** Called after every applied write, with this process's totals so far. */
  onProgress?(p: StreamProgressLine): void;
}

export interface StreamProgressLine {
  visits: number;
  robots: number;
  rejected: number;
  seconds: number;
  latest: number | null;
  partitions: number[];
}

/** What this process did (the namespace's own totals, all processes included, are in Redis). */
interface RunTotals extends BatchCounts {
  /** Script calls. */
  calls: number;
  /** Records skipped because the namespace already had them (redelivered after a crash or rebalance). */
  duplicates: number;
}

export interface StreamReport {
  topic: string;
  group: string;
  prefix: string;
  filter: string;
  reset: ResetResult | null;
  seconds: number;
  calls: number;
  records: number;
  visits: number;
  filtered: number;
  robots: number;
  robotIps: number;
  duplicates: number;
  rejected: { total: number; byReason: Partial<Record<StreamRejectReason, number>>; samples: RejectedRecord[] };
  visitsPerSecond: number;
  latest: string | null;
  namespace: {
    records: number;
    visits: number;
    filtered: number;
    robots: number;
    robotIps: number;
    /** Robot visits / (human visits + robot visits), null before any. */
    robotShare: number | null;
    rejected: number;
    late: number;
    partitions: { partition: number; offset: number }[];
  };
  peakRssMiB: number;
}

export async function runStream(o: StreamOptions, deps: StreamDeps): Promise<StreamReport> {
  const { redis, onInfo } = deps;
  const state = new StreamState(redis, o.prefix, { trim: trimBatch, parts: WRITE_PARTS });
  const reset = await openNamespace(state, o, onInfo);
  const ends = await topicEnds(o, deps);

  const features = liveFeatures(o);
  const run: RunTotals = { ...emptyCounts(), calls: 0, duplicates: 0 };
  const started = performance.now();
  let assigned: number[] = [];
  let latest: number | null = null;
  const stop = new AbortController();
  const signal = AbortSignal.any([deps.signal, stop.signal]);

  // What a fetched batch adds, parsed once, as soon as it is fetched (while the previous write is applied).
  const parse = (b: ConsumedBatch): ParsedBatch => {
    let own = {};
    for (const f of features) own = { ...own, ...f.parseOptions(b.topic, b.partition) };
    return parseRecords(b.records, {
      topic: b.topic,
      partition: b.partition,
      follows: b.follows,
      filter: o.filter,
      nowSecond: Math.floor(Date.now() / 1000),
      maxFutureSeconds: o.maxFutureSeconds,
      lastOffset: b.lastOffset,
      ...own,
    });
  };
  const settle = async (sent: SentWrite): Promise<void> => {
    const r = await state.settle(sent, o.filter.name, o.retentionSeconds).catch((e: unknown) => stateBehind(e, state, o, onInfo));
    addCounts(run, r);
    run.duplicates += r.duplicates;
    run.calls += r.calls;
    latest = r.latest ?? latest;
    if (latest !== null) for (const f of features) f.applied?.(latest);
    deps.onProgress?.({ visits: run.visits, robots: run.robots, rejected: run.rejected, seconds: (performance.now() - started) / 1000, latest, partitions: assigned });
  };
  const writes = new StreamWrites({
    send: (batches, delta) => state.send(batches, delta, o.filter.name, o.retentionSeconds),
    settle,
    isBehind: (e) => e instanceof StateBehind,
  });

  const onEvent = (e: ConsumerEvent) => {
    if (e.type === 'assigned') {
      assigned = e.partitions;
      for (const f of features) f.assigned(o.topic, e.partitions);
      onInfo(`group ${o.group}: assigned partitions ${e.partitions.length ? e.partitions.join(', ') : '(none)'} of ${o.topic}`);
    } else if (e.type === 'skipped') onInfo(`warning: partition ${e.partition}: offsets ${e.from}…${e.to} were deleted by the topic's retention before they were applied; continuing after them`);
    else onInfo(`Kafka: ${e.error}; retrying`);
  };

  const watcher = o.untilEnd ? await watchUntilEnd(state, o.topic, ends, stop) : null;

  const consumer = new ExactlyOnceConsumer(deps.kafka, {
    topic: o.topic,
    groupId: o.group,
    // With features, the partition's state is loaded with its offset, atomically.
    storedOffset:
      features.length > 0
        ? async (topic, partition) => {
            const loaded = await state.loadPartition(topic, partition);
            for (const f of features) f.start(topic, partition, loaded);
            return loaded.stored;
          }
        : (topic, partition) => state.storedOffset(topic, partition),
    startAt: o.startAt,
    sessionTimeoutMs: o.sessionTimeoutMs,
    signal,
    onEvent,
    rewindStartAt: () => 'earliest',
  });
  try {
    for await (const round of consumer.batches(writes)) {
      for (const b of round) writes.add(parse(b));
      writes.pump();
    }
  } finally {
    if (watcher) clearInterval(watcher);
  }

  return streamReport(o, reset, run, (performance.now() - started) / 1000, await state.readProgress());
}

/** --reset (deleting the namespace's keys first), then the namespace's marker, filter and retention. */
async function openNamespace(state: StreamState, o: StreamOptions, onInfo: (message: string) => void): Promise<ResetResult | null> {
  let reset: ResetResult | null = null;
  if (o.reset) {
    if (await state.activeWithin(15)) onInfo(`warning: a stream process applied to "${o.prefix}" in the last 15 s; stop it first or it keeps counting from where it is`);
    reset = await state.reset();
    const r = reset.byKind;
    onInfo(`reset ${reset.prefix}: deleted ${reset.deleted} keys (${r.sec} per-second CIK sets, ${r.vps} visits-per-second hashes, ${r.rb} robots state hashes, ${r.ingest} ingest counters, ${r.state} state keys)`);
  }
  await state.prepare(o.filter.name, o.retentionSeconds, o.sessions ?? null);
  return reset;
}

/**
 * The topic's end offsets at start (for --until-end). Fails fast (exit 69) when no broker answers at start;
 * creates the topic like replay does. Once running, the consumer keeps retrying (a broker restart is not a
 * reason to stop).
 */
async function topicEnds(o: StreamOptions, deps: StreamDeps): Promise<TopicOffsets[]> {
  return withAdmin(createKafka(deps.kafka, { retries: 1 }), deps.kafka, async (admin) => {
    if (await ensureTopic(admin, o.topic, o.partitions)) deps.onInfo(`created topic ${o.topic} with ${o.partitions} partitions`);
    return (await admin.fetchTopicOffsets(o.topic)).map((p): TopicOffsets => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }));
  });
}

/**
 * A settle failure: when the namespace is behind what this process read past (StateBehind), says why —
 * Redis lost the namespace (restarted empty: rebuild, or exit 75 with --on-lost-state fail) or restarted
 * from a file a moment behind — and rethrows it for the consumer to read the partitions again.
 */
async function stateBehind(e: unknown, state: StreamState, o: StreamOptions, onInfo: (message: string) => void): Promise<never> {
  if (!(e instanceof StateBehind)) throw e;
  if (!(await state.hasStateMarker())) {
    if (o.onLostState === 'fail') {
      throw new FindocError('FINDOC_TEMPORARY', `Redis lost the state of namespace "${o.prefix}" (it holds nothing of ${e.topic}:${e.partition}, applied up to ${e.follows}): restarted without persistence?`, {
        service: 'Redis',
        hint: 'run the stream again with --on-lost-state rebuild (the default) to rebuild the counts from what Kafka still holds, or --reset to start over',
      });
    }
    onInfo(`warning: Redis lost the state of namespace "${o.prefix}" (restarted without persistence?): rebuilding it from the earliest offsets Kafka still holds`);
  } else {
    onInfo(`warning: ${e.message} (Redis restarted from a file a moment behind?): reading ${e.topic}:${e.partition} again from offset ${(e.held ?? -1) + 1}`);
  }
  throw e;
}

/** --until-end: polls the applied offsets (every process of the group counts) against the end offsets read at start. */
async function watchUntilEnd(state: StreamState, topic: string, ends: readonly TopicOffsets[], stop: AbortController): Promise<NodeJS.Timeout> {
  const watcher = setInterval(() => {
    void state
      .readOffsets(topic)
      .then((applied) => {
        if (caughtUp(applied, ends)) stop.abort();
      })
      .catch(() => undefined);
  }, 250);
  if (caughtUp(await state.readOffsets(topic), ends)) stop.abort();
  return watcher;
}

function streamReport(o: StreamOptions, reset: ResetResult | null, run: RunTotals, seconds: number, namespace: StreamProgress): StreamReport {
  const seen = namespace.visits + namespace.robots;
  return {
    topic: o.topic,
    group: o.group,
    prefix: o.prefix,
    filter: o.filter.name,
    reset,
    seconds: Math.round(seconds * 1000) / 1000,
    calls: run.calls,
    records: run.records,
    visits: run.visits,
    filtered: run.filtered,
    robots: run.robots,
    robotIps: run.robotIps,
    duplicates: run.duplicates,
    rejected: { total: run.rejected, byReason: run.rejects, samples: run.samples },
    visitsPerSecond: Math.round(run.visits / Math.max(seconds, 1e-3)),
    latest: namespace.latest,
    namespace: {
      records: namespace.records,
      visits: namespace.visits,
      filtered: namespace.filtered,
      robots: namespace.robots,
      robotIps: namespace.robotIps,
      robotShare: o.filter.robots && seen > 0 ? namespace.robots / seen : null,
      rejected: namespace.rejected,
      late: namespace.late,
      partitions: namespace.partitions.filter((p) => p.topic === o.topic).map((p) => ({ partition: p.partition, offset: p.offset })),
    },
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}
