/**
 * Signals at random moments (issue 17, item 7): SIGTERM or SIGINT at a seeded moment of generate, replay,
 * stream and batch leaves no partial state that a re-run would count twice. (sessions: test/e2e/
 * sessions-faults.test.ts; download: test/integration-services/download.test.ts.) The seed is printed;
 * `FINDOC_TEST_SEED=N bash scripts/test.sh test/integration-services/signals.test.ts` replays the moments.
 *
 * Each check is against an independent computation: the files' own rows (edgar-days.ts independentCounts)
 * or an uninterrupted run's bytes, never the interrupted command's own report alone.
 *
 * A signal that lands before the command's handler is installed (start-up) ends the process by the default
 * action (killed by the signal, no exit code): allowed, and the re-run must still end exact.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { BIN, runCli } from '../helpers/cli.js';
import { REAL, independentCounts } from '../helpers/edgar-days.js';
import { testRandom } from '../helpers/seed.js';
import { stackConfig, uniqueName, uniqueSchema } from '../helpers/services.js';

const rng = testRandom();
const DAY_FILE = join(REAL, 'log20030301.csv');
const dir = mkdtempSync(join(tmpdir(), 'findoc-signals-'));
const topics: string[] = [];
const prefixes: string[] = [];
const schemas: string[] = [];

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs findoc and sends `signal` after `delayMs`; resolves when it has ended. */
function interrupt(args: string[], signal: NodeJS.Signals, delayMs: number, env: Record<string, string> = {}): Promise<Ended> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill(signal), delayMs);
  return new Promise((resolve) =>
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code, signal: sig, stdout, stderr });
    }),
  );
}

/** Exit 130 after the clean summary, or killed by the signal's default action before the handler was set. */
function assertStopped(r: Ended, signal: NodeJS.Signals, what: string, t: { diagnostic(m: string): void }): void {
  t.diagnostic(`${what}: ${r.signal === null ? `exit ${r.code}` : `killed by ${r.signal}`}`);
  if (r.signal !== null) assert.equal(r.signal, signal, `${what}: ${r.stderr}`);
  else assert.ok(r.code === 130 || r.code === 0, `${what}: exit ${r.code} (130 after the signal, 0 if it had ended): ${r.stderr}`);
}

