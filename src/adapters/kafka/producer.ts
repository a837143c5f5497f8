/**
 * The producing side of Kafka for replay: an idempotent producer that takes records as byte ranges,
 * batches them per partition, keeps one request in flight while the next one fills, and reports how many
 * records the broker acknowledged. Connection failures become exit 69 (kafkaUnavailable).
 *
 * Why not kafkajs (the design card's client), and why not @platformatic/kafka's Producer.send
 * ------------------------------------------------------------------------------------------
 * Measured on this machine (2 shared vCPU, Kafka 4.4 on loopback, 4-partition topic, ~125-byte EDGAR rows,
 * idempotent, acks=all, no compression; bench/replay.ts runs all of them through the same replay loop):
 *
 *   bench/replay.ts, one run (kcat -P, idempotent, acks=all, same rows: 620 k visits/s)
 *   client, through the same replay loop             visits/s    vs kcat
 *   kafkajs 2.2.4, 10,000 messages per send           46 k        0.07
 *   @platformatic/kafka 1.22 Producer.send, 10,000    116 k       0.19
 *   this module (findoc replay --max, 2.02 M visits)  419 k       0.67
 *   Another run (kcat 1,013 k): this module 669 k (0.66), Producer.send 86 k (0.09), kafkajs 45 k (0.05).
 *   Earlier probes without the replay loop: kafkajs 37–40 k/s with 10–20 k messages per send; this
 *   encoder alone on pre-split rows, ≈ 1.0 M records/s.
 *
 * Both clients spend their time building an object, a BigInt and several small buffers per record (a
 * quarter of the profile is garbage collection); the broker is far from its limit. Concurrent sends do
 * not help: kafkajs serializes idempotent sends per broker, and @platformatic/kafka (seen with 1.35.0)
 * advances its sequence numbers only when a response arrives, so two sends in flight get
 * OUT_OF_ORDER_SEQUENCE_NUMBER.
 * So this module writes the v2 record batches itself (record-batch.ts, sent by produce.ts: a copy of each key and value
 * straight from the input bytes, CRC-32C once per batch) and uses @platformatic/kafka (1.22.0: the last
 * 1.x whose whole dependency tree supports Node 20) for what a client is good at: connections with TLS and
 * SASL, metadata (partition leaders) and InitProducerId.
 *
 * Idempotence and order (the exactly-once-per-record contract stream relies on)
 * ----------------------------------------------------------------------------
 * - InitProducerId gives a producer id and epoch; each partition's batches carry consecutive sequence
 *   numbers (wrapping at 2^31 as the Java client does). The broker writes a (producer, partition, sequence)
 *   once: a retried request whose first attempt was written is answered DUPLICATE_SEQUENCE_NUMBER, which
 *   counts as success.
 * - At most one request is in flight (per broker: one request carries every partition it leads), so
 *   batches of a partition reach the log in the order they were built, and a retry resends the very same
 *   bytes. Retriable failures (leader moved, timeouts, broken connection, a broker killed and restarted)
 *   are retried with capped exponential backoff and jitter after refreshing the leaders, for up to
 *   retryForMs (replay --retry-for; then exit 75 with the acknowledged count); anything else stops replay.
 * - Key = ip, partition = Java's default partitioner (murmur2), so one ip's visits stay in order on one
 *   partition, as any other Kafka client would place them.
 *
 * Memory: one open batch per partition (≤ maxBatchBytes each) plus the request in flight: a few MB.
 */
import { Producer, type Broker, type ClusterMetadata } from '@platformatic/kafka';
import type { KafkaSettings } from '../../core/config.js';
import { FindocError } from '../../core/errors.js';
import { SETTING_NAMES } from '../../core/config.js';
import { durationWords } from '../../core/durations.js';
import { brokerAddress, kafkaUnavailable } from './admin.js';
import { CheckedPool, kafkaConnectionOptions, sleep } from './connection.js';
import { DUPLICATE_SEQUENCE_NUMBER, TOPIC_AUTHORIZATION_FAILED, errorName, retriableCode } from './errors.js';
import { PRODUCE_API_KEY, PRODUCE_VERSION, producePartitions, type PartitionBatch } from './produce.js';
import { DEFAULT_MAX_BATCH_BYTES, RecordBatchBuilder, partitionOf } from './record-batch.js';

export interface VisitProducerOptions {
  /** Cap of one partition's record batch (default 1,000,000 bytes, under the broker's max.message.bytes). */
  maxBatchBytes?: number;
  /** add() reports "full" once this many bytes are buffered over all partitions (default 4 MiB). */
  maxBufferedBytes?: number;
  /** How long the broker may wait for replicas before answering (Produce timeout_ms). */
  requestTimeoutMs?: number;
  /**
   * How long a request keeps being retried while the failures are retriable (replay --retry-for, default
   * 2 minutes): a broker restarting, leaders moving, connections refused. Then the producer gives up with
   * exit 75 (FINDOC_TEMPORARY) saying how many records were acknowledged.
   */
  retryForMs?: number;
  connectTimeoutMs?: number;
}

