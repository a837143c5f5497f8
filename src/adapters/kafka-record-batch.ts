/**
 * Kafka's wire format for produced records, written straight from the bytes replay already holds: the
 * record batch (magic v2) and the Produce request v7 that carries one batch per partition. No I/O here;
 * kafka-producer.ts sends the requests over @platformatic/kafka's connections. Why hand-written: see the
 * figures in kafka-producer.ts — a general client builds an object, a BigInt and several small buffers
 * per record, and that, not the broker, capped replay at a fifth of kcat's rate.
 *
 * Record batch v2 (KIP-98; https://kafka.apache.org/documentation/#recordbatch), big-endian:
 *
 *   offset  field                 value written here
 *        0  baseOffset      int64  0 (the broker assigns offsets)
 *        8  batchLength     int32  bytes after this field
 *       12  leaderEpoch     int32  -1 (set by the broker)
 *       16  magic           int8   2
 *       17  crc             uint32 CRC-32C (Castagnoli) of bytes 21 … end
 *       21  attributes      int16  0: no compression, CreateTime, not transactional, not control
 *       23  lastOffsetDelta int32  records − 1
 *       27  baseTimestamp   int64  first record's timestamp (ms)
 *       35  maxTimestamp    int64  largest record timestamp
 *       43  producerId      int64  from InitProducerId (idempotent producer)
 *       51  producerEpoch   int16
 *       53  baseSequence    int32  per-partition sequence of the first record
 *       57  records         int32  count
 *       61  records …
 *
 *   record = length:varint attributes:int8(0) timestampDelta:varlong offsetDelta:varint
 *            keyLength:varint key valueLength:varint value headers:varint(0)
 *   (varint/varlong: zigzag, then base-128 little-endian groups, as protobuf.)
 *
 * A Produce request may carry only one v2 batch per partition, and the broker refuses a batch larger
 * than the topic's max.message.bytes (default 1,048,588), hence the builder's size cap.
 */

export const BATCH_HEADER_BYTES = 61;

/** librdkafka's batch.size default; under the broker's default max.message.bytes (1,048,588). */
export const DEFAULT_MAX_BATCH_BYTES = 1_000_000;

// ───────────── CRC-32C, slicing-by-8 (~0.5 GB/s in V8 here; a batch is checksummed once) ─────────────

const CRC_TABLE = (() => {
  const t = new Int32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) t[s * 256 + i] = (t[(s - 1) * 256 + i] >>> 8) ^ t[t[(s - 1) * 256 + i] & 0xff];
  }
  return t;
})();

/** CRC-32C of bytes[start, end). crc32c("123456789") = 0xe3069283. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const T = CRC_TABLE;
  let c = -1;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    c =
      T[1792 + (c & 0xff)] ^
      T[1536 + ((c >>> 8) & 0xff)] ^
      T[1280 + ((c >>> 16) & 0xff)] ^
      T[1024 + (c >>> 24)] ^
      T[768 + bytes[i + 4]] ^
      T[512 + bytes[i + 5]] ^
      T[256 + bytes[i + 6]] ^
      T[bytes[i + 7]];
  }
  for (; i < end; i++) c = T[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// ───────────── partitioning: the Java client's default for keyed records ─────────────

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) of bytes[start, end), a signed int32. */
export function murmur2(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const m = 0x5bd1e995;
  const length = end - start;
  let h = (0x9747b28c ^ length) | 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = end - i;
  if (rest === 3) h ^= bytes[i + 2] << 16;
  if (rest >= 2) h ^= bytes[i + 1] << 8;
  if (rest >= 1) {
    h ^= bytes[i];
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * The partition of a keyed record, as Java's (and kafkajs') default partitioner computes it:
 * toPositive(murmur2(key)) % partitions. Same ip → same partition → per-ip order is kept.
 */
export function partitionOf(key: Uint8Array, start: number, end: number, partitions: number): number {
  return (murmur2(key, start, end) & 0x7fffffff) % partitions;
}

// ───────────── varints ─────────────

function zigzag(v: number): number {
  return v >= 0 ? v * 2 : -v * 2 - 1;
}

function uvarintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeUvarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[pos++] = v;
  return pos;
}

