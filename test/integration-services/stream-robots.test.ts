/**
 * Live robots equal batch robots (issue 14): the real complete day 2003-03-01 is replayed with its own
 * timestamps (findoc replay --keep-time) into one topic; for each preset, findoc stream --filter robots
 * consumes it into its own Redis namespace and is killed -9 midway (drt: one of two processes of a group,
 * so a partition changes hands with its robots state), then catches up; findoc batch --filter robots
 * stores the same file in PostgreSQL (own schema). Per preset:
 *   - the stream's human visits per second of the day equal batch's stored counts, and both equal the
 *     independent DuckDB window-function classification (bench/lib/robots-duckdb.ts);
 *   - the stream's all-time human top 10 equals the reference's;
 *   - robot visits and robot IPs are the same in the stream's totals, batch's filtered count, the
 *     reference, and findoc robots --json.
 * Kill points come from the test seed (FINDOC_TEST_SEED replays them).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { robotsReference, type ReferenceDay } from '../../bench/lib/robots-duckdb.js';
import { readCountSlices } from '../../src/adapters/batch-store.js';
import { createKafka, ensureTopic, withAdmin } from '../../src/adapters/kafka/admin.js';
import { connectPostgres } from '../../src/adapters/postgres.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { ROBOT_PRESETS } from '../../src/core/robots.js';
import { BIN, runCli } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';
import { testRandom } from '../helpers/seed.js';
import { stackConfig, uniqueName, uniqueSchema } from '../helpers/services.js';

const FILE = join(REAL, 'log20030301.csv');
const DAY = '2003-03-01';
const DAY_START = Date.UTC(2003, 2, 1) / 1000;
const config = stackConfig();
const schema = uniqueSchema('it_stream_robots');
const topic = uniqueName('it-stream-robots');
const prefixes: string[] = [];
let redis: Redis;
let pool: pg.Pool;
let records = 0;

interface Running {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startStream(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, 'stream', ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

/** findoc replay --keep-time of the whole file into `into`: the number of records sent. */
async function produce(into: string, pace: string[] = ['--max']): Promise<number> {
  const r = await runCli(['replay', FILE, '--topic', into, '--keep-time', ...pace, '--json'], {}, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { visitsSent: number }).visitsSent;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('live robots = batch robots on the real 2003-03-01, through kill -9', () => {
  before(async () => {
    redis = await connectRedis(config.redis.url);
    pool = await connectPostgres(config.postgres.url, { schema, max: 2 });
    // Every row of this file is valid (the reference and batch agree on it): one record per line.
    records = readFileSync(FILE, 'utf8').split('\n').slice(1).filter(Boolean).length;
  });
  after(async () => {
    for (const p of prefixes) await new StreamState(redis, p).reset().catch(() => undefined);
    redis.disconnect();
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
  });

  for (const preset of ['drt', 'lm', 'ryans'] as const) {
    it(`${preset}: per-second human counts, human top 10 and robot totals agree`, async (t) => {
      const rnd = testRandom();
      const prefix = `${uniqueName(`it-srobots-${preset}`)}:`;
      prefixes.push(prefix);
      const state = new StreamState(redis, prefix);
      const applied = async () => Number((await redis.hget(state.keys.totals, 'records')) ?? 0);
      const args = (group: string, from: string) => ['--topic', from, '--group', group, '--redis-prefix', prefix, '--filter', 'robots', '--robots', preset, '--session-timeout', '6s'];
      const group = `${prefix}g`;
      const at = Math.floor(records * (0.15 + 0.6 * rnd.random()));
      t.diagnostic(`seed ${rnd.seed}: kill -9 at ${at} of ${records} records`);

      // Each preset has its own topic, filled (replay --keep-time, paced so that the kill lands while the
      // stream consumes) once the members hold partitions. drt: two members of one group, one killed -9,
      // its partitions move to the other with their robots state (after its 6 s session expires); lm,
      // ryans: one process killed -9, then started again until the end.
      const own = `${topic}-${preset}`;
      await withAdmin(createKafka(config.kafka, { retries: 5 }), config.kafka, (admin) => ensureTopic(admin, own, 4));
      const members = (preset === 'drt' ? [0, 1] : [0]).map(() => startStream(args(group, own)));
      const holds = (s: Running) => /assigned partitions \d/.test(s.stderr().split('\n').filter((l) => l.includes('assigned')).at(-1) ?? '');
      await waitFor('the members to hold partitions', async () => members.every(holds) || members.some((s) => s.child.exitCode !== null));
      const produced = produce(own, ['--rate', '15000']);
      await waitFor(`${at} records applied`, async () => (await applied()) >= at || members.some((s) => s.child.exitCode !== null));
      for (const s of members) assert.equal(s.child.exitCode, null, `the stream was running: ${s.stderr()}`);
      members[0].child.kill('SIGKILL');
      await members[0].exited;
      const killedAt = await applied();
      t.diagnostic(`killed at ${killedAt} records applied`);
      assert.ok(killedAt < records, 'the kill landed before the end');
      assert.equal(await produced, records);
      if (members.length === 2) {
        await waitFor('the survivor to apply everything', async () => (await applied()) >= records);
        assert.match(members[1].stderr(), /assigned partitions 0, 1, 2, 3/, 'the survivor took every partition');
        members[1].child.kill('SIGTERM');
        assert.equal(await members[1].exited, 130, members[1].stderr());
      } else {
        const last = startStream([...args(`${group}-last`, own), '--until-end']);
        assert.equal(await last.exited, 0, last.stderr());
      }

      const batch = await runCli(['batch', FILE, '--no-set', '--schema', schema, '--filter', 'robots', '--robots', preset, '--json'], {}, { timeoutMs: 120_000 });
      assert.equal(batch.code, 0, batch.stderr);
      const day = (JSON.parse(batch.stdout) as { days: { day: string; visits: number; filtered: number }[] }).days.find((d) => d.day === DAY)!;
      const [ref]: ReferenceDay[] = await robotsReference(FILE, ROBOT_PRESETS[preset]);

      const live = await state.readVisitsPerSecond(DAY_START, DAY_START + 86_399);
      const [stored] = await readCountSlices(pool, `robots(${preset})`, [DAY]);
      assert.deepEqual(Int32Array.from(live.counts), stored, 'stream per-second human counts = batch');
      assert.deepEqual(stored, ref.human, 'batch = reference');
      const progress = await state.readProgress();
      assert.equal(progress.records, records, 'every record applied once');
      assert.deepEqual(
        [progress.visits, progress.robots, progress.robotIps, progress.filtered],
        [ref.visits - ref.robotVisits, ref.robotVisits, ref.robotIps, ref.robotVisits],
        'stream totals = reference',
      );
      assert.deepEqual([day.visits, day.filtered], [ref.visits - ref.robotVisits, ref.robotVisits], 'batch totals = reference');
      assert.equal(live.robots.reduce((a, b) => a + b, 0), ref.robotVisits, 'robot visits per second add up');

      const top = await state.readTop('all', 10);
      assert.deepEqual(top.entries.map((e) => [e.cik, e.visits]), ref.humanTop.slice(0, 10).map((e) => [e.cik, e.visits]), 'human top 10');

      const topJson = await runCli(['top', '--redis-prefix', prefix, '--window', 'all', '--json']);
      assert.equal(topJson.code, 0, topJson.stderr);
      const shares = JSON.parse(topJson.stdout) as { filter: string; visits: number; robots: number; robotShare: number };
      assert.deepEqual([shares.filter, shares.visits, shares.robots], [`robots(${preset})`, ref.visits - ref.robotVisits, ref.robotVisits]);
      assert.ok(Math.abs(shares.robotShare - ref.robotVisits / ref.visits) < 1e-12, 'top --json robot share');

      const listed = await runCli(['robots', '--redis-prefix', prefix, '--date', DAY, '--limit', '100000', '--json']);
      assert.equal(listed.code, 0, listed.stderr);
      const robots = JSON.parse(listed.stdout) as { robots: { ip: string; visits: number; firstRobotAt: string; limit: string }[] };
      assert.equal(robots.robots.length, ref.robotIps);
      assert.equal(robots.robots.reduce((a, r) => a + r.visits, 0), ref.robotVisits);
      for (const r of robots.robots) assert.ok(Object.keys(ROBOT_PRESETS[preset]).includes(r.limit), `${r.ip}: ${r.limit} is a limit of ${preset}`);
    });
  }
});