/** replay --retry-for's default: how long a broker may be away before replay gives up (exit 75). */
export const DEFAULT_RETRY_FOR_MS = 120_000;
const SEQUENCE_WRAP = 2 ** 31;

/**
 * An idempotent producer of records given as byte ranges, to one topic. Use:
 *
 *   while (…) if (!p.add(key, ks, ke, value, vs, ve, ts)) { await p.send(); p.add(…same…) }
 *   await p.flush(); console.log(p.acked); await p.close();
 */
export class KafkaVisitProducer {
  private readonly builders: RecordBatchBuilder[];
  private readonly sequences: number[];
  private buffered = 0;
  private bufferedRecords = 0;
  private inflight: Promise<void> | null = null;
  private failure: unknown = null;
  private ackedRecords = 0;
  private metadata: ClusterMetadata;

  private constructor(
    private readonly settings: KafkaSettings,
    readonly topic: string,
    private readonly client: Producer,
    private readonly pool: CheckedPool,
    metadata: ClusterMetadata,
    private readonly producerId: bigint,
    private readonly producerEpoch: number,
    private readonly options: Required<VisitProducerOptions>,
  ) {
    this.metadata = metadata;
    const partitions = metadata.topics.get(topic)!.partitionsCount;
    this.builders = Array.from({ length: partitions }, () => new RecordBatchBuilder(options.maxBatchBytes));
    this.sequences = new Array<number>(partitions).fill(0);
  }

  /** Connects, reads the topic's partitions and leaders, and obtains a producer id. The topic must exist. */
  static async open(settings: KafkaSettings, topic: string, options: VisitProducerOptions = {}): Promise<KafkaVisitProducer> {
    const opts: Required<VisitProducerOptions> = {
      maxBatchBytes: options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES,
      maxBufferedBytes: options.maxBufferedBytes ?? 4 * 1024 * 1024,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      retryForMs: options.retryForMs ?? DEFAULT_RETRY_FOR_MS,
      connectTimeoutMs: options.connectTimeoutMs ?? 3000,
    };
    const connection = kafkaConnectionOptions(settings, opts.connectTimeoutMs);
    // idempotent stays off on this client: it is only used for metadata and InitProducerId, and with it on
    // @platformatic/kafka retries forever, which would hang on an unreachable broker instead of exit 69.
    const client = new Producer({ clientId: settings.clientId, bootstrapBrokers: settings.brokers, retries: 2, retryDelay: 250, ...connection });
    // Every broker this producer sends to is asked its versions once (ApiVersions): Produce v7 or exit 69.
    const pool = new CheckedPool(settings, connection, [{ apiKey: PRODUCE_API_KEY, name: 'Produce', version: PRODUCE_VERSION }]);
    try {
      const metadata = await client.metadata({ topics: [topic], forceUpdate: true });
      if (!metadata.topics.get(topic)) throw new FindocError('FINDOC_CONFIG', `Kafka topic ${topic} does not exist`);
      // Connect to every broker now, so one without Produce v7 is reported before anything is sent.
      for (const broker of metadata.brokers.values()) await pool.get(broker);
      const { producerId, producerEpoch } = await client.initIdempotentProducer({});
      return new KafkaVisitProducer(settings, topic, client, pool, metadata, producerId, producerEpoch, opts);
    } catch (e) {
      await Promise.allSettled([client.close(), pool.close()]);
      if (e instanceof FindocError) throw e;
      throw kafkaUnavailable(settings, e);
    }
  }

  get partitions(): number {
    return this.builders.length;
  }

  /** Records the broker has acknowledged (written once, whatever the retries). */
  get acked(): number {
    return this.ackedRecords;
  }

  /**
   * Queues one record: key = key[ks, ke) (also what picks the partition), value = value[vs, ve), both
   * copied before returning. Returns false, queuing nothing, when the buffer is full: await send(), then
   * add the record again (it then fits).
   */
  add(key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number, timestampMs: number): boolean {
    if (this.buffered >= this.options.maxBufferedBytes) return false;
    const builder = this.builders[partitionOf(key, ks, ke, this.builders.length)];
    const before = builder.bytes;
    if (!builder.add(key, ks, ke, value, vs, ve, timestampMs)) return false;
    this.buffered += builder.bytes - before;
    this.bufferedRecords++;
    return true;
  }

  /**
   * Waits until the request in flight is acknowledged, then sends what is queued (without waiting for its
   * acknowledgement). Throws the failure of an earlier request, if any.
   */
  async send(): Promise<void> {
    await this.settle();
    if (this.bufferedRecords === 0) return;
    const batches: PartitionBatch[] = [];
    for (let p = 0; p < this.builders.length; p++) {
      const b = this.builders[p];
      if (b.count === 0) continue;
      const count = b.count;
      batches.push({ partition: p, count, batch: b.seal(this.producerId, this.producerEpoch, this.sequences[p]) });
      this.sequences[p] = (this.sequences[p] + count) % SEQUENCE_WRAP;
    }
    this.buffered = 0;
    this.bufferedRecords = 0;
    this.inflight = this.deliver(batches).then(
      () => {
        for (const b of batches) this.ackedRecords += b.count;
      },
      (e: unknown) => {
        this.failure = e;
      },
    );
  }

