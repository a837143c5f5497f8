/**
 * The consuming side of Kafka for `findoc stream`: one member of a consumer group whose positions come from
 * the stream's own state (Redis), never from Kafka's committed offsets.
 *
 * Why: the exactly-once effect (DESIGN §3.3) needs the position and the counts to change together, and
 * only Redis can hold both atomically (../stream-state-apply.lua). So this consumer fetches each partition
 * from a position it keeps itself:
 *
 *   - after every group join (the first one and every rebalance, including one that hands back the same
 *     partitions), once this process's own fetched batches are written, each assigned partition starts at
 *     the state's last applied offset + 1 (or the topic's earliest/latest offset for a partition the state
 *     never saw);
 *   - from there it fetches contiguously, and each batch names the offset it follows (the stored one it
 *     started from, then the previous batch's last). The apply script applies a write only where the
 *     state holds exactly that offset, so batches that another member (or an earlier life of this
 *     process) already applied, in whole or in part, are trimmed to what follows and count once, whatever
 *     the timing of rebalances and crashes.
 * Kafka's committed offsets are still committed (every few seconds and on shutdown) so that the usual lag
 * tools show something sensible; nothing here reads them.
 *
 * What does what: @platformatic/kafka (1.22: the last 1.x whose dependencies support Node 20) for group
 * membership (join, sync, heartbeats, rejoin on rebalance, leave), connections with TLS/SASL, metadata,
 * ListOffsets and OffsetCommit; fetch.ts and record-batch.ts for Fetch and record decoding (why: see
 * there); connection.ts checks each broker's versions once (ApiVersions).
 *
 * Flow: the fetch loop asks each leader for its partitions, decodes each partition's batch and adds it to
 * the open write group (CPU: parsing, merging with the other partitions' counts). The open group is sent
 * in one go — batches of several partitions, each partition's in offset order — as soon as fewer than two
 * groups are unsettled, so Redis applies one while this process merges and encodes the next. Groups are
 * settled in the order they were sent (a refused one is re-applied before the next is looked at). What is
 * fetched and not settled is bounded (maxQueuedRecords): the fetch loop waits while it is over.
 */
import { Consumer, type Broker, type ClusterMetadata } from '@platformatic/kafka';
import type { KafkaSettings } from '../../core/config.js';
import { FindocError } from '../../core/errors.js';
import { backoffMs, type RetryPolicy } from '../../core/retry.js';
import type { RecordSet } from '../../core/stream-delta.js';
import { kafkaUnavailable } from './admin.js';
import { CheckedPool, kafkaConnectionOptions, sleep, withTimeout } from './connection.js';
import { OFFSET_OUT_OF_RANGE, errorName, retriableCode } from './errors.js';
import { FETCH_API_KEY, FETCH_VERSION, encodeFetchRequest, fetchApi, type FetchPosition } from './fetch.js';
import { decodeRecordBatches } from './record-batch.js';

export interface ConsumedBatch {
  topic: string;
  partition: number;
  /**
   * The offset whose record precedes this batch in this process's reading: the stored offset the
   * partition started from, or the previous batch's lastOffset — null when the partition started from
   * the topic with nothing stored. The state applies the batch only if it holds exactly this offset.
   */
  follows: number | null;
  /** The records, in offset order; never empty. */
  records: RecordSet;
  /** The offset the batch ends at: its last record's, or that of control records after it. */
  lastOffset: number;
}

export type ConsumerEvent =
  | { type: 'assigned'; partitions: number[] }
  | { type: 'skipped'; partition: number; from: number; to: number }
  | { type: 'retry'; error: string };

export interface ExactlyOnceConsumerOptions<G, S> {
  topic: string;
  groupId: string;
  /** The last offset applied to the state for a partition, or null when none was. */
  storedOffset(topic: string, partition: number): Promise<number | null>;
  /** Where a partition never applied starts: the oldest record the topic still has, or its end. */
  startAt: 'earliest' | 'latest';
  /** A new, empty write group. */
  newGroup(): G;
  /**
   * Adds a fetched batch to the open group (the CPU part: parsing, merging), as soon as it is fetched —
   * while the previous group is being written.
   */
  add(group: G, batch: ConsumedBatch): void;
  /**
   * Sends a group to the state in one go — batches of one or several partitions, each partition's in
   * offset order — and returns a handle for settle(). Groups are sent in order, up to two at a time.
   */
  send(group: G): S;
  /**
   * Waits for a sent group and applies what the state refused of it (batches it did not follow), until
   * the group's records are there once. Called in the order of send(), one at a time: a group is settled
   * only after the previous one is. A rejection stops the consumer: runExactlyOnceConsumer rejects with it.
   */
  settle(sent: S): Promise<void>;
  /** Aborting stops fetching, writes what was fetched, commits and leaves the group. */
  signal: AbortSignal;
  onEvent?(event: ConsumerEvent): void;
  /**
   * Is this settle() failure a sign that the state lost applied writes (it holds older offsets than this
   * process read past)? Then nothing fetched and not settled is written; every partition is read again
   * from the state's offsets (rewindStartAt where it holds none), as after a group join.
   */
  isRewind?(error: unknown): boolean;
  /** Where partitions the state holds nothing of start after a rewind (default: startAt). */
  rewindStartAt?: () => 'earliest' | 'latest';
  /**
   * How long the group waits for a silent member before handing its partitions to others (default
   * 10 s; Kafka's minimum is 6 s): the time a crashed process holds its partitions.
   */
  sessionTimeoutMs?: number;
  /** Bytes fetched per partition per request (default 512 KiB). */
  maxBytesPerPartition?: number;
  /** Records fetched and not yet written before fetching waits (default 20,000): with the above, bounds memory. */
  maxQueuedRecords?: number;
}

