/**
 * The record batch codec (magic v2), both ways, with no I/O: the encoder writes replay's records straight
 * from the bytes it already holds (produce.ts carries the batches), the decoder reads the stream's fetched
 * batches straight into one buffer of values and a few typed arrays (fetch.ts brings them). Why
 * hand-written: see the figures in producer.ts and fetch.ts — a general client builds an object, a BigInt
 * and several small buffers per record, and that, not the broker, capped replay at a fifth of kcat's rate
 * and the stream's reading at a third.
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
 *
 * Decoding: attributes bits 0–2 compression, 4 transactional, 5 control. The CRC is not checked (the
 * broker checked it when the batch was written; TCP covers the transfer).
 */
import { compressionsAlgorithmsByBitmask } from '@platformatic/kafka';

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

// ───────────── varints (writing) ─────────────

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

// ───────────── decoding a partition's fetched batches ─────────────

/** Records of one partition, laid out flat: value i is values[starts[i], starts[i + 1]) (null values are empty). */
export interface DecodedRecords {
  offsets: Float64Array;
  values: Buffer;
  starts: Int32Array;
  /** The next offset to fetch: one past the last record or control record seen. */
  next: number;
}

/** Aborted transactions a Fetch response lists for a partition (fetch.ts). */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: number;
}

const COMPRESSION_MASK = 0x07;
const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

/**
 * A read position in a buffer, moved on by the varint readers. One per decodeRecordBatches call (not per
 * record), so nothing is allocated per record and no module-level state is shared between calls.
 */
export interface Cursor {
  pos: number;
}

/** An unsigned varint at c.pos; c.pos moves past it. */
export function readUvarint(b: Uint8Array, c: Cursor): number {
  // One or two bytes in nearly every record (lengths, deltas, sizes below 16 KiB): plain integer ops.
  let p = c.pos;
  let v = b[p++];
  if (v < 0x80) {
    c.pos = p;
    return v;
  }
  v &= 0x7f;
  let x = b[p++];
  if (x < 0x80) {
    c.pos = p;
    return v | (x << 7);
  }
  v |= (x & 0x7f) << 7;
  let scale = 16384;
  do {
    x = b[p++];
    v += (x & 0x7f) * scale;
    scale *= 128;
  } while (x & 0x80);
  c.pos = p;
  return v;
}

