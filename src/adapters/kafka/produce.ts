/**
 * Kafka's Produce (API key 0, version 7) for replay: the request body that carries one sealed record batch
 * per partition (record-batch.ts), and one request over a connection with each partition's error code.
 * The retrying, idempotent producer around it is producer.ts.
 */
import { Writer, createAPI, produceV7, type Connection } from '@platformatic/kafka';
import { withTimeout } from './connection.js';

/** Produce is API key 0; v7 (Kafka ≥ 2.1, still accepted by 4.x) is the last version before flexible encoding. */
export const PRODUCE_API_KEY = 0;
export const PRODUCE_VERSION = 7;

export interface PartitionBatch {
  partition: number;
  /** A sealed record batch. */
  batch: Buffer;
  /** Records in it. */
  count: number;
}

/**
 * The body of a Produce v7 request (after the request header) for one topic:
 *   transactional_id:nullable_string acks:int16 timeout_ms:int32
 *   [topic:string [partition:int32 records:bytes]]
 */
export function encodeProduceRequest(topic: string, acks: number, timeoutMs: number, batches: readonly PartitionBatch[]): Buffer {
  const name = Buffer.from(topic, 'utf8');
  let size = 2 + 2 + 4 + 4 + 2 + name.length + 4;
  for (const b of batches) size += 4 + 4 + b.batch.length;
  const out = Buffer.allocUnsafe(size);
  let p = out.writeInt16BE(-1, 0);
  p = out.writeInt16BE(acks, p);
  p = out.writeInt32BE(timeoutMs, p);
  p = out.writeInt32BE(1, p);
  p = out.writeInt16BE(name.length, p);
  p += name.copy(out, p);
  p = out.writeInt32BE(batches.length, p);
  for (const b of batches) {
    p = out.writeInt32BE(b.partition, p);
    p = out.writeInt32BE(b.batch.length, p);
    p += b.batch.copy(out, p);
  }
  return out;
}

/** Produce v7 over a connection: the body is written by encodeProduceRequest; non-flexible headers. */
const produceApi = createAPI(
  PRODUCE_API_KEY,
  PRODUCE_VERSION,
  (payload: Buffer) => Writer.create().append(payload),
  produceV7.parseResponse,
  false,
  false,
);

interface PartitionResponse {
  index: number;
  errorCode: number;
}

/**
 * One Produce request (acks=all) over one connection to the partitions' leader: the Kafka error code of each
 * partition in it (0 = written; DUPLICATE_SEQUENCE_NUMBER = written before).
 */
export async function producePartitions(
  connection: Connection,
  topic: string,
  group: readonly PartitionBatch[],
  timeoutMs = 30_000,
): Promise<Map<number, number>> {
  const payload = encodeProduceRequest(topic, -1, timeoutMs, group);
  let response: unknown;
  try {
    response = await withTimeout(produceApi.async(connection, payload), timeoutMs + 5000);
  } catch (e) {
    // A response with partition errors arrives as a ResponseError carrying the parsed response.
    response = (e as { response?: unknown }).response;
    if (!response) throw e;
  }
  const codes = new Map<number, number>();
  for (const t of (response as { responses: { partitionResponses: PartitionResponse[] }[] }).responses) {
    for (const p of t.partitionResponses) codes.set(p.index, p.errorCode);
  }
  return codes;
}
