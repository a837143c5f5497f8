/**
 * findoc stream: Kafka visits → live counts in Redis, exactly once (DESIGN §2, §3.3).
 *   decode + aggregate a batch: src/core/stream-batch.ts
 *   the group member that resumes from Redis' offsets: src/adapters/kafka-consumer.ts
 *   the atomic apply and the key layout: src/adapters/stream-state.ts, docs/redis.md
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { Redis } from 'ioredis';
import { runExactlyOnceConsumer, type ConsumedBatch, type ConsumerEvent } from '../adapters/kafka-consumer.js';
import { createKafka, ensureTopic, withAdmin } from '../adapters/kafka.js';
import { connectRedis } from '../adapters/redis.js';
import { StreamState, type ResetResult, type SentWrite } from '../adapters/stream-state.js';
import { usageError } from '../core/errors.js';
import { parseFilter, type VisitFilter } from '../core/filter.js';
import { caughtUp, type TopicOffsets } from '../core/lag.js';
import { DeltaBuilder, addCounts, emptyCounts, parseRecords, type BatchCounts, type ParsedBatch } from '../core/stream-batch.js';
import { LONGEST_WINDOW_SECONDS, isoSecond } from '../core/windows.js';
import { MAX_DURATION_SECONDS, parseDuration } from '../core/durations.js';
import { MAX_PARTITIONS, parseInteger } from '../core/integers.js';
import { Progress, formatRate, info, printJson } from '../output.js';
import { onShutdown } from '../signals.js';
import { configOf, withExamples } from './context.js';

interface StreamOptions {
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
  json: boolean;
}

/** Batches fetched and not yet written, and their counts merged. */
interface WriteGroup {
  batches: ParsedBatch[];
  delta: DeltaBuilder;
}

/** What this process did (the namespace's own totals, all processes included, are in Redis). */
interface RunTotals extends BatchCounts {
  /** Script calls. */
  calls: number;
  /** Records skipped because the namespace already had them (redelivered after a crash or rebalance). */
  duplicates: number;
}

export function streamCommand() {
  const cmd = new Command('stream')
    .description('consume visits from Kafka into live counts in Redis (per second, per CIK, sliding windows), exactly once')
    .option('--topic <name>', 'Kafka topic to read', 'edgar.visits')
    .option('--group <id>', 'consumer group: processes with the same group split the partitions', 'findoc-stream')
    .option('--redis-prefix <prefix>', 'namespace of every Redis key', 'findoc:')
    .option('--retention <duration>', `how long visits per second are kept behind the latest event (at least ${LONGEST_WINDOW_SECONDS / 3600}h)`, '24h')
    .option('--filter <rules>', 'drop visits by rule: crawlers, errors (comma separated; default: keep all)')
    .option('--exclude-crawlers', 'shorthand for --filter crawlers')
    .addOption(new Option('--from <where>', 'where partitions never applied to this namespace start').choices(['earliest', 'latest'] as const).default('earliest' as const))
    .option('--max-future <duration>', 'reject events stamped later than the wall clock plus this', '1h')
    .option('--partitions <n>', 'partitions of the topic when stream creates it', '4')
    .option('--session-timeout <duration>', 'how soon the group gives a crashed member\'s partitions to the others (Kafka allows 6s and more)', '10s')
    .option('--reset', 'delete this namespace\'s keys first (only those under --redis-prefix), then stream')
    .option('--until-end', 'stop once every record the topic held at start is applied (catch up, then exit)')
    .option('--json', 'print a JSON summary when stopping')
    .addHelpText(
      'after',
      `
Counts are by event time (the row's date and time, UTC). Each record changes Redis once: offsets are
stored with the counts in one Lua script, and a restarted or rebalanced process resumes from them
(kill -9 included). Run several processes with one --group to split the partitions.
Visits older than the latest event minus --retention count in the all-time totals only ("late").
The Redis key layout is in docs/redis.md. Ctrl-C stops cleanly; a second Ctrl-C exits at once.`,
    )
    .action(async (opts, command) => {
      const config = configOf(command);
      const options = streamOptions(opts);
      const redis = await connectRedis(config.redis.url, { persistent: true });
      const shutdown = onShutdown();
      try {
        await stream(options, redis, config, shutdown.signal);
      } finally {
        shutdown.dispose();
        redis.disconnect();
      }
    });
  return withExamples(cmd, [
    'findoc stream',
    'findoc stream --topic edgar.visits --group findoc-stream --exclude-crawlers --redis-prefix live:',
    'findoc stream --until-end --json    # catch up with the topic, print a summary, exit',
    'findoc stream --reset --redis-prefix test:',
  ]);
}

