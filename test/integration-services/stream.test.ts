/**
 * findoc stream against the real broker and Redis, run as a user runs it: child processes of the built
 * CLI (npm run build first). Records are produced here in replay's format (key = ip, value = the CSV row
 * with date/time re-stamped) from the real 2017-06-30 sample. Each test: own topic, group, Redis prefix.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createKafka, ensureTopic, withAdmin } from '../../src/adapters/kafka/admin.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { formatDay, formatTime } from '../../src/core/visit.js';
import { memberCik } from '../../src/core/windows.js';
import { BIN, runCli } from '../helpers/cli.js';
import { testRandom } from '../helpers/seed.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const SAMPLE = join(import.meta.dirname, '../../../shared/data/edgar-samples/real/log20170630-first24999rows.csv');
const LINES = readFileSync(SAMPLE, 'utf8').split('\n').slice(1).filter(Boolean);
const config = stackConfig();
const kafka = createKafka(config.kafka, { retries: 5 });
const topics: string[] = [];
const prefixes: string[] = [];
let redis: Redis;

async function newTopic(name: string): Promise<string> {
  const topic = uniqueName(`it-stream-${name}`);
  topics.push(topic);
  await withAdmin(kafka, config.kafka, (admin) => ensureTopic(admin, topic, 4));
  return topic;
}

function newState(name: string): StreamState {
  const prefix = `${uniqueName(`it-stream-${name}`)}:`;
  prefixes.push(prefix);
  return new StreamState(redis, prefix);
}

/** Rows of the sample, copy k re-stamped k · 72 s later (as replay --loop would), with their ip as key. */
function copies(n: number): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (let k = 0; k < n; k++) {
    for (const line of LINES) {
      const f = line.split(',');
      const [h, m, s] = f[2].split(':').map(Number);
      const second = Date.UTC(2017, 5, 30, h, m, s) / 1000 + 72 * k;
      f[1] = formatDay(second);
      f[2] = formatTime(second);
      out.push({ key: f[0], value: f.join(',') });
    }
  }
  return out;
}

async function produce(topic: string, records: { key: string; value: string; partition?: number }[]): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 5000) await producer.send({ topic, acks: -1, messages: records.slice(i, i + 5000) });
  } finally {
    await producer.disconnect();
  }
}

/** What the namespace must hold, counted independently of findoc: string splitting and Date.UTC. */
function expected(values: string[]) {
  const perSecond = new Map<number, number>();
  const perPair = new Map<string, number>();
  const perCik = new Map<number, number>();
  let visits = 0;
  for (const v of values) {
    const f = v.split(',');
    if (!/^\d+(\.0+)?$/.test(f[4])) continue;
    const [y, mo, d] = f[1].split('-').map(Number);
    const [h, mi, s] = f[2].split(':').map(Number);
    const second = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
    const cik = Number(f[4]);
    visits++;
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    perPair.set(`${second}/${cik}`, (perPair.get(`${second}/${cik}`) ?? 0) + 1);
    perCik.set(cik, (perCik.get(cik) ?? 0) + 1);
  }
  return { records: values.length, visits, rejected: values.length - visits, perSecond, perPair, perCik };
}

/** Compares every count the namespace holds with the independent ones. */
async function assertExact(state: StreamState, want: ReturnType<typeof expected>): Promise<void> {
  const p = await state.readProgress();
  assert.deepEqual([p.records, p.visits, p.rejected, p.filtered, p.late], [want.records, want.visits, want.rejected, 0, 0], 'namespace totals');
  const seconds = [...want.perSecond.keys()].sort((a, b) => a - b);
  const first = seconds[0];
  const last = seconds[seconds.length - 1];
  const vps = await state.readVisitsPerSecond(first - 1, last + 1);
  const got = new Map<number, number>();
  vps.counts.forEach((n, i) => n > 0 && got.set(first - 1 + i, n));
  assert.deepEqual(got, want.perSecond, 'visits per second');
  const pairs = new Map<string, number>();
  for (const s of seconds) for (const [cik, n] of await state.readSecondVisits(s)) pairs.set(`${s}/${cik}`, n);
  assert.deepEqual(pairs, want.perPair, 'visits per (second, CIK)');
  const all = await redis.hgetall(state.keys.allCounts);
  assert.deepEqual(new Map(Object.entries(all).map(([m, n]) => [memberCik(m), Number(n)])), want.perCik, 'all-time visits per CIK');
  // The ranking's head holds the same counts.
  const head = await redis.zrange(state.keys.allTime, 0, -1, 'WITHSCORES');
  for (let i = 0; i < head.length; i += 2) assert.equal(Number(head[i + 1]), want.perCik.get(memberCik(head[i])), `top:all ${head[i]}`);
}

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

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const recordsApplied = async (state: StreamState) => Number((await redis.hget(state.keys.totals, 'records')) ?? 0);

