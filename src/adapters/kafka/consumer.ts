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
 * Flow: the stream loops over the consumer (`for await (const round of consumer.batches(writes))`): each
 * round is the batches of one fetch — every assigned partition asked of its leader, each partition's
 * batch decoded. The stream parses them and hands them to its writes (WriteProgress, below), which send a
 * write group as soon as fewer than two are unsettled, so Redis applies one while the stream parses and
 * merges the next. The consumer asks the writes how far they are: what is handed over and not settled is
 * bounded (maxQueuedRecords: the next fetch waits while it is over), everything handed over is written
 * before positions are read again (a group join), and a write that found the state behind makes every
 * partition start again from the state.
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

/**
 * How far the writes of the batches handed over are (the stream's writes implement it). The consumer only
 * reads it: it never writes.
 */
export interface WriteProgress {
  /** Records handed over and not settled yet. */
  readonly pending: number;
  /** A write failed for good: the consumer stops, and batches() rejects with it. */
  readonly failure: { error: unknown } | null;
  /** A write found the state behind what this process read past (Redis lost writes). */
  readonly behind: boolean;
  /** Resolves at the next change (a write settled or failed). */
  changed(): Promise<void>;
  /** Resolves once everything handed over is written (or writing failed). */
  drained(): Promise<void>;
  /**
   * After `behind`: waits for the writes in flight, drops what is handed over and not sent, and returns
   * true (then every partition is read again from the state's offsets); false when not behind.
   */
  rewind(): Promise<boolean>;
  /** Per partition, the next offset after what was written since the last call (for the Kafka commit). */
  takeWritten(): Map<number, number>;
}

export interface ExactlyOnceConsumerOptions {
  topic: string;
  groupId: string;
  /** The last offset applied to the state for a partition, or null when none was. */
  storedOffset(topic: string, partition: number): Promise<number | null>;
  /** Where a partition never applied starts: the oldest record the topic still has, or its end. */
  startAt: 'earliest' | 'latest';
  /** Aborting stops fetching; what was handed over is written, committed, and the group is left. */
  signal: AbortSignal;
  onEvent?(event: ConsumerEvent): void;
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
/** Waits between failed fetch rounds: full jitter, up to 100 ms, 200 ms, … 5 s (attempts: never given up). */
const FETCH_RETRY: RetryPolicy = { attempts: Infinity, baseMs: 100, capMs: 5000, retryAfterCapMs: 0 };
/** A fetch returns as soon as a record is there; with none, after this long (also the longest a stop waits for it). */
const MAX_WAIT_MS = 500;
const REQUEST_TIMEOUT_MS = MAX_WAIT_MS + 30_000;

/** A promise that resolves at the next fire(). */
class Wake {
  private resolve: () => void = () => undefined;
  private promise = this.renew();

  private renew(): Promise<void> {
    return (this.promise = new Promise<void>((r) => (this.resolve = r)));
  }

  wait(): Promise<void> {
    return this.promise;
  }

  fire(): void {
    this.resolve();
    this.renew();
  }
}

/**
 * One member of a consumer group, read with `for await (const round of consumer.batches(writes))`: the
 * batches of each fetch round, until the signal aborts (the loop ends) or something fatal happens (it
 * rejects: the group cannot be joined → exit 69, a final Kafka answer, or the writes' failure).
 */
export class ExactlyOnceConsumer {
  private readonly consumer: Consumer;
  private readonly pool: CheckedPool;
  private readonly emit: (event: ConsumerEvent) => void;
  private readonly wake = new Wake();
  /** Bumped by every group join (and a rewind); the fetch loop re-reads positions when it changed. */
  private generation = 0;
  private assignment: number[] = [];
  private positionsOf = -1;
  /** Per assigned partition: the next offset to fetch, and the offset the next batch follows. */
  private readonly positions = new Map<number, { offset: number; follows: number | null }>();
  private metadata: ClusterMetadata | null = null;
  private stopping = false;
  private rewound = false;
  /** The client gave up rejoining by itself (a broker down longer than its retries): join again. */
  private needsJoin = false;

