/** The shared zip writer of tests and benchmarks, checked by the system's unzip (an independent reader). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { makeZip, writeZipFile } from './zip.js';

const dir = mkdtempSync(join(tmpdir(), 'findoc-zip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function unzip(path: string, member: string): Buffer {
  return execFileSync('unzip', ['-p', path, member], { maxBuffer: 1 << 28 });
}

describe('test/helpers/zip.ts', () => {
  it('makeZip: deflated, stored and data-descriptor members read back by unzip, CRCs tested', () => {
    const csv = Buffer.from('ip,date\n1.2.3.abc,2017-06-30\n'.repeat(500));
    const path = join(dir, 'm.zip');
    writeFileSync(path, makeZip([
      { name: 'README.txt', data: 'hello', method: 'store' },
      { name: 'log.csv', data: csv },
      { name: 'dd.csv', data: csv, descriptor: true },
    ]));
    execFileSync('unzip', ['-tq', path]); // throws on a CRC or structure error
    assert.equal(unzip(path, 'README.txt').toString(), 'hello');
    assert.ok(unzip(path, 'log.csv').equals(csv));
    assert.ok(unzip(path, 'dd.csv').equals(csv));
  });

  it('writeZipFile streams one member whose bytes and sizes unzip agrees with', async () => {
    const chunk = Buffer.from('x,y,z\n'.repeat(10_000));
    const path = join(dir, 's.zip');
    const r = await writeZipFile(path, 'big.csv', (function* () {
      for (let i = 0; i < 50; i++) yield chunk;
    })());
    execFileSync('unzip', ['-tq', path]);
    const back = unzip(path, 'big.csv');
    assert.equal(back.length, 50 * chunk.length);
    assert.equal(r.size, back.length);
    assert.ok(back.equals(Buffer.concat(Array(50).fill(chunk))));
    const listing = execFileSync('unzip', ['-v', path]).toString();
    assert.match(listing, new RegExp(`\\b${back.length}\\s+Defl:N\\s+${r.compressed}\\b`));
  });
});