const moment = (fromMs: number, toMs: number) => fromMs + Math.floor(rng.random() * (toMs - fromMs));
const signalOf = () => (rng.random() < 0.5 ? 'SIGTERM' : 'SIGINT') as NodeJS.Signals;
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe(`signals at seeded random moments (FINDOC_TEST_SEED=${rng.seed})`, () => {
  const expected = independentCounts(readFileSync(DAY_FILE, 'utf8'));

  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    const kafka = new Kafka({ brokers: stackConfig().kafka.brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect().then(() => admin.deleteTopics({ topics }).catch(() => undefined)).finally(() => admin.disconnect());
    const redis = new Redis(stackConfig().redis.url, { lazyConnect: true });
    await redis.connect();
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}*`);
      if (keys.length) await redis.del(...keys);
    }
    redis.disconnect();
    const pool = new pg.Pool({ connectionString: stackConfig().postgres.url });
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`).catch(() => undefined);
    await pool.end();
  });

  it('generate: the files left are complete (equal to an uninterrupted run) and no temporary file remains', async (t) => {
    const signal = signalOf();
    const delay = moment(300, 3000);
    t.diagnostic(`${signal} after ${delay} ms`);
    const args = (out: string) => ['generate', '--from', '2017-06-01', '--to', '2017-06-04', '--rows-per-day', '400000', '--seed', '7', '--out', out];
    const cut = join(dir, 'gen-cut');
    const whole = join(dir, 'gen-whole');
    const r = await interrupt(args(cut), signal, delay);
    assertStopped(r, signal, 'generate', t);
    const full = await runCli(args(whole), {}, { timeoutMs: 120_000 });
    assert.equal(full.code, 0, full.stderr);
    const left = (() => {
      try {
        return readdirSync(cut);
      } catch {
        return [];
      }
    })();
    assert.deepEqual(left.filter((f) => !/^log\d{8}\.csv$/.test(f)), [], `only finished day files are left: ${left.join(', ')}`);
    for (const f of left) assert.equal(sha(join(cut, f)), sha(join(whole, f)), `${f} is complete`);
    // A re-run into the interrupted folder ends with the same four files as the uninterrupted run.
    const again = await runCli(args(cut), {}, { timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(readdirSync(cut).sort(), readdirSync(whole).sort());
    for (const f of readdirSync(whole)) assert.equal(sha(join(cut, f)), sha(join(whole, f)), f);
  });

  it('replay: what it reports as sent is what the topic holds (exit 130 after its summary)', async (t) => {
    const signal = signalOf();
    const delay = moment(400, 3500);
    t.diagnostic(`${signal} after ${delay} ms`);
    const topic = uniqueName('it-signal-replay');
    topics.push(topic);
    const r = await interrupt(['replay', DAY_FILE, '--topic', topic, '--rate', '12000', '--json'], signal, delay);
    assertStopped(r, signal, 'replay', t);
    if (r.signal !== null) return; // killed before it could report: nothing to compare
    const sent = (JSON.parse(r.stdout) as { visitsSent: number }).visitsSent;
    // The topic's records, counted by another client (the stream's catch-up from earliest).
    const prefix = `${topic}:`;
    prefixes.push(prefix);
    const s = await runCli(['stream', '--topic', topic, '--group', `${topic}-g`, '--redis-prefix', prefix, '--until-end', '--json'], {}, { timeoutMs: 120_000 });
    assert.equal(s.code, 0, s.stderr);
    assert.equal((JSON.parse(s.stdout) as { records: number }).records, sent, 'records on the topic = visits replay reported sent');
    assert.ok(sent <= expected.visits);
  });

  it('stream: stopped at a random moment of its catch-up, a restart ends exact (every visit once)', async (t) => {
    const signal = signalOf();
    const delay = moment(300, 2500);
    t.diagnostic(`${signal} after ${delay} ms`);
    const topic = uniqueName('it-signal-stream');
    const prefix = `${topic}:`;
    topics.push(topic);
    prefixes.push(prefix);
    const sent = await runCli(['replay', DAY_FILE, '--topic', topic, '--max', '--json'], {}, { timeoutMs: 120_000 });
    assert.equal(sent.code, 0, sent.stderr);
    const args = ['stream', '--topic', topic, '--group', `${topic}-g`, '--redis-prefix', prefix];
    const r = await interrupt(args, signal, delay);
    assertStopped(r, signal, 'stream', t);
    const end = await runCli([...args, '--until-end', '--json'], {}, { timeoutMs: 120_000 });
    assert.equal(end.code, 0, end.stderr);
    const n = (JSON.parse(end.stdout) as { namespace: { visits: number; rejected: number } }).namespace;
    assert.equal(n.visits, expected.visits, 'the namespace counts every valid row of the file once');
    assert.equal(n.rejected, expected.badCik);
  });

  it('batch: the day in flight is abandoned, and a re-run stores exactly the file\'s counts', async (t) => {
    const signal = signalOf();
    const delay = moment(200, 2500);
    t.diagnostic(`${signal} after ${delay} ms`);
    const schema = uniqueSchema('it_signal_batch');
    schemas.push(schema);
    const env = { FINDOC_PG_SCHEMA: schema };
    const days = join(dir, 'batch-days');
    const g = await runCli(['generate', '--from', '2017-03-06', '--to', '2017-03-08', '--rows-per-day', '300000', '--seed', '5', '--out', days], {}, { timeoutMs: 120_000 });
    assert.equal(g.code, 0, g.stderr);
    const r = await interrupt(['batch', days, '--set', 'signals', '--workers', '1'], signal, delay, env);
    assertStopped(r, signal, 'batch', t);
    const again = await runCli(['batch', days, '--set', 'signals', '--workers', '1'], env, { timeoutMs: 180_000 });
    assert.equal(again.code, 0, again.stderr);
    const pool = new pg.Pool({ connectionString: stackConfig().postgres.url });
    try {
      const rows = await pool.query<{ day: string; visits: string; counts: number[] }>(
        `SELECT to_char(day, 'YYYYMMDD') AS day, visits, counts FROM "${schema}".day_counts WHERE filter = 'all' ORDER BY day`,
      );
      assert.deepEqual(rows.rows.map((x) => x.day), ['20170306', '20170307', '20170308']);
      for (const row of rows.rows) {
        const want = independentCounts(readFileSync(join(days, `log${row.day}.csv`), 'utf8'));
        assert.equal(Number(row.visits), want.visits, `${row.day}: visits`);
        assert.deepEqual(row.counts, Array.from(want.counts), `${row.day}: per second`);
      }
    } finally {
      await pool.end();
    }
  });
});
