/**
 * The consuming side of Kafka for `findoc stream`: one member of a consumer group whose positions come from
 * the stream's own state (Redis), not from Kafka's committed offsets.
 *
 * Why: the exactly-once effect (DESIGN §3.3) needs the position and the counts to change together, and
 * only Redis can hold both atomically (stream-state-apply.lua). So on every (re)assignment of a partition
 * this consumer reads the last applied offset from the state and makes the group fetch from the next one:
 *
 *   - after each group join (kafkajs GROUP_JOIN: any rebalance, including one that hands back the same
 *     partitions), every partition is "unverified";
 *   - the first batch of an unverified partition must have been fetched from exactly that next offset
 *     (stored + 1, or the topic's earliest/latest offset for a partition never applied). If not — kafkajs
 *     started from Kafka's committed offset, which may trail Redis after a crash or lead it after a
 *     `--reset` — the batch is dropped and the partition seeked to the right offset;
 *   - from then on kafkajs fetches each partition contiguously from there, and the apply script ignores
 *     any record at or below the stored offset, so batches redelivered by a rebalance, a retry or a
 *     previous owner still finishing count once.
 * Kafka's committed offsets are still committed (every few seconds and on shutdown) so that the usual lag
 * tools show something sensible; nothing here trusts them.
 *
 * The only file besides kafka.ts that imports kafkajs.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaSettings } from '../core/config.js';
import type { StreamRecord } from '../core/stream-batch.js';
import { ensureTopic, isConnectionError, kafkaUnavailable } from './kafka.js';

export interface ConsumedBatch {
  topic: string;
  partition: number;
  /** Records in offset order; never empty. */
  records: StreamRecord[];
  /** The offset the batch ends at: its last record's, or that of control records after it. */
  lastOffset: number;
  /** The partition's end offset when the batch was fetched. */
  highWatermark: number;
}

export type ConsumerEvent =
  | { type: 'assigned'; partitions: number[] }
  | { type: 'seek'; partition: number; from: number; to: number }
  | { type: 'skipped'; partition: number; from: number; to: number }
  | { type: 'restart'; error: string };

export interface ExactlyOnceConsumerOptions {
  topic: string;
  groupId: string;
  /** The last offset applied to the state for a partition, or null when none was. */
  storedOffset(topic: string, partition: number): Promise<number | null>;
  /** Where a partition never applied starts: the oldest record the topic still has, or its end. */
  startAt: 'earliest' | 'latest';
  /**
   * Applies a batch to the state; resolves once it (or an earlier delivery of it) is there. A rejection
   * stops the consumer: runExactlyOnceConsumer rejects with it.
   */
  apply(batch: ConsumedBatch): Promise<void>;
  /** Aborting stops fetching, lets the batches in flight finish, commits and leaves the group. */
  signal: AbortSignal;
  onEvent?(event: ConsumerEvent): void;
  /** Create the topic with this many partitions when it does not exist. */
  createPartitions?: number;
  /** kafkajs fetch size per partition (default 1 MiB) — with `concurrency`, what bounds memory. */
  maxBytesPerPartition?: number;
  /** Partitions processed at once (default 4): one batch's Redis round trip overlaps another's parsing. */
  concurrency?: number;
}

const COMMIT_INTERVAL_MS = 5000;
/** Seeks tried before accepting a position that differs from the state (see verify()). */
const MAX_SEEKS = 3;

interface PartitionState {
  epoch: number;
  expected: number;
  verified: boolean;
  seeks: number;
}

/**
 * Joins the group and applies batches until `signal` aborts (resolves) or something fatal happens
 * (rejects: unreachable broker at start → exit 69, or the apply callback's error).
 */
