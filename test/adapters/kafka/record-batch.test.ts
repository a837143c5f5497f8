/**
 * The hand-written Kafka wire format (src/adapters/kafka/record-batch.ts, produce.ts), checked without a broker:
 * CRC-32C check values, murmur2 partitions equal to the Java client's (via kafkajs' port of it), and a
 * record batch decoded field by field. test/integration-services/replay.test.ts proves the broker agrees.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Partitioners } from 'kafkajs';
import { encodeProduceRequest } from '../../../src/adapters/kafka/produce.js';
import { BATCH_HEADER_BYTES, RecordBatchBuilder, crc32c, partitionOf } from '../../../src/adapters/kafka/record-batch.js';

describe('crc32c', () => {
  it('gives the standard check values (RFC 3720 B.4)', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32, 0)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('a sub-range equals the checksum of the copied bytes, whatever the alignment', () => {
    const b = randomBytes(1000);
    for (const [s, e] of [[0, 1000], [1, 999], [3, 10], [7, 8], [500, 500]]) assert.equal(crc32c(b, s, e), crc32c(Buffer.from(b.subarray(s, e))));
  });
});

describe('partitionOf', () => {
  it("places keys exactly as the Java client's default partitioner (kafkajs' port of it)", () => {
    const java = Partitioners.DefaultPartitioner();
    const keys = ['101.81.133.jja', '107.23.85.jfd', '1.2.3.abc', '', 'a', 'ab', 'abc', 'abcd', 'ünïcödé', ...Array.from({ length: 300 }, (_, i) => `${i % 256}.${(i * 7) % 256}.${(i * 13) % 256}.${String.fromCharCode(97 + (i % 10), 97 + ((i >> 2) % 10), 97 + ((i >> 4) % 10))}`)];
    for (const partitions of [1, 3, 4, 7, 64]) {
      const partitionMetadata = Array.from({ length: partitions }, (_, p) => ({ partitionId: p, leader: 1 }));
      for (const key of keys) {
        const bytes = Buffer.concat([Buffer.from('xx'), Buffer.from(key), Buffer.from('yy')]);
        const expected = java({ topic: 't', partitionMetadata, message: { key: Buffer.from(key), value: null } });
        assert.equal(partitionOf(bytes, 2, bytes.length - 2, partitions), expected, `${key} over ${partitions}`);
      }
    }
  });
});

/** A minimal v2 record batch reader, written from the protocol documentation. */
function decodeBatch(b: Buffer) {
  let p = BATCH_HEADER_BYTES;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const byte = b[p++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) break;
      mul *= 128;
    }
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  };
  const header = {
    baseOffset: b.readBigInt64BE(0),
    batchLength: b.readInt32BE(8),
    magic: b.readInt8(16),
    crc: b.readUInt32BE(17),
    attributes: b.readInt16BE(21),
    lastOffsetDelta: b.readInt32BE(23),
    baseTimestamp: Number(b.readBigInt64BE(27)),
    maxTimestamp: Number(b.readBigInt64BE(35)),
    producerId: b.readBigInt64BE(43),
    producerEpoch: b.readInt16BE(51),
    baseSequence: b.readInt32BE(53),
    count: b.readInt32BE(57),
  };
  const records = [];
  for (let i = 0; i < header.count; i++) {
    const length = varint();
    const start = p;
    const attributes = b[p++];
    const timestamp = header.baseTimestamp + varint();
    const offsetDelta = varint();
    const kl = varint();
    const key = b.toString('utf8', p, p + kl);
    p += kl;
    const vl = varint();
    const value = b.toString('utf8', p, p + vl);
    p += vl;
    const headers = varint();
    assert.equal(p - start, length, 'record length');
    records.push({ attributes, timestamp, offsetDelta, key, value, headers });
  }
  assert.equal(p, b.length, 'batch ends after its records');
  return { header, records };
}

