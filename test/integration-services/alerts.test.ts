/**
 * findoc alerts end to end on the real stack, as a user runs it: a day set built by `findoc batch` from
 * generated history without a burst, then a generated "today" with `--hot CIK@14:02:00+120x20` replayed
 * at speed 1 (its own event times, --keep-time, from shortly before the burst) into `findoc stream`. The
 * burst's company must rank first within 60 s of the burst's start (event time). Also: --follow reports it
 * entering once and ends with a last line and exit 130 on SIGINT; attention shows it; a set under another
 * filter than the stream's is refused naming both (exit 78); a schema without the tables exits 69 naming
 * findoc batch. Isolated: own topic, consumer group, Redis prefix and PostgreSQL schema.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { createKafka, withAdmin } from '../../src/adapters/kafka.js';
import { connectPostgres, quoteIdent } from '../../src/adapters/postgres.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { BIN, runCli } from '../helpers/cli.js';
import { stackConfig, uniqueName, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const schema = uniqueSchema('it_alerts');
const topic = uniqueName('it-alerts');
const prefix = `${uniqueName('it-alerts')}:`;
const env = { FINDOC_PG_SCHEMA: schema };
const BURST = Date.UTC(2016, 0, 11, 14, 2, 0) / 1000;
const ROWS = '500000';

interface AlertsJson {
  asOf: string | null;
  window: string;
  set: string;
  filter: string;
  entries: { cik: number; name: string | null; ticker: string | null; visits: number; expected: number; score: number; new: boolean }[];
}

let dir: string;
let pool: pg.Pool;
let hot: number;
const children: ChildProcess[] = [];

function start(args: string[]): { child: ChildProcess; out: () => string; err: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, out: () => out, err: () => err, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('findoc alerts (live against history)', { timeout: 240_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'findoc-alerts-'));
    const history = join(dir, 'history');
    const today = join(dir, 'today');
    let r = await runCli(['generate', '--from', '2016-01-04', '--to', '2016-01-08', '--rows-per-day', ROWS, '--out', history], env);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['batch', history, '--set', 'hist', '--workers', '1'], env, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    pool = await connectPostgres(config.postgres.url, { schema });
    // The burst's company: one of ordinary popularity in the history (the 100th by mean daily visits).
    const picked = await pool.query<{ cik: string }>(`SELECT cik FROM set_cik_baselines WHERE set_name = 'hist' ORDER BY mean_visits DESC, cik LIMIT 1 OFFSET 99`);
    hot = Number(picked.rows[0].cik);
    r = await runCli(['generate', '--date', '2016-01-11', '--rows-per-day', ROWS, '--hot', `${hot}@14:02:00+120x20`, '--out', today], env);
    assert.equal(r.code, 0, r.stderr);
  });

  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    const redis = await connectRedis(config.redis.url);
    await new StreamState(redis, prefix).reset().catch(() => undefined);
    redis.disconnect();
    await withAdmin(createKafka(config.kafka), config.kafka, (admin) => admin.deleteTopics({ topics: [topic] })).catch(() => undefined);
    await pool?.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await pool?.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('batch stores each CIK per day and the set keeps zero-filled baselines', async () => {
    const days = await pool.query<{ n: string; ciks: string }>(`SELECT count(*) AS n, sum(ciks) AS ciks FROM day_counts WHERE filter = 'all'`);
    const rows = await pool.query<{ n: string; visits: string }>(`SELECT count(*) AS n, sum(visits) AS visits FROM day_cik_counts WHERE filter = 'all'`);
    const total = await pool.query<{ visits: string }>(`SELECT sum(visits) AS visits FROM day_counts WHERE filter = 'all'`);
    assert.equal(Number(days.rows[0].n), 5);
    assert.equal(rows.rows[0].n, days.rows[0].ciks);
    assert.equal(rows.rows[0].visits, total.rows[0].visits);
    // m_c = Σ visits / 5 days, also for a CIK seen on fewer days.
    const check = await pool.query<{ mean_visits: number; manual: number }>(
      `SELECT b.mean_visits, (SELECT sum(visits)::float8 / 5 FROM day_cik_counts d WHERE d.cik = b.cik) AS manual
         FROM set_cik_baselines b WHERE b.set_name = 'hist' AND b.days_seen < 5 ORDER BY b.cik LIMIT 5`,
    );
    assert.ok(check.rows.length > 0);
    for (const x of check.rows) assert.ok(Math.abs(x.mean_visits - x.manual) < 1e-9, JSON.stringify(x));
  });

  it(`ranks the burst's company first within 60 s of the burst's start; --follow reports it once; attention shows it`, async () => {
    const stream = start(['stream', '--topic', topic, '--group', topic, '--redis-prefix', prefix]);
    await sleep(1500);
    const replay = start(['replay', join(dir, 'today'), '--topic', topic, '--keep-time', '--speed', '1', '--start-at', '14:01:40']);
    const follow = start(['alerts', '--follow', '--set', 'hist', '--redis-prefix', prefix]);
    let firstAt: number | null = null;
    let last: AlertsJson | null = null;
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const r = await runCli(['alerts', '--json', '--set', 'hist', '--redis-prefix', prefix], env);
      assert.equal(r.code, 0, r.stderr);
      last = JSON.parse(r.stdout) as AlertsJson;
      const asOf = last.asOf === null ? null : Date.parse(last.asOf) / 1000;
      if (asOf !== null && last.entries[0]?.cik === hot) {
        firstAt = asOf;
        break;
      }
      if (asOf !== null && asOf > BURST + 60) break;
      await sleep(500);
    }
    assert.ok(firstAt !== null, `not ranked first by ${last?.asOf}: ${JSON.stringify(last?.entries.slice(0, 3))}; stream: ${stream.err().slice(-500)}`);
    const latency = firstAt - BURST;
    process.stderr.write(`alerts: CIK ${hot} ranked first ${latency} s after the burst's start (event time)\n`);
    assert.ok(latency <= 60, `ranked first ${latency} s after the burst`);
    const top = last!.entries[0];
    assert.equal(top.new, false);
    assert.ok(top.visits >= 20 && top.score >= 4 && top.expected < top.visits, JSON.stringify(top));

    const attention = await runCli(['attention', String(hot), '--set', 'hist', '--redis-prefix', prefix, '--json'], env);
    assert.equal(attention.code, 0, attention.stderr);
    const a = JSON.parse(attention.stdout);
    assert.equal(a.cik, hot);
    assert.deepEqual(a.windows.map((w: { window: string }) => w.window), ['1m', '5m', '1h']);
    assert.ok(a.baseline.dailyMean > 0 && a.baseline.new === false && a.baseline.busiestHours.length === 3, JSON.stringify(a.baseline));
    assert.ok(a.windows[0].score >= 4, JSON.stringify(a.windows));

    // Give --follow a read after the burst, then stop it as Ctrl-C would.
    await sleep(2500);
    follow.child.kill('SIGINT');
    assert.equal(await follow.exited, 130, follow.err());
    const lines = follow.out().trim().split('\n').map((l) => JSON.parse(l));
    const enters = lines.filter((l) => l.event === 'enter' && l.cik === hot);
    assert.equal(enters.length, 1, follow.out());
    assert.deepEqual(Object.keys(enters[0]).sort(), ['asOf', 'cik', 'event', 'expected', 'name', 'new', 'score', 'set', 'ticker', 'visits', 'window'].sort());
    assert.equal(lines.at(-1).event, 'end');
    replay.child.kill('SIGKILL');
  });

  it('refuses a set under another filter than the stream, naming both (exit 78)', async () => {
    await pool.query(`INSERT INTO day_sets (name, filter) VALUES ('other', 'crawlers')`);
    await pool.query(`INSERT INTO set_attention (set_name, filter, days, cik_days, curve, total, fingerprint)
                      SELECT 'other', 'crawlers', days, cik_days, curve, total, fingerprint FROM set_attention WHERE set_name = 'hist'`);
    const r = await runCli(['alerts', '--set', 'other', '--redis-prefix', prefix], env);
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /filter "all"/);
    assert.match(r.stderr, /"crawlers"/);
  });

  it('exits 69 naming findoc batch on a schema without the tables; 64 for an unknown set', async () => {
    const r = await runCli(['alerts', '--redis-prefix', prefix], { FINDOC_PG_SCHEMA: uniqueSchema('it_alerts_none') });
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /findoc batch <logs> --set default/);
    const unknown = await runCli(['alerts', '--set', 'nope', '--redis-prefix', prefix], env);
    assert.equal(unknown.code, 64, unknown.stderr);
    assert.match(unknown.stderr, /sets: hist, other/);
  });
});
