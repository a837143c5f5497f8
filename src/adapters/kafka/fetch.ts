/**
 * Kafka's Fetch (API key 1, version 12) for `findoc stream`: the request, and a response parser that keeps
 * each partition's record batches as raw bytes, decoded by record-batch.ts (decodeRecordBatches) straight
 * into one buffer of values and a few typed arrays — no object per record.
 *
 * Why not a client's consumer: kafkajs 2.2.4 decodes every record into an object with a Long offset and
 * timestamp, Buffer views and a headers object; measured on this machine (2 shared vCPU, Kafka 4.4 on
 * loopback, the 2,019,9xx-record topic of bench/stream.ts), its eachBatch loop alone tops at 0.22–0.30 M
 * records/s and spends a quarter of its time collecting that garbage; @platformatic/kafka's message stream
 * reads 0.14 M/s. This parser plus decodeRecordBatches read the same topic at 2.7 M records/s in one fetch
 * loop (kcat -C in the same minutes: 0.7–0.8 M/s). The rest of the consumer — group membership,
 * connections with TLS/SASL, metadata, offset commits — is @platformatic/kafka's (consumer.ts).
 *
 * The record batch format is described (and decoded) in record-batch.ts.
 */
import { Writer, createAPI, type Reader } from '@platformatic/kafka';
import type { AbortedTransaction } from './record-batch.js';

export const FETCH_API_KEY = 1;
export const FETCH_VERSION = 12;

/** READ_COMMITTED: records of aborted transactions are left out (decodeRecordBatches, with the response's list). */
const READ_COMMITTED = 1;

export interface FetchPosition {
  partition: number;
  offset: number;
  maxBytes: number;
}

export interface FetchRequestOptions {
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
}

/** The Fetch v12 request body (no fetch session: every request names its partitions). */
export function encodeFetchRequest(topic: string, positions: readonly FetchPosition[], o: FetchRequestOptions): Writer {
  return Writer.create()
    .appendInt32(-1) // replica_id: a consumer
    .appendInt32(o.maxWaitMs)
    .appendInt32(o.minBytes)
    .appendInt32(o.maxBytes)
    .appendInt8(READ_COMMITTED)
    .appendInt32(0) // session_id
    .appendInt32(-1) // session_epoch: no session
    .appendArray([topic], (w, t) => {
      w.appendString(t).appendArray([...positions], (w, p) => {
        w.appendInt32(p.partition)
          .appendInt32(-1) // current_leader_epoch: unknown
          .appendInt64(BigInt(p.offset))
          .appendInt32(-1) // last_fetched_epoch
          .appendInt64(-1n) // log_start_offset (brokers only)
          .appendInt32(p.maxBytes);
      });
    })
    .appendArray([], () => undefined) // forgotten_topics_data
    .appendString('') // rack_id
    .appendTaggedFields();
}

export interface FetchedPartition {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: number;
  logStartOffset: number;
  abortedTransactions: AbortedTransaction[];
  /** The partition's record batches as sent (the last one may be cut short), or null. */
  records: Buffer | null;
}

export interface FetchResponse {
  errorCode: number;
  partitions: FetchedPartition[];
}

/** Parses a Fetch v12 response (the shape of @platformatic/kafka's parseResponse callbacks). */
export function parseFetchResponse(_correlationId: number, _apiKey: number, _apiVersion: number, r: Reader): FetchResponse {
  r.readInt32(); // throttle_time_ms
  const errorCode = r.readInt16();
  r.readInt32(); // session_id
  const partitions: FetchedPartition[] = [];
  const topics = r.readUnsignedVarInt() - 1;
  for (let t = 0; t < topics; t++) {
    const topic = r.readString();
    const count = r.readUnsignedVarInt() - 1;
    for (let p = 0; p < count; p++) {
      const partition = r.readInt32();
      const code = r.readInt16();
      const highWatermark = Number(r.readInt64());
      r.readInt64(); // last_stable_offset
      const logStartOffset = Number(r.readInt64());
      const abortedTransactions: AbortedTransaction[] = [];
      const aborted = r.readUnsignedVarInt() - 1;
      for (let a = 0; a < aborted; a++) {
        abortedTransactions.push({ producerId: r.readInt64(), firstOffset: Number(r.readInt64()) });
        skipTaggedFields(r);
      }
      r.readInt32(); // preferred_read_replica
      const size = r.readUnsignedVarInt() - 1;
      let records: Buffer | null = null;
      if (size > 0) {
        records = r.buffer.slice(r.position, r.position + size);
        r.skip(size);
      }
      skipTaggedFields(r);
      partitions.push({ topic, partition, errorCode: code, highWatermark, logStartOffset, abortedTransactions, records });
    }
    skipTaggedFields(r);
  }
  skipTaggedFields(r);
  return { errorCode, partitions };
}

function skipTaggedFields(r: Reader): void {
  const n = r.readUnsignedVarInt();
  for (let i = 0; i < n; i++) {
    r.readUnsignedVarInt(); // tag
    r.skip(r.readUnsignedVarInt());
  }
}


/** Fetch v12 over a connection: flexible request and response headers. */
export const fetchApi = createAPI<[Writer], FetchResponse>(FETCH_API_KEY, FETCH_VERSION, (w) => w, parseFetchResponse, true, true);
