/**
 * Record batch decoding of the stream's Fetch (src/adapters/kafka/fetch.ts), without a broker: batches made
 * by replay's encoder (record-batch.ts) and by @platformatic/kafka (compressed), control batches and
 * aborted transactions. test/integration-services/stream.test.ts proves it against the broker.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordsBatch } from '@platformatic/kafka';
import { decodeRecordBatches } from '../../../src/adapters/kafka/record-batch.js';
import { BATCH_HEADER_BYTES, RecordBatchBuilder } from '../../../src/adapters/kafka/record-batch.js';

/** A batch of `values` starting at `base` (replay's encoder; null values as empty ones are not its business). */
function batch(base: number, values: string[]): Buffer {
  const b = new RecordBatchBuilder();
  for (const v of values) {
    const key = Buffer.from('1.2.3.abc');
    const value = Buffer.from(v);
    assert.ok(b.add(key, 0, key.length, value, 0, value.length, 1_498_780_800_000));
  }
  const sealed = Buffer.from(b.seal(1n, 0, 0));
  sealed.writeBigInt64BE(BigInt(base), 0);
  return sealed;
}

/** A batch header with no records: a control batch (transaction marker) of `producerId`. */
function marker(base: number, producerId: bigint): Buffer {
  const b = Buffer.alloc(BATCH_HEADER_BYTES);
  b.writeBigInt64BE(BigInt(base), 0);
  b.writeInt32BE(BATCH_HEADER_BYTES - 12, 8);
  b[16] = 2;
  b.writeInt16BE(0x30, 21); // transactional + control
  b.writeBigInt64BE(producerId, 43);
  return b;
}

function transactional(b: Buffer, producerId: bigint): Buffer {
  b.writeInt16BE(b.readInt16BE(21) | 0x10, 21);
  b.writeBigInt64BE(producerId, 43);
  return b;
}

const valuesOf = (d: ReturnType<typeof decodeRecordBatches>) =>
  Array.from(d.offsets, (o, i) => [o, d.values.toString('utf8', d.starts[i], d.starts[i + 1])]);

describe('decodeRecordBatches', () => {
  it('reads offsets and values of consecutive batches, from any offset inside them', () => {
    const data = Buffer.concat([batch(100, ['a,1', 'b,2', 'c,3']), batch(103, ['d,4', 'e,5'])]);
    const all = decodeRecordBatches(data, 100);
    assert.deepEqual(valuesOf(all), [[100, 'a,1'], [101, 'b,2'], [102, 'c,3'], [103, 'd,4'], [104, 'e,5']]);
    assert.equal(all.next, 105);
    assert.equal(all.starts.length, 6);
    // A fetch from 102 gets the first batch whole: records before 102 are skipped.
    assert.deepEqual(valuesOf(decodeRecordBatches(data, 102)), [[102, 'c,3'], [103, 'd,4'], [104, 'e,5']]);
    assert.deepEqual(valuesOf(decodeRecordBatches(data, 104)), [[104, 'e,5']]);
  });

  it('reads lengths of any varint size (values of 0 B to 2 MB) and offsets past 2^32', () => {
    for (const size of [0, 127, 128, 16_383, 16_384, 300_000, 2_100_000]) {
      const b = new RecordBatchBuilder(8_000_000);
      const value = Buffer.alloc(size, 0x61);
      const key = Buffer.from('k');
      // Timestamps far apart: a long timestampDelta varint to skip.
      assert.ok(b.add(key, 0, 1, value, 0, size, 1_500_000_000_000));
      assert.ok(b.add(key, 0, 1, value, 0, size, 1_900_000_000_000));
      const sealed = Buffer.from(b.seal(1n, 0, 0));
      sealed.writeBigInt64BE(5_000_000_000n, 0);
      const d = decodeRecordBatches(sealed, 5_000_000_000);
      assert.deepEqual([...d.offsets], [5_000_000_000, 5_000_000_001], `size ${size}`);
      assert.deepEqual([...d.starts], [0, size, 2 * size], `size ${size}`);
    }
  });

  it('leaves a batch cut short at the end of the response for the next fetch', () => {
    const first = batch(0, ['a', 'b']);
    const second = batch(2, ['c', 'd']);
    const d = decodeRecordBatches(Buffer.concat([first, second.subarray(0, second.length - 3)]), 0);
    assert.deepEqual(valuesOf(d), [[0, 'a'], [1, 'b']]);
    assert.equal(d.next, 2);
    const none = decodeRecordBatches(second.subarray(0, 30), 2);
    assert.deepEqual([none.offsets.length, none.next], [0, 2]);
  });

  it('decompresses compressed batches and keeps null values as empty ones', () => {
    const w = createRecordsBatch(
      [
        { topic: 't', key: Buffer.from('k'), value: Buffer.from('hello,1') },
        { topic: 't', value: null as unknown as Buffer },
        { topic: 't', value: Buffer.from('world,2') },
      ],
      { compression: 'gzip', producerId: 5n, producerEpoch: 0, partitionLeaderEpoch: 0, sequences: undefined as never },
    );
    const gz = Buffer.from(w.buffer);
    assert.equal(gz.readInt16BE(21) & 7, 1, 'gzip');
    gz.writeBigInt64BE(40n, 0);
    assert.deepEqual(valuesOf(decodeRecordBatches(gz, 40)), [[40, 'hello,1'], [41, ''], [42, 'world,2']]);
  });

  it('skips control batches and the records of aborted transactions, not those of committed ones', () => {
    const data = Buffer.concat([
      batch(0, ['plain']),
      transactional(batch(1, ['aborted-1', 'aborted-2']), 7n),
      marker(3, 7n), // abort
      transactional(batch(4, ['committed']), 7n),
      marker(5, 7n), // commit
      batch(6, ['after']),
    ]);
    const d = decodeRecordBatches(data, 0, [{ producerId: 7n, firstOffset: 1 }]);
    assert.deepEqual(valuesOf(d), [[0, 'plain'], [4, 'committed'], [6, 'after']]);
    assert.equal(d.next, 7);
    // Without the broker's list of aborted transactions every data record counts.
    assert.equal(decodeRecordBatches(data, 0).offsets.length, 5);
  });

  it('refuses record formats other than 2', () => {
    const old = batch(0, ['a']);
    old[16] = 1;
    assert.throws(() => decodeRecordBatches(old, 0), /format 1; only format 2/);
  });
});