function streamOptions(opts: {
  topic: string;
  group: string;
  redisPrefix: string;
  retention: string;
  filter?: string;
  excludeCrawlers?: true;
  from: 'earliest' | 'latest';
  maxFuture: string;
  partitions: string;
  sessionTimeout: string;
  reset?: true;
  untilEnd?: true;
  json?: true;
}): StreamOptions {
  // At least the longest sliding window (1h); whole seconds, as Redis trims by event second.
  const retentionSeconds = parseDuration(opts.retention, { flag: '--retention', unit: 's', min: LONGEST_WINDOW_SECONDS, max: MAX_DURATION_SECONDS, whole: true });
  const partitions = parseInteger('--partitions', opts.partitions, 1, MAX_PARTITIONS);
  return {
    topic: opts.topic,
    group: opts.group,
    prefix: opts.redisPrefix,
    filter: liveFilter(parseFilter(opts.filter, opts.excludeCrawlers === true)),
    retentionSeconds,
    maxFutureSeconds: parseDuration(opts.maxFuture, { flag: '--max-future', unit: 's', min: 0.001, max: MAX_DURATION_SECONDS }),
    startAt: opts.from,
    partitions,
    sessionTimeoutMs: parseDuration(opts.sessionTimeout, { flag: '--session-timeout', unit: 'ms', bare: 's', min: 1, max: 86_400_000, whole: true }),
    reset: opts.reset === true,
    untilEnd: opts.untilEnd === true,
    json: opts.json === true,
  };
}

/**
 * The robots rule needs per-(day, IP) state kept exactly once in Redis, which the stream does not keep yet:
 * refuse it rather than store unfiltered counts under a "robots(…)" name that bands would then trust.
 */
function liveFilter(filter: VisitFilter): VisitFilter {
  if (filter.robots) {
    throw usageError(
      `stream cannot apply the robots filter yet (asked: --filter ${filter.name})`,
      'use --filter crawlers and/or errors live; batch applies robots to history (findoc batch --filter robots)',
    );
  }
  return filter;
}