describe('RecordBatchBuilder', () => {
  it('writes a v2 batch a reader decodes field by field, with a valid CRC-32C', () => {
    const builder = new RecordBatchBuilder();
    const src = Buffer.from('##101.81.133.jja,2017-06-30,00:00:00,0.0##');
    const rows = [
      { ts: 1_764_331_200_000, value: '101.81.133.jja,2026-11-28,12:00:00,0.0' },
      { ts: 1_764_331_200_000, value: 'x'.repeat(300) },
      { ts: 1_764_331_201_500, value: '' },
      { ts: 1_764_331_199_000, value: 'earlier than the first' },
    ];
    for (const r of rows) {
      const v = Buffer.from(`__${r.value}__`);
      assert.equal(builder.add(src, 2, 16, v, 2, v.length - 2, r.ts), true);
    }
    const batch = builder.seal(123456789n, 7, 2 ** 31 - 2);
    const { header, records } = decodeBatch(batch);
    assert.equal(header.baseOffset, 0n);
    assert.equal(header.batchLength, batch.length - 12);
    assert.equal(header.magic, 2);
    assert.equal(header.crc, crc32c(batch, 21, batch.length));
    assert.equal(header.attributes, 0);
    assert.equal(header.lastOffsetDelta, 3);
    assert.equal(header.baseTimestamp, rows[0].ts);
    assert.equal(header.maxTimestamp, 1_764_331_201_500);
    assert.equal(header.producerId, 123456789n);
    assert.equal(header.producerEpoch, 7);
    assert.equal(header.baseSequence, 2 ** 31 - 2);
    assert.equal(header.count, 4);
    assert.deepEqual(
      records.map((r) => [r.key, r.value, r.timestamp, r.offsetDelta, r.attributes, r.headers]),
      rows.map((r, i) => ['101.81.133.jja', r.value, r.ts, i, 0, 0]),
    );
    // The builder is empty and reusable after seal.
    assert.equal(builder.count, 0);
    assert.equal(builder.bytes, BATCH_HEADER_BYTES);
  });

  it('refuses a record past maxBytes unless the batch is empty, and grows its buffer as needed', () => {
    const builder = new RecordBatchBuilder(1000, 64);
    const big = Buffer.alloc(600, 'v');
    assert.equal(builder.add(big, 0, 10, big, 0, 600, 0), true);
    assert.equal(builder.add(big, 0, 10, big, 0, 600, 0), false);
    assert.equal(builder.count, 1);
    builder.seal(1n, 0, 0);
    const huge = Buffer.alloc(5000, 'h');
    assert.equal(builder.add(huge, 0, 10, huge, 0, 5000, 0), true, 'an empty batch takes any record');
    assert.equal(decodeBatch(builder.seal(1n, 0, 1)).records[0].value.length, 5000);
  });
});

describe('encodeProduceRequest', () => {
  it('lays out a Produce v7 body: null transactional id, acks, timeout, one topic, its partitions', () => {
    const b1 = Buffer.from('batch-one');
    const b2 = Buffer.from('two');
    const body = encodeProduceRequest('edgar.visits', -1, 30000, [
      { partition: 3, batch: b1, count: 1 },
      { partition: 0, batch: b2, count: 1 },
    ]);
    let p = 0;
    const i16 = () => ((p += 2), body.readInt16BE(p - 2));
    const i32 = () => ((p += 4), body.readInt32BE(p - 4));
    const bytes = (n: number) => ((p += n), body.toString('utf8', p - n, p));
    assert.equal(i16(), -1);
    assert.equal(i16(), -1);
    assert.equal(i32(), 30000);
    assert.equal(i32(), 1);
    assert.equal(bytes(i16()), 'edgar.visits');
    assert.equal(i32(), 2);
    assert.deepEqual([i32(), bytes(i32())], [3, 'batch-one']);
    assert.deepEqual([i32(), bytes(i32())], [0, 'two']);
    assert.equal(p, body.length);
  });
});