  constructor(
    private readonly settings: KafkaSettings,
    private readonly options: ExactlyOnceConsumerOptions,
  ) {
    this.emit = options.onEvent ?? (() => undefined);
    const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
    const connection = kafkaConnectionOptions(settings);
    this.consumer = new Consumer({
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
    this.pool = new CheckedPool(settings, connection, [{ apiKey: FETCH_API_KEY, name: 'Fetch', version: FETCH_VERSION }]);
    this.consumer.on('consumer:group:join', (e: { assignments?: { topic: string; partitions: number[] }[] }) => {
      this.generation++;
      this.assignment = (e.assignments ?? []).filter((a) => a.topic === options.topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
      this.emit({ type: 'assigned', partitions: this.assignment });
      this.wake.fire();
    });
    this.consumer.on('consumer:heartbeat:error', (e: { error?: Error }) => this.emit({ type: 'retry', error: `heartbeat: ${e.error?.message ?? 'failed'}` }));
    this.consumer.on('error', (e: Error) => {
      this.needsJoin = true;
      this.emit({ type: 'retry', error: e.message });
    });
  }

  /** The batches of each fetch round, in order per partition; see the class. */
  async *batches(writes: WriteProgress): AsyncGenerator<ConsumedBatch[], void, undefined> {
    const stop = () => {
      this.stopping = true;
      this.wake.fire();
    };
    if (this.options.signal.aborted) stop();
    this.options.signal.addEventListener('abort', stop, { once: true });
    const timer = setInterval(() => void this.commit(writes), COMMIT_INTERVAL_MS);
    let thrown: { error: unknown } | null = null;
    try {
      try {
        this.consumer.topics.track(this.options.topic);
        await this.consumer.joinGroup({});
      } catch (e) {
        throw kafkaUnavailable(this.settings, e);
      }
      let failures = 0;
      while (!this.stopping && !writes.failure) {
        try {
          const round = await this.step(writes);
          if (round === null) continue;
          if (round.batches.length > 0) yield round.batches;
          failures = round.ok ? 0 : failures + 1;
          if (!round.ok) {
            await sleep(backoffMs(failures, FETCH_RETRY));
            await this.refreshMetadata();
          }
          const maxQueued = this.options.maxQueuedRecords ?? 20_000;
          while (writes.pending > maxQueued && !this.stopping && !writes.behind && !writes.failure) await Promise.race([writes.changed(), this.wake.wait()]);
        } catch (e) {
          if (e instanceof FindocError) throw e;
          // Connections, leaders, timeouts: the broker may be restarting. Keep trying, saying so.
          failures++;
          this.emit({ type: 'retry', error: (e as Error)?.message ?? String(e) });
          await sleep(backoffMs(failures, FETCH_RETRY));
          await this.refreshMetadata().catch(() => undefined);
        }
      }
      // Graceful: nothing more is fetched; what was handed over is written, then committed.
      await writes.drained();
      await this.commit(writes);
    } catch (e) {
      thrown = { error: e };
      this.stopping = true;
      await writes.drained().catch(() => undefined);
    } finally {
      clearInterval(timer);
      this.options.signal.removeEventListener('abort', stop);
      try {
        await this.consumer.leaveGroup(true);
      } catch {
        // Leaving is a courtesy (the session would expire anyway).
      }
      await Promise.allSettled([this.consumer.close(true), this.pool.close()]);
    }
    const failure = writes.failure ?? thrown;
    if (failure) throw failure.error;
  }

  /**
   * One turn of the loop: a rejoin, a rewind or new positions (null: loop again), a wait while nothing is
   * assigned (null), or a fetch round (its batches, and whether every partition answered).
   */
  private async step(writes: WriteProgress): Promise<{ ok: boolean; batches: ConsumedBatch[] } | null> {
    if (this.needsJoin && !this.consumer.isActive()) {
      await this.consumer.joinGroup({});
      this.needsJoin = false;
    }
    if (await writes.rewind()) {
      // The writes in flight are done (skipped or refused) and the rest dropped: read positions again.
      this.rewound = true;
      this.generation++;
      return null;
    }
    if (this.positionsOf !== this.generation) {
      await this.resetPositions(writes);
      return null;
    }
    if (this.positions.size === 0) {
      // Nothing assigned (more members than partitions): wait for the next join.
      await Promise.race([this.wake.wait(), sleep(1000)]);
      return null;
    }
    return this.fetchRound();
  }

  /** Where the state says each assigned partition continues. */
  private async resetPositions(writes: WriteProgress): Promise<void> {
    const { topic } = this.options;
    const gen = this.generation;
    await writes.drained(); // the state must include this process's own queued writes
    const starts = new Map<number, { offset: number; follows: number | null }>();
    let ends: bigint[] | undefined;
    const startAt = this.rewound && this.options.rewindStartAt ? this.options.rewindStartAt() : this.options.startAt;
    for (const p of this.assignment) {
      const stored = await this.options.storedOffset(topic, p);
      if (stored !== null) starts.set(p, { offset: stored + 1, follows: stored });
      else {
        ends ??= (await this.consumer.listOffsets({ topics: [topic], timestamp: startAt === 'earliest' ? -2n : -1n })).get(topic);
        const offset = Number(ends?.[p] ?? 0);
        // -1: a broker just restarted, not ready to say (a plain error: the loop retries with backoff).
        if (offset < 0) throw new Error(`${topic} partition ${p}: the broker does not know its ${startAt} offset yet`);
        starts.set(p, { offset, follows: null });
      }
    }
    if (gen !== this.generation) return; // another join meanwhile: do it again
    this.positions.clear();
    for (const [p, position] of starts) this.positions.set(p, position);
    this.positionsOf = gen;
  }

  private async refreshMetadata(): Promise<void> {
    this.metadata = await this.consumer.metadata({ topics: [this.options.topic], forceUpdate: true });
  }

  /** One fetch round: every assigned partition from its leader, each partition's records decoded. */
  private async fetchRound(): Promise<{ ok: boolean; batches: ConsumedBatch[] }> {
    const { topic } = this.options;
    const maxBytesPerPartition = this.options.maxBytesPerPartition ?? 512 * 1024;
    if (!this.metadata) await this.refreshMetadata();
    const md = this.metadata!;
    const leaders = md.topics.get(topic)?.partitions;
    if (!leaders) throw new Error(`topic ${topic} not in metadata`);
    const byLeader = new Map<number, FetchPosition[]>();
    for (const [partition, { offset }] of this.positions) {
      const leader = leaders[partition]?.leader ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), { partition, offset, maxBytes: maxBytesPerPartition }]);
    }
    const gen = this.generation;
    const responses = await Promise.all(
      [...byLeader].map(async ([leader, parts]) => {
        const broker: Broker | undefined = md.brokers.get(leader);
        if (!broker) throw new Error(`no leader known for partitions ${parts.map((p) => p.partition).join(',')}`);
        const conn = await this.pool.get(broker);
        const request = encodeFetchRequest(topic, parts, { maxWaitMs: MAX_WAIT_MS, minBytes: 1, maxBytes: maxBytesPerPartition * parts.length });
        return withTimeout(fetchApi.async(conn, request), REQUEST_TIMEOUT_MS, 'no answer from Kafka');
      }),
    );
    // A rebalance meanwhile: positions are re-read first.
    if (gen !== this.generation || this.stopping) return { ok: true, batches: [] };
    let ok = true;
    const batches: ConsumedBatch[] = [];
    for (const response of responses) {
      for (const part of response.partitions) {
        const position = this.positions.get(part.partition);
        if (position === undefined) continue;
        if (part.errorCode === OFFSET_OUT_OF_RANGE) {
          if (!this.outOfRange(part.partition, position.offset, part.logStartOffset, part.highWatermark)) ok = false;
          continue;
        }
        if (part.errorCode !== 0) {
          if (!retriableCode(part.errorCode)) {
            throw new FindocError('FINDOC_TEMPORARY', `Kafka refused to read ${topic} partition ${part.partition} (${errorName(part.errorCode)}, code ${part.errorCode})`, {
              service: 'Kafka',
              hint: 'see https://kafka.apache.org/protocol#protocol_error_codes',
            });
          }
          ok = false;
          continue;
        }
        if (!part.records) continue;
        const decoded = decodeRecordBatches(part.records, position.offset, part.abortedTransactions);
        const lastOffset = decoded.next - 1;
        // Nothing to write (only transaction markers or aborted records): the next batch still follows
        // the last offset handed over, which is what the state will hold.
        if (decoded.offsets.length > 0) {
          batches.push({ topic, partition: part.partition, follows: position.follows, records: decoded, lastOffset });
          position.follows = lastOffset;
        }
        position.offset = decoded.next;
      }
    }
    return { ok, batches };
  }

