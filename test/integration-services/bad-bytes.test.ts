/**
 * Issue 17 item 1: bad bytes never cost a day. findoc batch (in-process, real PostgreSQL, own schema) over
 * one day of real SEC rows (log20030301.csv re-dated) with binary garbage injected: a NUL/0xFF line,
 * invalid UTF-8, latin-1 bytes, CRLF mixed with LF, and a 10 MB last line without newline. The day must
 * succeed, its per-second counts must equal an independent count of the clean rows (test/helpers'
 * split-based reference, not findoc's parser), and every reject sample stored in the jsonb column must be
 * printable (the NUL sample used to fail the day with "unsupported Unicode escape sequence").
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { readCountSlices } from '../../src/adapters/batch-store.js';
import { connectPostgres, migrate } from '../../src/adapters/postgres.js';
import { ObjectStore } from '../../src/adapters/s3.js';
import { failureCode, runBatch } from '../../src/batch/run.js';
import { parseFilter } from '../../src/core/filter.js';
import { REAL, gz, independentCounts, readSample, redate, withGarbage } from '../helpers/edgar-days.js';
import { stackConfig, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const schema = uniqueSchema('it_badbytes');
let pool: pg.Pool;
let store: ObjectStore;
let dir: string;

/** Independent check: no C0/DEL/C1 code unit and no lone surrogate. */
function printable(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f-\u009f]/.test(s) && s.isWellFormed();
}

describe('batch over bad bytes (issue 17 item 1)', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'findoc-badbytes-'));
    pool = await connectPostgres(config.postgres.url, { schema, max: 4 });
    await migrate(pool, schema);
    store = new ObjectStore(config.s3);
  });

  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a day with NUL/0xFF, invalid UTF-8, latin-1, mixed CRLF and a 10 MB line succeeds with exact counts', async () => {
    const clean = redate(readSample('log20030301.csv'), '2003-04-10', { every: 3, offset: 0 });
    const lines = clean.split('\n').filter((l) => l !== '');
    const d = join(dir, 'day');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'log20030410.csv'), withGarbage(lines, '2003-04-10'));

    const notices: string[] = [];
    const r = await runBatch(
      { inputs: [d], filter: parseFilter(undefined), set: null, raw: false, force: false, workers: 0, leaseMs: 10_000, strict: false, maxSamples: 10 },
      { pool, postgres: { url: config.postgres.url, schema }, s3: config.s3, store, log: (m) => notices.push(m) },
    );
    const expected = independentCounts(clean);
    assert.equal(failureCode(r), null, JSON.stringify(r.days.map((x) => x.error)));
    assert.equal(r.days.length, 1);
    const day = r.days[0];
    assert.equal(day.status, 'processed');
    assert.equal(day.visits, expected.visits);
    assert.equal(day.rejected, 4, JSON.stringify(day.rejects));
    const stored = (await readCountSlices(pool, 'all', ['2003-04-10']))[0];
    assert.deepEqual(stored, expected.counts);
    const row = (await pool.query(`SELECT rejects FROM day_counts WHERE day = '2003-04-10' AND filter = 'all'`)).rows[0];
    assert.equal(row.rejects.total, 4);
    assert.ok(row.rejects.samples.length >= 4);
    for (const s of row.rejects.samples) {
      assert.ok(typeof s.reason === 'string' && s.reason.length > 0);
      assert.ok(printable(s.text), JSON.stringify(s.text));
      assert.ok(s.text.length <= 200);
    }
    assert.ok(row.rejects.samples.some((s: { text: string }) => s.text.startsWith('\\x00\\x00')), JSON.stringify(row.rejects.samples));
  });
  it('header-only, empty, truncated gzip and zip, reordered/extra columns: usable days exact, unusable ones fail alone', async () => {
    const real = readSample('log20030301.csv');
    const day = (d: string) => redate(real, d, { every: 5, offset: 1 });
    const header = real.slice(0, real.indexOf('\n'));
    const names = header.split(',');
    // Reordered columns plus an extra one: the same rows, columns reversed, "extra" appended.
    const reorder = (text: string) =>
      text.split('\n').filter((l) => l !== '').map((l, i) => (i === 0 ? [...names].reverse().join(',') + ',extra' : [...l.split(',')].reverse().join(',') + ',x')).join('\n') + '\n';
    const full = gz(day('2003-05-04'));
    const d = join(dir, 'files');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'log20030501.csv'), `${header}\n`);
    writeFileSync(join(d, 'log20030502.csv'), '');
    writeFileSync(join(d, 'log20030503.csv'), Buffer.from(reorder(day('2003-05-03')), 'latin1'));
    writeFileSync(join(d, 'log20030504.csv.gz'), full.subarray(0, Math.floor(full.length / 2)));
    writeFileSync(join(d, 'log20030505.csv'), Buffer.from(day('2003-05-05'), 'latin1'));
    writeFileSync(join(d, 'log20030506.csv'), Buffer.from(names.filter((n) => n !== 'cik').join(',') + '\n1.2.3.abc\n', 'latin1'));
    const zip = readFileSync(join(REAL, 'log20030301.zip'));
    writeFileSync(join(d, 'log20030507.zip'), zip.subarray(0, Math.floor(zip.length / 2)));
    const r = await runBatch(
      { inputs: [d], filter: parseFilter(undefined), set: null, raw: false, force: false, workers: 0, leaseMs: 10_000, strict: false, maxSamples: 10 },
      { pool, postgres: { url: config.postgres.url, schema }, s3: config.s3, store, log: () => {} },
    );
    const by = new Map(r.days.map((x) => [x.day, x]));
    assert.equal(r.days.length, 7);
    assert.deepEqual([by.get('2003-05-01')?.status, by.get('2003-05-01')?.visits], ['processed', 0]);
    for (const [bad, file] of [['2003-05-02', 'log20030502.csv'], ['2003-05-04', 'log20030504.csv.gz'], ['2003-05-06', 'log20030506.csv'], ['2003-05-07', 'log20030507.zip']]) {
      const x = by.get(bad);
      assert.equal(x?.status, 'failed', bad);
      assert.equal(x?.error?.code, 'FINDOC_BAD_INPUT', bad);
      assert.ok(x?.error?.message.includes(file), x?.error?.message);
    }
    assert.notEqual(failureCode(r), null);
    for (const ok of ['2003-05-03', '2003-05-05']) {
      assert.equal(by.get(ok)?.status, 'processed', ok);
      const stored = (await readCountSlices(pool, 'all', [ok]))[0];
      assert.deepEqual(stored, independentCounts(day(ok)).counts, ok);
    }
  });
});