export async function runExactlyOnceConsumer(kafka: Kafka, settings: KafkaSettings, options: ExactlyOnceConsumerOptions): Promise<void> {
  const { topic } = options;
  const emit = options.onEvent ?? (() => undefined);
  const admin = kafka.admin();
  try {
    await admin.connect();
    if (options.createPartitions) await ensureTopic(admin, topic, options.createPartitions);
  } catch (e) {
    await admin.disconnect().catch(() => undefined);
    if (isConnectionError(e)) throw kafkaUnavailable(settings, e);
    throw e;
  }

  const maxBytesPerPartition = options.maxBytesPerPartition ?? 1 << 20;
  const concurrency = options.concurrency ?? 4;
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3000,
    maxBytesPerPartition,
    maxBytes: maxBytesPerPartition * concurrency,
    allowAutoTopicCreation: false,
  });

  let epoch = 0;
  const partitions = new Map<number, PartitionState>();
  /** Next offset to commit to Kafka per partition (informational). */
  const toCommit = new Map<number, number>();
  const inFlight = new Set<Promise<unknown>>();
  let stopping = false;
  let fatal: { error: unknown } | null = null;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const stop = () => {
    stopping = true;
    wake();
  };
  const fail = (error: unknown) => {
    if (!fatal) fatal = { error };
    stop();
  };
  if (options.signal.aborted) stop();
  options.signal.addEventListener('abort', stop, { once: true });

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    epoch++;
    emit({ type: 'assigned', partitions: [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b) });
  });
  consumer.on(consumer.events.CRASH, (e) => {
    const error = e.payload.error;
    if (e.payload.restart) emit({ type: 'restart', error: error?.message ?? String(error) });
    else fail(isConnectionError(error) ? kafkaUnavailable(settings, error) : error);
  });

  /** Where Redis says the partition continues. */
  const startOf = async (partition: number): Promise<number> => {
    const stored = await options.storedOffset(topic, partition);
    if (stored !== null) return stored + 1;
    const ends = await admin.fetchTopicOffsets(topic);
    const p = ends.find((x) => x.partition === partition);
    if (!p) throw new Error(`topic ${topic} has no partition ${partition}`);
    return Number(options.startAt === 'earliest' ? p.low : p.high);
  };

  /**
   * Is this batch fetched from where the state says the partition continues? Returns false when the batch
   * must be dropped (a seek was issued). Accepts a different position only when Kafka cannot serve the
   * expected one (records deleted by the topic's retention) or after MAX_SEEKS tries (control records of
   * transactions at that position, which kafkajs skips on its own).
   */
  const verify = async (state: PartitionState, partition: number, fetched: number): Promise<boolean> => {
    if (fetched === state.expected) return true;
    let acceptable = state.seeks >= MAX_SEEKS;
    if (!acceptable && fetched > state.expected) {
      const low = Number((await admin.fetchTopicOffsets(topic)).find((x) => x.partition === partition)?.low ?? 0);
      acceptable = low > state.expected;
    }
    if (acceptable) {
      // Earlier than expected is harmless (the script ignores what was applied); later means records
      // the stream will never see: say so.
      if (fetched > state.expected) emit({ type: 'skipped', partition, from: state.expected, to: fetched - 1 });
      return true;
    }
    state.seeks++;
    emit({ type: 'seek', partition, from: fetched, to: state.expected });
    consumer.seek({ topic, partition, offset: String(state.expected) });
    return false;
  };

  const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> => {
    if (stopping || !isRunning() || isStale() || batch.messages.length === 0) return;
    const partition = batch.partition;
    try {
      let state = partitions.get(partition);
      if (!state || state.epoch !== epoch) {
        const thisEpoch = epoch;
        state = { epoch: thisEpoch, expected: await startOf(partition), verified: false, seeks: 0 };
        partitions.set(partition, state);
      }
      if (!state.verified) {
        // kafkajs sets fetchedOffset (the offset this fetch asked for) on every Batch; its typings omit it.
        const fetched = Number((batch as unknown as { fetchedOffset: string }).fetchedOffset);
        if (!(await verify(state, partition, fetched))) return;
        state.verified = true;
      }
      if (stopping) return;
      const lastOffset = Number(batch.lastOffset());
      const records: StreamRecord[] = new Array(batch.messages.length);
      for (let i = 0; i < records.length; i++) {
        const m = batch.messages[i];
        records[i] = { offset: Number(m.offset), value: m.value };
      }
      const applying = options.apply({ topic, partition, records, lastOffset, highWatermark: Number(batch.highWatermark) });
      inFlight.add(applying);
      try {
        await applying;
      } finally {
        inFlight.delete(applying);
      }
      resolveOffset(batch.lastOffset());
      toCommit.set(partition, lastOffset + 1);
      await heartbeat();
    } catch (e) {
      fail(e);
    }
  };

  const commit = async () => {
    if (toCommit.size === 0) return;
    const offsets = [...toCommit].map(([partition, offset]) => ({ topic, partition, offset: String(offset) }));
    toCommit.clear();
    // Informational only (see above): a commit refused during a rebalance is not retried.
    await consumer.commitOffsets(offsets).catch(() => undefined);
  };

  try {
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: options.startAt === 'earliest' });
    } catch (e) {
      if (isConnectionError(e)) throw kafkaUnavailable(settings, e);
      throw e;
    }
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: concurrency, eachBatch });
    const timer = setInterval(() => void commit(), COMMIT_INTERVAL_MS);
    try {
      await stopped;
      // Graceful: no new batch starts (eachBatch returns at once); the ones applying finish, then commit.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await commit();
    } finally {
      clearInterval(timer);
    }
  } finally {
    options.signal.removeEventListener('abort', stop);
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  if (fatal) throw (fatal as { error: unknown }).error;
}