  /** Sends what is queued and waits until every record is acknowledged. */
  async flush(): Promise<void> {
    await this.send();
    await this.settle();
  }

  /** Closes the connections. Queued records that were not flushed are dropped (and not counted). */
  async close(): Promise<void> {
    await this.inflight?.catch(() => undefined);
    await Promise.allSettled([this.pool.close(), this.client.close()]);
  }

  private async settle(): Promise<void> {
    if (this.inflight) await this.inflight;
    this.inflight = null;
    if (this.failure) throw this.failure;
  }

  /**
   * Sends the batches to their leaders until each is acknowledged, retrying what can be retried for up to
   * retryForMs from the first failure. A retry resends the very same bytes (same producer id, epoch and
   * sequence numbers) on a new connection after refreshing the leaders, so a batch the broker wrote before
   * it went away is answered DUPLICATE_SEQUENCE_NUMBER and counted once.
   */
  private async deliver(batches: PartitionBatch[]): Promise<void> {
    let pending = batches;
    let lastError: unknown = null;
    let failingSince = 0;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (failingSince === 0) failingSince = Date.now();
        const left = failingSince + this.options.retryForMs - Date.now();
        if (left <= 0) throw this.giveUp(lastError);
        await sleep(Math.min(left, backoffMs(attempt)));
        try {
          this.metadata = await this.client.metadata({ topics: [this.topic], forceUpdate: true });
        } catch (e) {
          lastError = e;
          continue;
        }
      }
      const topicMetadata = this.metadata.topics.get(this.topic);
      if (!topicMetadata) throw new FindocError('FINDOC_TEMPORARY', `Kafka topic ${this.topic} disappeared during replay`, { service: 'Kafka' });
      const byLeader = new Map<number, PartitionBatch[]>();
      const leaders = topicMetadata.partitions;
      for (const b of pending) {
        const leader = leaders[b.partition]?.leader ?? -1;
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), b]);
      }
      const failed: PartitionBatch[] = [];
      await Promise.all(
        [...byLeader].map(async ([leader, group]) => {
          const broker = this.metadata.brokers.get(leader);
          if (!broker) {
            failed.push(...group);
            lastError = new Error(`no leader known for partitions ${group.map((g) => g.partition).join(',')}`);
            return;
          }
          try {
            const codes = await this.produce(broker, group);
            for (const b of group) {
              const code = codes.get(b.partition) ?? -1;
              if (code === 0 || code === DUPLICATE_SEQUENCE_NUMBER) continue;
              if (retriableCode(code) || code === -1) {
                failed.push(b);
                lastError = new Error(`partition ${b.partition}: ${code === -1 ? 'no answer' : errorName(code)}`);
              } else {
                throw refused(this.topic, b.partition, code);
              }
            }
          } catch (e) {
            if (e instanceof FindocError) throw e;
            failed.push(...group);
            lastError = e;
          }
        }),
      );
      pending = failed;
    }
  }

  private async produce(broker: Broker, group: PartitionBatch[]): Promise<Map<number, number>> {
    return producePartitions(await this.pool.get(broker), this.topic, group, this.options.requestTimeoutMs);
  }

  /** Exit 75: the broker stayed away (or kept refusing) for retryForMs; says what reached the topic. */
  private giveUp(cause: unknown): FindocError {
    const reason = cause instanceof Error ? cause.message : cause ? String(cause) : 'no answer';
    const address = brokerAddress(this.settings);
    return new FindocError(
      'FINDOC_TEMPORARY',
      `Kafka at ${address}: gave up after ${durationWords(this.options.retryForMs, 'ms')} (--retry-for): ${this.ackedRecords.toLocaleString('en-US')} visits acknowledged (last error: ${reason})`,
      {
        service: 'Kafka',
        address,
        setting: SETTING_NAMES.kafka,
        hint: `the acknowledged visits are in ${this.topic}, each once; check the broker (or ${SETTING_NAMES.kafka}), then replay the rest (--start-at) or allow a longer --retry-for`,
      },
      { cause },
    );
  }
}

function refused(topic: string, partition: number, code: number): FindocError {
  if (code === TOPIC_AUTHORIZATION_FAILED) {
    return new FindocError('FINDOC_CONFIG', `Kafka refused writing to topic ${topic}: not authorized (error ${code})`, {
      service: 'Kafka',
      hint: 'check the SASL user and its ACLs (KAFKA_SASL_USERNAME / config file)',
    });
  }
  return new FindocError('FINDOC_TEMPORARY', `Kafka refused a batch for ${topic} partition ${partition} (Kafka error code ${code})`, {
    service: 'Kafka',
    hint: 'see https://kafka.apache.org/protocol#protocol_error_codes; run replay again',
  });
}

/** Capped exponential backoff with full jitter: 100 ms, 200 ms, … up to 1 s (a restarted broker is used within a second). */
function backoffMs(attempt: number): number {
  return Math.random() * Math.min(1000, 100 * 2 ** (attempt - 1));
}

