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
 * Flow: kafkajs fetches; eachBatch prepares the batch (CPU: parsing) and queues it; ONE writer takes
 * everything queued — batches of several partitions, each partition's in offset order — and writes it in
 * one go, while kafkajs already fetches the next batches. A single writer keeps each partition's writes in
 * order (a write is only sent once the previous one is answered, so a redelivery found by one write is
 * dealt with before the next is sent), and writing the partitions together lets the state merge them.
 * The queue is bounded (maxQueuedRecords): eachBatch waits while it is full, and so does kafkajs.
 *
 * The only file besides kafka.ts that imports kafkajs.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { KafkaSettings } from '../core/config.js';
import type { StreamRecord } from '../core/stream-batch.js';
import { ensureTopic, isConnectionError, kafkaUnavailable } from './kafka.js';

export interface ConsumedBatch {
  topic: string;
  partition: number;
  /** Records in offset order (kafkajs' own message objects: offset as a decimal string); never empty. */
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

export interface ExactlyOnceConsumerOptions<T> {
  topic: string;
  groupId: string;
  /** The last offset applied to the state for a partition, or null when none was. */
  storedOffset(topic: string, partition: number): Promise<number | null>;
  /** Where a partition never applied starts: the oldest record the topic still has, or its end. */
  startAt: 'earliest' | 'latest';
  /** The CPU part of a batch (parsing), called as soon as it is fetched. */
  prepare(batch: ConsumedBatch): T;
  /**
   * Writes prepared batches to the state — of one or several partitions, each partition's in offset
   * order — and resolves once they (or earlier deliveries of them) are there. One call at a time. A
   * rejection stops the consumer: runExactlyOnceConsumer rejects with it.
   */
  write(prepared: T[]): Promise<void>;
  /** Aborting stops fetching, writes what was fetched, commits and leaves the group. */
  signal: AbortSignal;
  onEvent?(event: ConsumerEvent): void;
  /**
   * How long the group waits for a silent member before handing its partitions to others (default
   * 10 s; Kafka's minimum is 6 s): the time a crashed process holds its partitions.
   */
  sessionTimeoutMs?: number;
  /** kafkajs fetch size per partition (default 512 KiB; with maxQueuedRecords, what bounds memory). */
  maxBytesPerPartition?: number;
  /** Partitions kafkajs hands to eachBatch at once (default 4). */
  concurrency?: number;
  /** Records fetched and not yet written before eachBatch waits (default 20,000). */
  maxQueuedRecords?: number;
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

interface Queued<T> {
  partition: number;
  lastOffset: number;
  records: number;
  item: T;
}

/**
 * Joins the group and writes batches until `signal` aborts (resolves) or something fatal happens
 * (rejects: unreachable broker at start → exit 69, or the write callback's error).
 */
export async function runExactlyOnceConsumer<T>(kafka: Kafka, settings: KafkaSettings, options: ExactlyOnceConsumerOptions<T>): Promise<void> {
  const { topic } = options;
  const emit = options.onEvent ?? (() => undefined);
  const maxBytesPerPartition = options.maxBytesPerPartition ?? 512 * 1024;
  const concurrency = options.concurrency ?? 4;
  const maxQueued = options.maxQueuedRecords ?? 20_000;
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;

  const admin = kafka.admin();
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout,
    rebalanceTimeout: 60_000,
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
    maxBytesPerPartition,
    maxBytes: maxBytesPerPartition * concurrency,
    // A fetch returns as soon as one record is there; when none is, it waits this long, and so does a
    // graceful stop — keep it short.
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
  });

  let epoch = 0;
  const partitions = new Map<number, PartitionState>();
  /** Next offset to commit to Kafka per partition (informational). */
  const toCommit = new Map<number, number>();
  const queue: Queued<T>[] = [];
  /** Records queued or being written. */
  let pending = 0;
  let writer: Promise<void> | null = null;
  /** Resolved whenever the writer makes room or finishes. */
  let progressed: () => void = () => undefined;
  let progress = new Promise<void>((resolve) => (progressed = resolve));
  const signalProgress = () => {
    progressed();
    progress = new Promise<void>((resolve) => (progressed = resolve));
  };

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

  const writeLoop = async () => {
    while (queue.length > 0 && !fatal) {
      const group = queue.splice(0, queue.length);
      try {
        await options.write(group.map((q) => q.item));
      } catch (e) {
        fail(e);
        return;
      }
      for (const q of group) {
        toCommit.set(q.partition, q.lastOffset + 1);
        pending -= q.records;
      }
      signalProgress();
    }
  };
  const kick = () => {
    writer ??= writeLoop().finally(() => {
      writer = null;
      signalProgress();
    });
  };
  /** Waits until everything queued is written (or the writer failed). */
  const drained = async () => {
    while (writer) await writer;
  };

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    epoch++;
    emit({ type: 'assigned', partitions: [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b) });
  });
  consumer.on(consumer.events.CRASH, (e) => {
    const error = e.payload.error;
    if (e.payload.restart) emit({ type: 'restart', error: error?.message ?? String(error) });
    else fail(isConnectionError(error) ? kafkaUnavailable(settings, error) : error);
  });

  /** Where the state says the partition continues. */
  const startOf = async (partition: number): Promise<number> => {
    const stored = await options.storedOffset(topic, partition);
    if (stored !== null) return stored + 1;
    const p = (await admin.fetchTopicOffsets(topic)).find((x) => x.partition === partition);
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
        // The stored offset must include this process's own writes still queued.
        await drained();
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
      const item = options.prepare({ topic, partition, records: batch.messages, lastOffset, highWatermark: Number(batch.highWatermark) });
      queue.push({ partition, lastOffset, records: batch.messages.length, item });
      pending += batch.messages.length;
      kick();
      // kafkajs' own position moves on now; the state's moves when the writer has written it.
      resolveOffset(batch.lastOffset());
      while (pending > maxQueued && !stopping) await progress;
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
      await admin.connect();
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
      // Graceful: no new batch is queued (eachBatch returns at once); what was fetched is written, then committed.
      await drained();
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