/** A zigzag varint at c.pos; c.pos moves past it. */
export function readVarint(b: Uint8Array, c: Cursor): number {
  const u = readUvarint(b, c);
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

function skipVarint(b: Uint8Array, c: Cursor): void {
  let p = c.pos;
  while (b[p++] & 0x80);
  c.pos = p;
}

/** Where each wanted record's value is: typed arrays grown as needed (no object per record). */
class ValueSpans {
  cap: number;
  n = 0;
  bytes = 0;
  body: Int32Array;
  start: Int32Array;
  end: Int32Array;
  offsets: Float64Array;

  constructor(cap: number) {
    this.cap = cap;
    this.body = new Int32Array(cap);
    this.start = new Int32Array(cap);
    this.end = new Int32Array(cap);
    this.offsets = new Float64Array(cap);
  }

  push(body: number, start: number, end: number, offset: number): void {
    if (this.n === this.cap) {
      this.cap *= 2;
      this.body = grow(this.body, this.cap);
      this.start = grow(this.start, this.cap);
      this.end = grow(this.end, this.cap);
      this.offsets = grow(this.offsets, this.cap);
    }
    const n = this.n++;
    this.body[n] = body;
    this.start[n] = start;
    this.end[n] = end;
    this.offsets[n] = offset;
    this.bytes += end - start;
  }
}

/**
 * Decodes the record batches of one partition from offset `from` on (records before it — whole batches are
 * sent even when a fetch starts inside one — are skipped). Control batches and records of aborted
 * transactions (KIP-98: a producer's data from an aborted transaction's first offset up to its abort
 * marker) advance `next` but are not returned. A batch cut short at the end of the response is left for
 * the next fetch.
 */
export function decodeRecordBatches(data: Buffer, from: number, aborted: readonly AbortedTransaction[] = []): DecodedRecords {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<bigint>();
  // First pass: where each value is.
  const bodies: Buffer[] = [data];
  const spans = new ValueSpans(Math.max(64, data.length >> 6));
  const cursor: Cursor = { pos: 0 };
  let next = from;
  let p = 0;
  while (p + BATCH_HEADER_BYTES <= data.length) {
    const base = Number(data.readBigInt64BE(p));
    const batchEnd = p + 12 + data.readInt32BE(p + 8);
    if (batchEnd > data.length) break;
    const magic = data[p + 16];
    if (magic !== 2) throw new Error(`record batch at offset ${base} has format ${magic}; only format 2 is supported`);
    const attributes = data.readInt16BE(p + 21);
    const last = base + data.readInt32BE(p + 23);
    const producerId = data.readBigInt64BE(p + 43);
    while (pending.length > 0 && pending[0].firstOffset <= last) abortedProducers.add(pending.shift()!.producerId);
    if (attributes & CONTROL) {
      // The commit or abort marker that ends a transaction of this producer.
      if (attributes & TRANSACTIONAL) abortedProducers.delete(producerId);
    } else if (last >= from && !((attributes & TRANSACTIONAL) && abortedProducers.has(producerId))) {
      let body = data;
      cursor.pos = p + BATCH_HEADER_BYTES;
      let bodyEnd = batchEnd;
      const compression = attributes & COMPRESSION_MASK;
      if (compression !== 0) {
        const codec = compressionsAlgorithmsByBitmask[compression];
        if (!codec?.available) throw new Error(`record batch at offset ${base} uses compression ${compression}, not available here`);
        body = codec.decompressSync(data.subarray(cursor.pos, batchEnd)) as Buffer;
        bodies.push(body);
        cursor.pos = 0;
        bodyEnd = body.length;
      }
      readRecords(body, bodies.length - 1, cursor, bodyEnd, data.readInt32BE(p + 57), base, from, spans);
    }
    next = Math.max(next, last + 1);
    p = batchEnd;
  }
  return gatherValues(bodies, spans, next);
}

/**
 * The records of one batch body from cursor.pos to bodyEnd:
 *   length varint | attributes int8 | timestampDelta varlong | offsetDelta varint |
 *   keyLength varint, key | valueLength varint (−1 = null), value | headerCount varint, headers
 * Those at or after `from` go into spans.
 */
function readRecords(buf: Buffer, bodyIndex: number, c: Cursor, bodyEnd: number, count: number, base: number, from: number, spans: ValueSpans): void {
  for (let i = 0; i < count && c.pos < bodyEnd; i++) {
    const length = readVarint(buf, c);
    const recordEnd = c.pos + length;
    c.pos += 1; // attributes
    skipVarint(buf, c); // timestampDelta
    const offset = base + readVarint(buf, c);
    const keyLength = readVarint(buf, c);
    c.pos += Math.max(0, keyLength);
    const valueLength = readVarint(buf, c);
    if (offset >= from) spans.push(bodyIndex, c.pos, c.pos + Math.max(0, valueLength), offset);
    c.pos = recordEnd;
  }
}

/** Second pass: one buffer holding every value. */
function gatherValues(bodies: readonly Buffer[], spans: ValueSpans, next: number): DecodedRecords {
  const { n, body, start, end } = spans;
  const values = Buffer.allocUnsafe(spans.bytes);
  const starts = new Int32Array(n + 1);
  let w = 0;
  for (let i = 0; i < n; i++) {
    starts[i] = w;
    w += bodies[body[i]].copy(values, w, start[i], end[i]);
  }
  starts[n] = w;
  return { offsets: spans.offsets.slice(0, n), values, starts, next };
}

function grow<T extends Int32Array | Float64Array>(a: T, cap: number): T {
  const b = new (a.constructor as new (n: number) => T)(cap);
  b.set(a as never);
  return b;
}
