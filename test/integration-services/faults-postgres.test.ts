/**
 * Fault suite: PostgreSQL restarted under a running batch (issue 17 item 4). The test starts its OWN
 * PostgreSQL cluster (initdb into a temporary folder, a free port, run as the `postgres` user as the server
 * requires), so the shared stack's database stays up. batch processes 24 days (the real 2003-03-01 rows,
 * re-dated; even days hold every other row from the first, odd days the others); once 3 days are done the
 * server is stopped with `pg_ctl stop -m immediate` (a crash: connections cut, no checkpoint) and started
 * again 3 s later. batch must ride it out:
 *   - it exits 0, having said on stderr that PostgreSQL was unreachable and that it went on;
 *   - every day is stored once, its per-second counts equal an independent count of its file;
 *   - the set's bands equal percentile_cont computed here over those independent counts.
 * A second case stops the server for good: with --retry-for 3s batch gives up with exit 69 naming
 * PostgreSQL and its address, and leaves no day marked done that was not.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { readCountSlices } from '../../src/adapters/batch-store.js';
import { BIN } from '../helpers/cli.js';
import { independentCounts, readSample, redate } from '../helpers/edgar-days.js';
import { PrivatePostgres } from '../helpers/private-postgres.js';

const DAYS = Array.from({ length: 24 }, (_, k) => `2003-04-${String(k + 1).padStart(2, '0')}`);
const work = mkdtempSync(join(tmpdir(), 'findoc-faults-pg-'));
const inputs = join(work, 'logs');
let server: PrivatePostgres;
let url = '';

function runBatch(args: string[]): { done: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, 'batch', ...args], { env: { ...process.env, NO_COLOR: '1', DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { done: new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr }))) };
}

/** percentile_cont(p) of values (sorted ascending), as PostgreSQL computes it. */
function percentileCont(sorted: number[], p: number): number {
  const x = p * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

describe('PostgreSQL restarted under batch (own cluster)', () => {
  const expected = new Map<string, Int32Array>();
  before(async () => {
    server = await PrivatePostgres.create();
    url = server.url;
    mkdirSync(inputs);
    const sample = readSample('log20030301.csv');
    DAYS.forEach((day, k) => {
      const text = redate(sample, day, { every: 2, offset: k % 2 });
      writeFileSync(join(inputs, `log${day.replaceAll('-', '')}.csv`), text);
      expected.set(day, independentCounts(text).counts);
    });
  });
  after(() => {
    server?.destroy();
    rmSync(work, { recursive: true, force: true });
  });

  it('a restart mid-run: batch waits, processes the interrupted days again, every count and band exact', async (t) => {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pool.on('error', () => undefined);
    try {
      const run = runBatch([inputs, '--set', 'pg-restart', '--workers', '1', '--lease', '5s', '--json']);
      // Stop the server once 3 days are done (the jobs table exists once batch has migrated).
      const deadline = Date.now() + 120_000;
      for (;;) {
        const done = await pool
          .query<{ n: number }>(`SELECT count(*)::int AS n FROM batch_jobs WHERE status = 'done'`)
          .then((r) => r.rows[0].n)
          .catch(() => 0);
        if (done >= 3) break;
        assert.ok(Date.now() < deadline, 'batch did not get 3 days done');
        await new Promise((r) => setTimeout(r, 20));
      }
      await pool.end();
      server.stop('immediate');
      t.diagnostic('server stopped (immediate) after 3 days; starting it again in 3 s');
      await new Promise((r) => setTimeout(r, 3000));
      server.start();
      const r = await run.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /PostgreSQL unreachable/, 'batch saw the outage');
      assert.match(r.stderr, /PostgreSQL answers again/, 'and rode it out');
      const report = JSON.parse(r.stdout) as { totals: { processed: number; failed: number; days: number } };
      assert.deepEqual([report.totals.days, report.totals.failed], [DAYS.length, 0]);
    } finally {
      await pool.end().catch(() => undefined);
    }

    const check = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const stored = await readCountSlices(check, 'all', DAYS);
      assert.equal(stored.length, DAYS.length, 'one row per day');
      const jobs = await check.query<{ day: string; status: string }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day, status FROM batch_jobs ORDER BY day`);
      assert.deepEqual(jobs.rows.map((j) => j.status), DAYS.map(() => 'done'));
      const byDay = await check.query<{ day: string; counts: string }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day, array_to_string(counts, ',') AS counts FROM day_counts WHERE filter = 'all'`);
      for (const row of byDay.rows) assert.deepEqual(Int32Array.from(row.counts.split(',').map(Number)), expected.get(row.day), `counts of ${row.day}`);
    } finally {
      await check.end();
    }

    const bands = execFileSync(process.execPath, [BIN, 'bands', '--set', 'pg-restart', '--start-at', '00:00:00', '--end-at', '23:59:59', '--json'], { env: { ...process.env, DATABASE_URL: url }, encoding: 'utf8', maxBuffer: 1 << 28 });
    const got = (JSON.parse(bands) as { days: number; bands: { second: number; p25: number; p50: number; p75: number; p95: number }[] });
    assert.equal(got.days, DAYS.length);
    assert.equal(got.bands.length, 86_400);
    for (const b of got.bands) {
      const v = DAYS.map((d) => expected.get(d)![b.second]).sort((x, y) => x - y);
      for (const [p, value] of [[0.25, b.p25], [0.5, b.p50], [0.75, b.p75], [0.95, b.p95]] as const) {
        assert.ok(Math.abs(value - percentileCont(v, p)) < 1e-9, `p${p * 100} at second ${b.second}: ${value} vs ${percentileCont(v, p)}`);
      }
    }
  });

  it('a server that stays down: --retry-for 3s, then exit 69 naming PostgreSQL and its address; no day done that was not', async () => {
    const run = runBatch([inputs, '--set', 'pg-down', '--workers', '1', '--force', '--retry-for', '3s', '--no-set']);
    // --force processes the 24 days again; stop the server, for good, as soon as a day is in flight (a
    // fixed delay lost the race once the 24 days took under a second).
    const watcher = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await watcher.query<{ n: string }>(`SELECT count(*) AS n FROM batch_jobs WHERE status = 'running'`).catch(() => ({ rows: [{ n: '0' }] }));
        if (Number(r.rows[0].n) > 0) break;
        assert.ok(Date.now() < deadline, 'no day was seen in flight within 30 s');
        await new Promise((res) => setTimeout(res, 10));
      }
    } finally {
      await watcher.end();
    }
    server.stop('immediate');
    const started = Date.now();
    const r = await run.done;
    const waited = Date.now() - started;
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:${server.port}`));
    assert.ok(waited < 60_000, `gave up after ${waited} ms`);
    server.start();
    const check = new pg.Pool({ connectionString: url, max: 1 });
    try {
      const stored = await readCountSlices(check, 'all', DAYS);
      for (let k = 0; k < DAYS.length; k++) assert.deepEqual(stored[k], expected.get(DAYS[k]), `counts of ${DAYS[k]} unchanged`);
    } finally {
      await check.end();
    }
  });
});
