/** gzip on the thread pool (src/core/gzip.ts): one ordinary gzip member, whatever the blocks and chunks. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import zlib from 'node:zlib';
import { gzipParallel, type GzipOptions } from '../../src/core/gzip.js';

const REAL_CSV = readFileSync(join(import.meta.dirname, '../../../shared/data/edgar-samples/real/log20030301.csv'));

async function gzip(data: Buffer, chunk: number, options: GzipOptions): Promise<Buffer> {
  async function* input() {
    for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
  }
  const out: Buffer[] = [];
  for await (const c of gzipParallel(input(), options)) out.push(c);
  return Buffer.concat(out);
}

describe('gzipParallel', () => {
  it('gunzips back to the input, byte for byte, for any block size, chunking and parallelism', async () => {
    for (const [chunk, blockBytes, inFlight] of [
      [65_536, 1 << 20, 3],
      [1_000, 4_096, 4],
      [7, 100_000, 2],
      [1 << 20, 1 << 20, 1],
      [REAL_CSV.length, 1 << 16, 8],
    ]) {
      const gz = await gzip(REAL_CSV, chunk, { level: 1, blockBytes, inFlight });
      assert.ok(zlib.gunzipSync(gz).equals(REAL_CSV), `chunk ${chunk}, block ${blockBytes}, ${inFlight} at once`);
    }
  });

  it('is one gzip member: one deflate stream between a 10-byte header and the CRC-32/length trailer', async () => {
    const gz = await gzip(REAL_CSV, 65_536, { level: 6, blockBytes: 100_000, inFlight: 3 });
    assert.deepEqual([...gz.subarray(0, 3)], [0x1f, 0x8b, 8]);
    assert.ok(zlib.inflateRawSync(gz.subarray(10, gz.length - 8)).equals(REAL_CSV));
    assert.equal(gz.readUInt32LE(gz.length - 8), zlib.crc32(REAL_CSV));
    assert.equal(gz.readUInt32LE(gz.length - 4), REAL_CSV.length);
  });

  it('compresses about as well as one zlib stream (independent 1 MiB blocks)', async () => {
    const ours = (await gzip(REAL_CSV, 65_536, { level: 1 })).length;
    const zlibs = zlib.gzipSync(REAL_CSV, { level: 1 }).length;
    assert.ok(ours < zlibs * 1.01, `${ours} bytes vs ${zlibs}`);
  });

  it('an empty input is a valid empty gzip', async () => {
    const gz = await gzip(Buffer.alloc(0), 10, { level: 1 });
    assert.equal(zlib.gunzipSync(gz).length, 0);
  });

  it('passes an input error through', async () => {
    async function* failing() {
      yield Buffer.alloc(3_000_000, 0x41);
      throw new Error('connection reset');
    }
    await assert.rejects(async () => {
      for await (const _ of gzipParallel(failing(), { level: 1 })) {
        // drain
      }
    }, /connection reset/);
  });
});