const COMMIT_INTERVAL_MS = 5000;
/**
 * Groups sent and not settled yet. Two keep Redis busy while this process encodes the next group; more
 * would only queue in Redis. Safe because a write applies only where the state holds exactly the offset
 * it follows: a group sent behind one that gets refused is refused too, and settled after it.
 */
const WRITES_IN_FLIGHT = 2;
/** Waits between failed fetch rounds: full jitter, up to 100 ms, 200 ms, … 5 s (attempts: never given up). */
const FETCH_RETRY: RetryPolicy = { attempts: Infinity, baseMs: 100, capMs: 5000, retryAfterCapMs: 0 };
/** A fetch returns as soon as a record is there; with none, after this long (also the longest a stop waits for it). */
const MAX_WAIT_MS = 500;
const REQUEST_TIMEOUT_MS = MAX_WAIT_MS + 30_000;

/** The group being filled while the previous one is written. */
interface OpenGroup<G> {
  group: G;
  records: number;
  /** Last offset per partition, for the (informational) Kafka commit once written. */
  lastOffsets: Map<number, number>;
}

/**
 * Joins the group and writes batches until `signal` aborts (resolves) or something fatal happens
 * (rejects: the group cannot be joined → exit 69, or the write callback's error).
 */
export async function runExactlyOnceConsumer<G, S>(settings: KafkaSettings, options: ExactlyOnceConsumerOptions<G, S>): Promise<void> {
  const { topic } = options;
  const emit = options.onEvent ?? (() => undefined);
  const maxBytesPerPartition = options.maxBytesPerPartition ?? 512 * 1024;
  const maxQueued = options.maxQueuedRecords ?? 20_000;
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const connection = kafkaConnectionOptions(settings);
  const consumer = new Consumer({
    groupId: options.groupId,
    clientId: settings.clientId,
    bootstrapBrokers: settings.brokers,
    sessionTimeout,
    rebalanceTimeout: Math.max(sessionTimeout, 30_000),
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
    autocommit: false,
    retries: 5,
    retryDelay: 500,
    ...connection,
  });
  // Every broker fetched from is asked its versions once (ApiVersions): Fetch v12 or exit 69.
  const pool = new CheckedPool(settings, connection, [{ apiKey: FETCH_API_KEY, name: 'Fetch', version: FETCH_VERSION }]);

  // ── state ──
  /** Bumped by every group join; the fetch loop re-reads positions when it changed. */
  let generation = 0;
  let assignment: number[] = [];
  let positionsOf = -1;
  /** Per assigned partition: the next offset to fetch, and the offset the next batch follows. */
  const positions = new Map<number, { offset: number; follows: number | null }>();
  const toCommit = new Map<number, number>();
  let open: OpenGroup<G> | null = null;
  /** Records fetched and not settled yet (the open group and those sent). */
  let pending = 0;
  let inFlight = 0;
  /** The settling of the groups sent, in order. */
  let settled: Promise<void> = Promise.resolve();
  let progressed: () => void = () => undefined;
  let progress = new Promise<void>((resolve) => (progressed = resolve));
  const signalProgress = () => {
    progressed();
    progress = new Promise<void>((resolve) => (progressed = resolve));
  };
  let stopping = false;
  /** A settle showed the state behind: drop what is fetched and not written, then re-read positions. */
  let rewinding = false;
  let rewound = false;
  let fatal: { error: unknown } | null = null;
  const stop = () => {
    stopping = true;
    signalProgress();
  };
  const fail = (error: unknown) => {
    if (!fatal) fatal = { error };
    stop();
  };
  if (options.signal.aborted) stop();
  options.signal.addEventListener('abort', stop, { once: true });

  // ── the writer: send the open group as soon as fewer than WRITES_IN_FLIGHT are unsettled ──
  const pump = () => {
    while (open && inFlight < WRITES_IN_FLIGHT && !fatal && !rewinding) {
      const g: OpenGroup<G> = open;
      open = null;
      let sent: S;
      try {
        sent = options.send(g.group);
      } catch (e) {
        fail(e);
        return;
      }
      inFlight++;
      settled = settled.then(async () => {
        try {
          if (!fatal && !rewinding) {
            await options.settle(sent);
            for (const [partition, last] of g.lastOffsets) toCommit.set(partition, last + 1);
          }
        } catch (e) {
          if (options.isRewind?.(e)) rewinding = true;
          else fail(e);
        } finally {
          inFlight--;
          pending -= g.records;
          signalProgress();
          pump();
        }
      });
    }
  };
  /** Waits until everything fetched is written (or writing failed). */
  const drained = async () => {
    while ((open && !fatal && !rewinding) || inFlight > 0) {
      pump();
      await progress;
    }
  };

  consumer.on('consumer:group:join', (e: { assignments?: { topic: string; partitions: number[] }[] }) => {
    generation++;
    assignment = (e.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
    emit({ type: 'assigned', partitions: assignment });
    signalProgress();
  });
  consumer.on('consumer:heartbeat:error', (e: { error?: Error }) => emit({ type: 'retry', error: `heartbeat: ${e.error?.message ?? 'failed'}` }));
  // The client rejoins by itself after a rebalance; when that fails too (a broker down longer than its
  // retries), it says so here and stops heartbeating: the fetch loop joins again (needsJoin).
  let needsJoin = false;
  consumer.on('error', (e: Error) => {
    needsJoin = true;
    emit({ type: 'retry', error: e.message });
  });

  /** Where the state says each assigned partition continues. */
  const resetPositions = async (): Promise<void> => {
    const gen = generation;
    await drained(); // the state must include this process's own queued writes
    const starts = new Map<number, { offset: number; follows: number | null }>();
    let ends: bigint[] | undefined;
    const startAt = rewound && options.rewindStartAt ? options.rewindStartAt() : options.startAt;
    for (const p of assignment) {
      const stored = await options.storedOffset(topic, p);
      if (stored !== null) starts.set(p, { offset: stored + 1, follows: stored });
      else {
        ends ??= (await consumer.listOffsets({ topics: [topic], timestamp: startAt === 'earliest' ? -2n : -1n })).get(topic);
        const offset = Number(ends?.[p] ?? 0);
        // -1: a broker just restarted, not ready to say (a plain error: the loop retries with backoff).
        if (offset < 0) throw new Error(`${topic} partition ${p}: the broker does not know its ${startAt} offset yet`);
        starts.set(p, { offset, follows: null });
      }
    }
    if (gen !== generation) return; // another join meanwhile: do it again
    positions.clear();
    for (const [p, position] of starts) positions.set(p, position);
    positionsOf = gen;
  };

  let metadata: ClusterMetadata | null = null;
  const refreshMetadata = async () => {
    metadata = await consumer.metadata({ topics: [topic], forceUpdate: true });
  };

  /** One fetch round: every assigned partition from its leader; the batches go to the open group. */
  const fetchRound = async (): Promise<boolean> => {
    if (!metadata) await refreshMetadata();
    const md = metadata!;
    const leaders = md.topics.get(topic)?.partitions;
    if (!leaders) throw new Error(`topic ${topic} not in metadata`);
    const byLeader = new Map<number, FetchPosition[]>();
    for (const [partition, { offset }] of positions) {
      const leader = leaders[partition]?.leader ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), { partition, offset, maxBytes: maxBytesPerPartition }]);
    }
    const gen = generation;
    const responses = await Promise.all(
      [...byLeader].map(async ([leader, parts]) => {
        const broker: Broker | undefined = md.brokers.get(leader);
        if (!broker) throw new Error(`no leader known for partitions ${parts.map((p) => p.partition).join(',')}`);
        const conn = await pool.get(broker);
        const request = encodeFetchRequest(topic, parts, { maxWaitMs: MAX_WAIT_MS, minBytes: 1, maxBytes: maxBytesPerPartition * parts.length });
        return withTimeout(fetchApi.async(conn, request), REQUEST_TIMEOUT_MS, 'no answer from Kafka');
      }),
    );
    if (gen !== generation || stopping) return true; // a rebalance meanwhile: positions are re-read first
    let retry = false;
    for (const response of responses) {
      for (const part of response.partitions) {
        const position = positions.get(part.partition);
        if (position === undefined) continue;
        if (part.errorCode === OFFSET_OUT_OF_RANGE) {
          if (!outOfRange(part.partition, position.offset, part.logStartOffset, part.highWatermark)) retry = true;
          continue;
        }
        if (part.errorCode !== 0) {
          if (!retriableCode(part.errorCode)) {
            throw new FindocError('FINDOC_TEMPORARY', `Kafka refused to read ${topic} partition ${part.partition} (${errorName(part.errorCode)}, code ${part.errorCode})`, {
              service: 'Kafka',
              hint: 'see https://kafka.apache.org/protocol#protocol_error_codes',
            });
          }
          retry = true;
          continue;
        }
        if (!part.records) continue;
        const decoded = decodeRecordBatches(part.records, position.offset, part.abortedTransactions);
        const lastOffset = decoded.next - 1;
        // Nothing to write (only transaction markers or aborted records): the next batch still follows
        // the last offset handed over, which is what the state will hold.
        if (decoded.offsets.length === 0) {
          position.offset = decoded.next;
          continue;
        }
        open ??= { group: options.newGroup(), records: 0, lastOffsets: new Map() };
        options.add(open.group, { topic, partition: part.partition, follows: position.follows, records: decoded, lastOffset });
        open.records += decoded.offsets.length;
        open.lastOffsets.set(part.partition, lastOffset);
        pending += decoded.offsets.length;
        position.offset = decoded.next;
        position.follows = lastOffset;
      }
    }
    pump();
    return !retry;
  };

  /**
   * The position is not in the log: records deleted by the topic's retention (skip them), or a topic
   * recreated (stop). Returns false when the broker does not know the log's bounds yet (-1, as a broker
   * just restarted answers while it loads its logs): the round is retried with the fetch backoff.
   */
  const outOfRange = (partition: number, position: number, logStart: number, high: number): boolean => {
    if (logStart < 0 || high < 0) {
      emit({ type: 'retry', error: `${topic} partition ${partition}: the broker does not know its offsets yet (log start ${logStart}, end ${high})` });
      return false;
    }
    if (position < logStart) {
      emit({ type: 'skipped', partition, from: position, to: logStart - 1 });
      // The next batch still follows what the state holds: the skipped records are gone from Kafka.
      positions.get(partition)!.offset = logStart;
      return true;
    }
    throw new FindocError(
      'FINDOC_CONFIG',
      `${topic} partition ${partition} ends at offset ${high}, but this Redis namespace applied it up to ${position - 1}: was the topic deleted and created again?`,
      { service: 'Kafka', hint: 'start the namespace over with findoc stream --reset (or use another --redis-prefix)' },
    );
  };

  const commit = async () => {
    if (toCommit.size === 0) return;
    const offsets = [...toCommit].map(([partition, offset]) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 }));
    toCommit.clear();
    // Informational only (see above): a commit refused during a rebalance is not retried.
    await consumer.commit({ offsets }).catch(() => undefined);
  };

  const timer = setInterval(() => void commit(), COMMIT_INTERVAL_MS);
  try {
    try {
      consumer.topics.track(topic);
      await consumer.joinGroup({});
    } catch (e) {
      throw kafkaUnavailable(settings, e);
    }
    let failures = 0;
    while (!stopping) {
      try {
        if (needsJoin && !consumer.isActive()) {
          await consumer.joinGroup({});
          needsJoin = false;
        }
        if (rewinding) {
          // Wait for the writes in flight (skipped or refused), drop the open group, read positions again.
          while (inFlight > 0) await progress;
          if (open) pending -= (open as OpenGroup<G>).records;
          open = null;
          rewinding = false;
          rewound = true;
          generation++;
          continue;
        }
        if (positionsOf !== generation) {
          await resetPositions();
          continue;
        }
        if (positions.size === 0) {
          // Nothing assigned (more members than partitions): wait for the next join.
          await Promise.race([progress, sleep(1000)]);
          continue;
        }
        const ok = await fetchRound();
        failures = ok ? 0 : failures + 1;
        if (!ok) {
          await sleep(backoffMs(failures, FETCH_RETRY));
          await refreshMetadata();
        }
        while (pending > maxQueued && !stopping && !rewinding) await progress;
      } catch (e) {
        if (e instanceof FindocError) throw e;
        // Connections, leaders, timeouts: the broker may be restarting. Keep trying, saying so.
        failures++;
        emit({ type: 'retry', error: (e as Error)?.message ?? String(e) });
        await sleep(backoffMs(failures, FETCH_RETRY));
        await refreshMetadata().catch(() => undefined);
      }
    }
    // Graceful: nothing more is fetched; what was fetched is written, then committed.
    await drained();
    await commit();
  } catch (e) {
    fail(e);
    await drained().catch(() => undefined);
  } finally {
    clearInterval(timer);
    options.signal.removeEventListener('abort', stop);
    try {
      await consumer.leaveGroup(true);
    } catch {
      // Leaving is a courtesy (the session would expire anyway).
    }
    await Promise.allSettled([consumer.close(true), pool.close()]);
  }
  if (fatal) throw (fatal as { error: unknown }).error;
}