before(async () => {
  redis = await connectRedis(config.redis.url);
});

after(async () => {
  for (const p of prefixes) await new StreamState(redis, p).reset().catch(() => undefined);
  redis.disconnect();
  await withAdmin(kafka, config.kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
});

describe('findoc stream against Kafka and Redis', () => {
  it('counts per second, per CIK and all-time equal an independent count of the file', async () => {
    const topic = await newTopic('exact');
    const state = newState('exact');
    const records = copies(1);
    await produce(topic, records);
    const r = await runCli(['stream', '--topic', topic, '--group', `${topic}-g`, '--redis-prefix', state.keys.prefix, '--until-end', '--json'], {}, { timeoutMs: 90_000 });
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout) as { records: number; visits: number; duplicates: number; rejected: { total: number; byReason: Record<string, number>; samples: { partition: number; offset: number; text: string }[] } };
    assert.deepEqual([summary.records, summary.visits, summary.duplicates], [24_999, 24_997, 0]);
    assert.deepEqual(summary.rejected.byReason, { bad_cik: 2 });
    assert.equal(summary.rejected.samples.length, 2, 'one sample per rejected row (2 ≤ the sample limit)');
    for (const s of summary.rejected.samples) assert.ok(LINES.includes(s.text), `sample ${s.partition}/${s.offset} is a line of the file`);
    await assertExact(state, expected(records.map((x) => x.value)));
  });

  it('kill -9 at random moments loses and duplicates nothing', async (t) => {
    const t0 = Date.now();
    const rnd = testRandom();
    t.diagnostic(`kill points from seed ${rnd.seed} (replay with FINDOC_TEST_SEED=${rnd.seed})`);
    const topic = await newTopic('kill');
    const records = copies(8);
    await produce(topic, records);
    t.diagnostic(`produced ${records.length} records +${Date.now() - t0} ms`);
    const want = expected(records.map((x) => x.value));
    const total = records.length;

    // One process, killed while consuming and restarted in the same group each time.
    const single = newState('kill-one');
    const args = (state: StreamState, group: string) => ['--topic', topic, '--group', group, '--redis-prefix', state.keys.prefix, '--session-timeout', '6s'];
    // Random moments between 10% and 75% of the records, so that each kill lands while consuming (a
    // write covers up to ~20k records: the last kill leaves a quarter of them to go).
    const moments = (n: number) => Array.from({ length: n }, () => Math.floor(total * (0.1 + 0.65 * rnd.random()))).sort((a, b) => a - b);
    for (const moment of moments(3)) {
      const at = Math.max(moment, (await recordsApplied(single)) + 1);
      const s = startStream(args(single, `${topic}-one`));
      await waitFor(`${at} records applied`, async () => (await recordsApplied(single)) >= at || s.child.exitCode !== null);
      assert.equal(s.child.exitCode, null, `the stream was running: ${s.stderr()}`);
      s.child.kill('SIGKILL');
      await s.exited;
      const now = await recordsApplied(single);
      t.diagnostic(`single: killed at ${now} of ${total} records (aimed at ${at}) +${Date.now() - t0} ms`);
      assert.ok(now < total, 'the kill landed before the end');
    }
    // The last run in a new group: no wait for the killed member's session to expire (the position comes
    // from Redis either way; the restarts above went through Kafka's trailing committed offsets).
    const last = startStream([...args(single, `${topic}-one-last`), '--until-end']);
    assert.equal(await last.exited, 0, last.stderr());
    await assertExact(single, want);
    t.diagnostic(`single: exact +${Date.now() - t0} ms`);

    // Two processes in one group: partitions split, rebalances on every kill and restart.
    const pair = newState('kill-two');
    const group = `${topic}-two`;
    let running = [startStream(args(pair, group)), startStream(args(pair, group))];
    for (const [kill, moment] of moments(3).entries()) {
      const at = Math.max(moment, (await recordsApplied(pair)) + 1);
      await waitFor(`${at} records applied`, async () => (await recordsApplied(pair)) >= at);
      const victim = kill === 2 ? running : [running[Math.floor(rnd.random() * 2)]];
      for (const v of victim) v.child.kill('SIGKILL');
      await Promise.all(victim.map((v) => v.exited));
      const now = await recordsApplied(pair);
      t.diagnostic(`pair: killed ${victim.length} at ${now} of ${total} records +${Date.now() - t0} ms`);
      assert.ok(now < total, 'the kill landed before the end');
      running = running.filter((r) => !victim.includes(r));
      while (running.length < 2) running.push(startStream(args(pair, group)));
    }
    // Let them finish, then two more with --until-end confirm the end and exit.
    await waitFor('all records applied', async () => (await recordsApplied(pair)) >= total, 120_000, 50);
    t.diagnostic(`pair: all applied +${Date.now() - t0} ms`);
    for (const r of running) r.child.kill('SIGTERM');
    assert.deepEqual(await Promise.all(running.map((r) => r.exited)), [130, 130]); // stopped by a signal, after the summary
    await assertExact(pair, want);
  });

  it('sliding windows forget exactly at the boundary', async () => {
    const topic = await newTopic('windows');
    const state = newState('windows');
    const s = startStream(['--topic', topic, '--group', `${topic}-g`, '--redis-prefix', state.keys.prefix]);
    const T0 = Date.UTC(2017, 5, 30, 0, 0, 0) / 1000;
    let offset = -1;
    const send = async (visits: [second: number, cik: number][]) => {
      const rows = visits.map(([second, cik]) => `1.2.3.abc,${formatDay(second)},${formatTime(second)},0.0,${cik}.0,0001-17-1,-index.htm,200.0,1.0,1.0,0.0,0.0,9.0,0.0,`);
      await produce(topic, rows.map((value) => ({ key: '1.2.3.abc', value, partition: 0 })));
      offset += rows.length;
      await waitFor(`offset ${offset} applied`, async () => ((await state.storedOffset(topic, 0)) ?? -1) >= offset);
    };
    const top = async (window: '10s' | '1m' | 'all') => {
      const t = await state.readTop(window, 10);
      return { asOf: t.asOf === null ? null : new Date(t.asOf * 1000).toISOString().replace('.000', ''), entries: t.entries.map((e) => [e.cik, e.visits]) };
    };
    try {
      await send([[T0, 111], [T0, 111], [T0, 111], [T0 + 1, 222], [T0 + 1, 222], [T0 + 9, 333]]);
      assert.deepEqual(await top('10s'), { asOf: '2017-06-30T00:00:09Z', entries: [[111, 3], [222, 2], [333, 1]] });
      await send([[T0 + 10, 333]]);
      assert.deepEqual(await top('10s'), { asOf: '2017-06-30T00:00:10Z', entries: [[222, 2], [333, 2]] });
      // The same through the CLI, as a script would read it.
      const cli = await runCli(['top', '--window', '10s', '--json', '--redis-prefix', state.keys.prefix]);
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(JSON.parse(cli.stdout), {
        window: '10s',
        asOf: '2017-06-30T00:00:10Z',
        // The namespace's filter and totals: the 6 + 1 visits sent above.
        filter: 'all',
        visits: 7,
        robots: 0,
        robotShare: null,
        entries: [{ cik: 222, name: null, ticker: null, visits: 2 }, { cik: 333, name: null, ticker: null, visits: 2 }],
      });
      assert.deepEqual((await top('1m')).entries, [[111, 3], [222, 2], [333, 2]]);
      await send([[T0 + 60, 444]]);
      assert.deepEqual((await top('1m')).entries, [[222, 2], [333, 2], [444, 1]]);
      await send([[T0 + 61, 444]]);
      assert.deepEqual((await top('1m')).entries, [[333, 2], [444, 2]]);
      assert.deepEqual((await top('all')).entries, [[111, 3], [222, 2], [333, 2], [444, 2]]);
      // A visit older than the window but newer than the latest second's window start never shows.
      await send([[T0 + 5, 555]]);
      assert.deepEqual((await top('10s')).entries, [[444, 2]]);
    } finally {
      s.child.kill('SIGTERM');
      assert.equal(await s.exited, 130, s.stderr());
    }
  });

  it('--reset clears one namespace only', async () => {
    const topic = await newTopic('reset');
    const empty = await newTopic('reset-empty');
    await produce(topic, copies(1).slice(0, 500));
    const a = newState('reset');
    const b = new StreamState(redis, `${a.keys.prefix}b:`);
    prefixes.push(b.keys.prefix);
    for (const st of [a, b]) {
      const r = await runCli(['stream', '--topic', topic, '--group', `${topic}-${st.keys.prefix}`, '--redis-prefix', st.keys.prefix, '--until-end']);
      assert.equal(r.code, 0, r.stderr);
    }
    const bKeys = (await redis.keys(`${b.keys.base}*`)).sort();
    const bProgress = await b.readProgress();
    assert.equal(bProgress.visits, 500);

    // Another filter on a namespace with counts is refused (exit 78) …
    const refused = await runCli(['stream', '--topic', empty, '--group', `${empty}-g`, '--redis-prefix', b.keys.prefix, '--exclude-crawlers', '--until-end']);
    assert.equal(refused.code, 78, refused.stderr);
    assert.match(refused.stderr, /counts visits under filter "all", not "crawlers"/);

    // … and --reset on A deletes A's keys, says what it deleted, and leaves B alone.
    const r = await runCli(['stream', '--topic', empty, '--group', `${empty}-g`, '--redis-prefix', a.keys.prefix, '--reset', '--exclude-crawlers', '--until-end', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`reset ${a.keys.prefix}: deleted \\d+ keys \\(\\d+ per-second CIK sets, \\d+ visits-per-second hashes`));
    const summary = JSON.parse(r.stdout) as { reset: { deleted: number; byKind: Record<string, number> } };
    assert.ok(summary.reset.deleted > 0 && summary.reset.byKind.sec > 0);
    const left = await redis.keys(`${a.keys.base}*`);
    assert.deepEqual(left, [a.keys.meta], 'only the new run\'s meta is there');
    assert.equal((await a.readProgress()).visits, 0);
    assert.deepEqual((await redis.keys(`${b.keys.base}*`)).sort(), bKeys);
    assert.deepEqual(await b.readProgress(), { ...bProgress, ingest: (await b.readProgress()).ingest });
  });

  it('unreachable Redis or broker → exit 69 naming the address', async () => {
    const noRedis = await runCli(['stream', '--until-end'], { REDIS_URL: 'redis://:s3cret@127.0.0.1:1' });
    assert.equal(noRedis.code, 69);
    assert.match(noRedis.stderr, /Redis at 127\.0\.0\.1:1 is unavailable/);
    assert.match(noRedis.stderr, /REDIS_URL/);
    assert.ok(!noRedis.stderr.includes('s3cret'));
    const state = newState('nobroker');
    const noBroker = await runCli(['stream', '--until-end', '--redis-prefix', state.keys.prefix], { KAFKA_BROKERS: '127.0.0.1:1' });
    assert.equal(noBroker.code, 69);
    assert.match(noBroker.stderr, /Kafka at 127\.0\.0\.1:1 is unavailable/);
    assert.match(noBroker.stderr, /KAFKA_BROKERS/);
  });
});
