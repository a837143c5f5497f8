/**
 * Scale-out and crashes of findoc batch, with real processes of the built CLI (bin/findoc → dist/; npm
 * test builds first) against the local PostgreSQL, each test in its own schema (FINDOC_PG_SCHEMA).
 *
 * To stop a worker *mid-day* deterministically, a day's input is a named pipe (FIFO): the worker that
 * claims the day blocks opening it until the test opens the other end, so the test can look at the job
 * table, see the day held, and kill the process while it holds it. The day's rows are written into the
 * pipe only for the process that takes the day over.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { connectPostgres } from '../../src/adapters/postgres.js';
import type { BatchReport } from '../../src/batch/run.js';
import { BIN } from '../helpers/cli.js';
import { independentCounts, readSample, redate } from '../helpers/edgar-days.js';
import { stackConfig, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const S2003 = readSample('log20030301.csv');
const schemas: string[] = [];
let pool: pg.Pool;
let dir: string;

interface Proc {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function start(args: string[], schema: string): Proc {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, NO_COLOR: '1', FINDOC_PG_SCHEMA: schema },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<Awaited<Proc['done']>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, done };
}

function schema(prefix: string): string {
  const s = uniqueSchema(prefix);
  schemas.push(s);
  return s;
}

/** Days 2003-MM-01 … of re-dated, differently thinned 2003-03-01 rows, in a fresh directory. */
function dayFiles(name: string, month: string, n: number): { dir: string; texts: Map<string, string> } {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  const texts = new Map<string, string>();
  for (let i = 1; i <= n; i++) {
    const day = `2003-${month}-${String(i).padStart(2, '0')}`;
    const text = redate(S2003, day, { every: 2 + (i % 4), offset: i % 2 });
    texts.set(day, text);
    writeFileSync(join(d, `log${day.replace(/-/g, '')}.csv`), text);
  }
  return { dir: d, texts };
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function job(s: string, day: string): Promise<{ status: string; worker: string | null; attempts: number } | undefined> {
  const r = await pool.query(`SELECT status, worker, attempts FROM ${s}.batch_jobs WHERE day = $1`, [day]).catch(() => ({ rows: [] }));
  return r.rows[0];
}

describe('findoc batch scale-out (real processes)', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'findoc-batch-procs-'));
    pool = await connectPostgres(config.postgres.url, { max: 2 });
  });

  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('two workers on one range process each day once and give the same bands as one', async () => {
    const { dir: days } = dayFiles('two', '05', 8);
    const one = schema('it_batch_one');
    const two = schema('it_batch_two');
    const args = ['batch', days, '--set', 'eight', '--workers', '1', '--json'];

    const single = await start(args, one).done;
    assert.equal(single.code, 0, single.stderr);
    const a = start(args, two);
    const b = start(args, two);
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    const ja = JSON.parse(ra.stdout) as BatchReport;
    const jb = JSON.parse(rb.stdout) as BatchReport;

    // Each day committed by exactly one of the two, claimed once.
    const hereA = ja.days.filter((d) => d.here).map((d) => d.day);
    const hereB = jb.days.filter((d) => d.here).map((d) => d.day);
    assert.deepEqual([...hereA, ...hereB].sort(), ja.days.map((d) => d.day).sort(), `A did ${hereA}, B did ${hereB}`);
    assert.equal(hereA.filter((d) => hereB.includes(d)).length, 0);
    const jobs = await pool.query(`SELECT status, attempts, worker FROM ${two}.batch_jobs`);
    assert.equal(jobs.rows.length, 8);
    assert.ok(jobs.rows.every((j) => j.status === 'done' && j.attempts === 1), JSON.stringify(jobs.rows));
    if (hereA.length === 0 || hereB.length === 0) process.stderr.write(`note: one process did all 8 days (A ${hereA.length}, B ${hereB.length})\n`);
    assert.equal(new Set(jobs.rows.map((j) => j.worker)).size, [hereA, hereB].filter((h) => h.length > 0).length);

    // Both report the set over all 8 days; it was computed once, by whichever finished last.
    assert.deepEqual([ja.set?.days, jb.set?.days], [8, 8]);
    assert.equal([ja.set?.recomputed, jb.set?.recomputed].filter(Boolean).length, 1);

    const bands = async (s: string) => (await pool.query(`SELECT p25, p50, p75, p95 FROM ${s}.set_bands WHERE set_name = 'eight'`)).rows[0];
    const counts = async (s: string) => (await pool.query(`SELECT day, counts FROM ${s}.day_counts ORDER BY day`)).rows;
    assert.deepEqual(await counts(two), await counts(one));
    assert.deepEqual(await bands(two), await bands(one));
  });

  it('a worker killed mid-day (SIGKILL) has its day taken over after the lease expires, and the range completes', async () => {
    const s = schema('it_batch_kill');
    const { dir: days, texts } = dayFiles('kill', '06', 4);
    // 2003-06-01 is read from a pipe: the first worker blocks on it, holding the day.
    const fifoDir = join(dir, 'kill-fifo');
    mkdirSync(fifoDir);
    const fifo = join(fifoDir, 'log20030601.csv');
    rmSync(join(days, 'log20030601.csv'));
    execFileSync('mkfifo', [fifo]);
    const args = ['batch', days, fifo, '--set', 'k', '--workers', '1', '--lease', '2', '--json'];

    const first = start(args, s);
    const held = await waitFor('the first worker to hold 2003-06-01', async () => {
      const j = await job(s, '2003-06-01');
      return j?.status === 'running' ? j : undefined;
    });
    assert.ok(held.worker?.endsWith(`:${first.child.pid}`), `held by ${held.worker}, first is ${first.child.pid}`);
    first.child.kill('SIGKILL');
    const killed = await first.done;
    assert.equal(killed.signal, 'SIGKILL');

    const second = start(args, s);
    // Feed the pipe to whoever opens it next: the process that takes the day over.
    const feed = (async () => {
      const h = await open(fifo, 'w');
      await h.writeFile(texts.get('2003-06-01') as string, 'latin1');
      await h.close();
    })();
    const r = await second.done;
    await feed;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`2003-06-01: taken over from \\S+:${first.child.pid}, whose lease expired \\(attempt 2\\)`));
    const report = JSON.parse(r.stdout) as BatchReport;
    assert.deepEqual(
      report.days.map((d) => [d.day, d.status, d.here]),
      ['2003-06-01', '2003-06-02', '2003-06-03', '2003-06-04'].map((d) => [d, 'processed', true]),
    );
    const taken = await job(s, '2003-06-01');
    assert.deepEqual([taken?.status, taken?.attempts, taken?.worker?.endsWith(`:${second.child.pid}`)], ['done', 2, true]);
    const stored = await pool.query(`SELECT array_to_string(counts, ',') AS c FROM ${s}.day_counts WHERE day = '2003-06-01'`);
    assert.deepEqual(Int32Array.from(stored.rows[0].c.split(','), Number), independentCounts(texts.get('2003-06-01') as string).counts);
    assert.equal(report.set?.days, 4);
  });

  it('Ctrl-C releases the day in hand at once (no lease to wait for) and exits 130', async () => {
    const s = schema('it_batch_int');
    const fifoDir = join(dir, 'int-fifo');
    mkdirSync(fifoDir);
    const fifo = join(fifoDir, 'log20030701.csv');
    execFileSync('mkfifo', [fifo]);
    const p = start(['batch', fifo, '--workers', '1', '--lease', '600'], s);
    await waitFor('the day to be held', async () => ((await job(s, '2003-07-01'))?.status === 'running' ? true : undefined));
    const t0 = Date.now();
    p.child.kill('SIGINT');
    const released = await waitFor('the day to be released', async () => {
      const j = await job(s, '2003-07-01');
      return j?.status === 'pending' ? j : undefined;
    });
    assert.ok(Date.now() - t0 < 10_000, 'released long before the 600 s lease');
    assert.equal(released.attempts, 0);
    // If a cancelled reader still blocks in open() on the pipe, give it its end of file (a non-blocking
    // open fails at once with ENXIO when nobody reads).
    await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).then((h) => h.close(), () => undefined);
    const r = await p.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /interrupted/);
  });
});