  /**
   * The position is not in the log: records deleted by the topic's retention (skip them), or a topic
   * recreated (stop). Returns false when the broker does not know the log's bounds yet (-1, as a broker
   * just restarted answers while it loads its logs): the round is retried with the fetch backoff.
   */
  private outOfRange(partition: number, position: number, logStart: number, high: number): boolean {
    const { topic } = this.options;
    if (logStart < 0 || high < 0) {
      this.emit({ type: 'retry', error: `${topic} partition ${partition}: the broker does not know its offsets yet (log start ${logStart}, end ${high})` });
      return false;
    }
    if (position < logStart) {
      this.emit({ type: 'skipped', partition, from: position, to: logStart - 1 });
      // The next batch still follows what the state holds: the skipped records are gone from Kafka.
      this.positions.get(partition)!.offset = logStart;
      return true;
    }
    throw new FindocError(
      'FINDOC_CONFIG',
      `${topic} partition ${partition} ends at offset ${high}, but this Redis namespace applied it up to ${position - 1}: was the topic deleted and created again?`,
      { service: 'Kafka', hint: 'start the namespace over with findoc stream --reset (or use another --redis-prefix)' },
    );
  }

  private async commit(writes: WriteProgress): Promise<void> {
    const written = writes.takeWritten();
    if (written.size === 0) return;
    const offsets = [...written].map(([partition, offset]) => ({ topic: this.options.topic, partition, offset: BigInt(offset), leaderEpoch: -1 }));
    // Informational only (see above): a commit refused during a rebalance is not retried.
    await this.consumer.commit({ offsets }).catch(() => undefined);
  }
}