// ───────────── one partition's batch ─────────────

/**
 * Accumulates the records of one partition and seals them into a v2 record batch. Reused: seal() copies
 * the batch out and empties the builder.
 */
export class RecordBatchBuilder {
  private buf: Buffer;
  private pos = BATCH_HEADER_BYTES;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  /** Records in the open batch. */
  count = 0;

  constructor(
    readonly maxBytes = DEFAULT_MAX_BATCH_BYTES,
    initialBytes = 64 * 1024,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(initialBytes, maxBytes));
  }

  /** Bytes the sealed batch would have now. */
  get bytes(): number {
    return this.pos;
  }

  /**
   * Appends a record with key = key[ks, ke) and value = value[vs, ve), both copied. Returns false (and
   * adds nothing) when the record would take the batch over maxBytes; an empty batch takes any record.
   */
  add(key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number, timestampMs: number): boolean {
    if (this.count === 0) {
      this.baseTimestamp = timestampMs;
      this.maxTimestamp = timestampMs;
    }
    const tsDelta = zigzag(timestampMs - this.baseTimestamp);
    const offsetDelta = zigzag(this.count);
    const keyLen = ke - ks;
    const valueLen = ve - vs;
    const body =
      1 + uvarintSize(tsDelta) + uvarintSize(offsetDelta) + uvarintSize(zigzag(keyLen)) + keyLen + uvarintSize(zigzag(valueLen)) + valueLen + 1;
    const size = uvarintSize(zigzag(body)) + body;
    if (this.count > 0 && this.pos + size > this.maxBytes) return false;
    if (this.pos + size > this.buf.length) this.grow(this.pos + size);
    const b = this.buf;
    let p = writeUvarint(b, this.pos, zigzag(body));
    b[p++] = 0; // attributes
    p = writeUvarint(b, p, tsDelta);
    p = writeUvarint(b, p, offsetDelta);
    p = writeUvarint(b, p, zigzag(keyLen));
    b.set(key.subarray(ks, ke), p);
    p += keyLen;
    p = writeUvarint(b, p, zigzag(valueLen));
    b.set(value.subarray(vs, ve), p);
    p += valueLen;
    b[p++] = 0; // no headers
    this.pos = p;
    if (timestampMs > this.maxTimestamp) this.maxTimestamp = timestampMs;
    this.count++;
    return true;
  }

  private grow(needed: number): void {
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(Math.max(needed, Math.min(size, Math.max(this.maxBytes, needed))));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The batch's bytes (a copy), for the idempotent producer (producerId, epoch) at baseSequence; empties the builder. */
  seal(producerId: bigint, producerEpoch: number, baseSequence: number): Buffer {
    if (this.count === 0) throw new Error('empty record batch');
    const b = this.buf;
    b.writeBigInt64BE(0n, 0);
    b.writeInt32BE(this.pos - 12, 8);
    b.writeInt32BE(-1, 12);
    b.writeInt8(2, 16);
    b.writeInt16BE(0, 21);
    b.writeInt32BE(this.count - 1, 23);
    b.writeBigInt64BE(BigInt(this.baseTimestamp), 27);
    b.writeBigInt64BE(BigInt(this.maxTimestamp), 35);
    b.writeBigInt64BE(producerId, 43);
    b.writeInt16BE(producerEpoch, 51);
    b.writeInt32BE(baseSequence, 53);
    b.writeInt32BE(this.count, 57);
    b.writeUInt32BE(crc32c(b, 21, this.pos), 17);
    const out = Buffer.from(b.subarray(0, this.pos));
    this.pos = BATCH_HEADER_BYTES;
    this.count = 0;
    return out;
  }
}

// ───────────── Produce request v7 ─────────────

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