async function stream(o: StreamOptions, redis: Redis, config: ReturnType<typeof configOf>, shutdown: AbortSignal): Promise<void> {
  const state = new StreamState(redis, o.prefix);
  let reset: ResetResult | null = null;
  if (o.reset) {
    if (await state.activeWithin(15)) info(`warning: a stream process applied to "${o.prefix}" in the last 15 s; stop it first or it keeps counting from where it is`);
    reset = await state.reset();
    const r = reset.byKind;
    info(`reset ${reset.prefix}: deleted ${reset.deleted} keys (${r.sec} per-second CIK sets, ${r.vps} visits-per-second hashes, ${r.ingest} ingest counters, ${r.state} state keys)`);
  }
  await state.prepare(o.filter.name, o.retentionSeconds);

  // Fails fast (exit 69) when no broker answers at start; creates the topic like replay does. Once running,
  // the consumer keeps retrying (a broker restart is not a reason to stop).
  const ends = await withAdmin(createKafka(config.kafka, { retries: 1 }), config.kafka, async (admin) => {
    if (await ensureTopic(admin, o.topic, o.partitions)) info(`created topic ${o.topic} with ${o.partitions} partitions`);
    return (await admin.fetchTopicOffsets(o.topic)).map((p): TopicOffsets => ({ partition: p.partition, low: Number(p.low), high: Number(p.high) }));
  });

  const run: RunTotals = { ...emptyCounts(), calls: 0, duplicates: 0 };
  const started = performance.now();
  const progress = new Progress(250);
  let assigned: number[] = [];
  let latest: number | null = null;
  const stop = new AbortController();
  const signal = AbortSignal.any([shutdown, stop.signal]);

  // A write group: the parsed batches (for the rare redelivery path) and their counts, merged as they come.
  const newGroup = (): WriteGroup => ({ batches: [], delta: new DeltaBuilder() });
  const add = (g: WriteGroup, b: ConsumedBatch): void => {
    const parsed = parseRecords(b.records, {
      topic: b.topic,
      partition: b.partition,
      follows: b.follows,
      filter: o.filter,
      nowSecond: Math.floor(Date.now() / 1000),
      maxFutureSeconds: o.maxFutureSeconds,
      lastOffset: b.lastOffset,
    });
    g.batches.push(parsed);
    g.delta.add(parsed);
  };
  const send = (g: WriteGroup): SentWrite => state.send(g.batches, g.delta.build(), o.filter.name, o.retentionSeconds);
  const settle = async (sent: SentWrite): Promise<void> => {
    const r = await state.settle(sent, o.filter.name, o.retentionSeconds);
    addCounts(run, r);
    run.duplicates += r.duplicates;
    run.calls += r.calls;
    latest = r.latest ?? latest;
    progress.update(() => {
      const s = (performance.now() - started) / 1000;
      return `stream ${o.topic} → ${o.prefix}  ${formatRate(run.visits)} visits  ${formatRate(run.visits / s)}/s  latest ${latest === null ? '-' : isoSecond(latest)}  rejected ${run.rejected}  partitions ${assigned.join(',') || '-'}`;
    });
  };

  const onEvent = (e: ConsumerEvent) => {
    if (e.type === 'assigned') {
      assigned = e.partitions;
      info(`group ${o.group}: assigned partitions ${e.partitions.length ? e.partitions.join(', ') : '(none)'} of ${o.topic}`);
    } else if (e.type === 'skipped') info(`warning: partition ${e.partition}: offsets ${e.from}…${e.to} were deleted by the topic's retention before they were applied; continuing after them`);
    else info(`Kafka: ${e.error}; retrying`);
  };

  // --until-end: poll the applied offsets (every process of the group counts) against the end offsets read at start.
  const watcher = o.untilEnd
    ? setInterval(() => {
        void state
          .readOffsets(o.topic)
          .then((applied) => {
            if (caughtUp(applied, ends)) stop.abort();
          })
          .catch(() => undefined);
      }, 250)
    : null;
  if (o.untilEnd && caughtUp(await state.readOffsets(o.topic), ends)) stop.abort();

  try {
    await runExactlyOnceConsumer(config.kafka, {
      topic: o.topic,
      groupId: o.group,
      storedOffset: (topic, partition) => state.storedOffset(topic, partition),
      startAt: o.startAt,
      sessionTimeoutMs: o.sessionTimeoutMs,
      newGroup,
      add,
      send,
      settle,
      signal,
      onEvent,
    });
  } finally {
    if (watcher) clearInterval(watcher);
    progress.done();
  }

  const seconds = (performance.now() - started) / 1000;
  const namespace = await state.readProgress();
  const summary = {
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
    duplicates: run.duplicates,
    rejected: { total: run.rejected, byReason: run.rejects, samples: run.samples },
    visitsPerSecond: Math.round(run.visits / Math.max(seconds, 1e-3)),
    latest: namespace.latest,
    namespace: {
      records: namespace.records,
      visits: namespace.visits,
      filtered: namespace.filtered,
      rejected: namespace.rejected,
      late: namespace.late,
      partitions: namespace.partitions.filter((p) => p.topic === o.topic).map((p) => ({ partition: p.partition, offset: p.offset })),
    },
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  if (o.json) {
    printJson(summary);
  } else {
    process.stdout.write(
      `applied ${run.visits.toLocaleString('en-US')} visits from ${run.records.toLocaleString('en-US')} records in ${seconds.toFixed(1)} s ` +
        `(${formatRate(summary.visitsPerSecond)} visits/s; ${run.filtered} filtered, ${run.rejected} rejected, ${run.duplicates} already applied)\n` +
        `namespace "${o.prefix}": ${namespace.visits.toLocaleString('en-US')} visits in all, latest event ${namespace.latest ?? '-'}, ` +
        `${namespace.late} late, ${namespace.rejected} rejected\n`,
    );
    for (const [reason, n] of Object.entries(run.rejects)) process.stdout.write(`  rejected ${reason}: ${n}\n`);
  }
}
