/**
 * Live sessions = file sessions (issue 15): the real complete day 2003-03-01 is replayed with its own
 * timestamps (findoc replay --keep-time) into a topic; findoc stream --sessions 30 consumes it and is
 * killed -9 midway (two members of one group: the killed member's partitions move to the other with their
 * open sessions), then a last member catches up to the end. findoc sessions --live must then print the
 * lines findoc sessions FILE --inactivity 30 prints, as a set: every session once, none split or merged.
 * The file mode itself passes the challenge's kept tests (test/e2e/sessions.test.ts). A second case checks
 * the namespace refuses another inactivity (exit 64). Kill points come from the test seed.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createKafka, ensureTopic, withAdmin } from '../../src/adapters/kafka/admin.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { BIN, runCli } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';
import { testRandom } from '../helpers/seed.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const FILE = join(REAL, 'log20030301.csv');
const config = stackConfig();
const topic = uniqueName('it-stream-sessions');
const prefix = `${uniqueName('it-ssessions')}:`;
let redis: Redis;
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

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sorted = (text: string) => text.split('\n').filter(Boolean).sort();

describe('live sessions = file sessions on the real 2003-03-01, through kill -9 and a handover', () => {
  before(async () => {
    redis = await connectRedis(config.redis.url);
    records = readFileSync(FILE, 'utf8').split('\n').slice(1).filter(Boolean).length;
  });
  after(async () => {
    await new StreamState(redis, prefix).reset().catch(() => undefined);
    redis.disconnect();
  });

  it('stream --sessions 30 killed -9 midway: sessions --live equals findoc sessions FILE --inactivity 30', async (t) => {
    const rnd = testRandom();
    const at = Math.floor(records * (0.15 + 0.6 * rnd.random()));
    t.diagnostic(`seed ${rnd.seed}: kill -9 at ${at} of ${records} records`);
    const state = new StreamState(redis, prefix);
    const applied = async () => Number((await redis.hget(state.keys.totals, 'records')) ?? 0);
    const group = `${prefix}g`;
    const args = (g: string) => ['--topic', topic, '--group', g, '--redis-prefix', prefix, '--sessions', '30', '--session-timeout', '6s'];
    await withAdmin(createKafka(config.kafka, { retries: 5 }), config.kafka, (admin) => ensureTopic(admin, topic, 4));
    const members = [startStream(args(group)), startStream(args(group))];
    const holds = (s: Running) => /assigned partitions \d/.test(s.stderr().split('\n').filter((l) => l.includes('assigned')).at(-1) ?? '');
    await waitFor('the members to hold partitions', async () => members.every(holds) || members.some((s) => s.child.exitCode !== null));
    const produced = runCli(['replay', FILE, '--topic', topic, '--keep-time', '--rate', '15000', '--json'], {}, { timeoutMs: 120_000 });
    await waitFor(`${at} records applied`, async () => (await applied()) >= at || members.some((s) => s.child.exitCode !== null));
    for (const s of members) assert.equal(s.child.exitCode, null, `the stream was running: ${s.stderr()}`);
    members[0].child.kill('SIGKILL');
    await members[0].exited;
    t.diagnostic(`killed at ${await applied()} records applied`);
    const sent = await produced;
    assert.equal(sent.code, 0, sent.stderr);
    await waitFor('the survivor to apply everything', async () => (await applied()) >= records);
    assert.match(members[1].stderr(), /assigned partitions 0, 1, 2, 3/, 'the survivor took every partition');
    members[1].child.kill('SIGTERM');
    await members[1].exited;

    const live = await runCli(['sessions', '--live', '--redis-prefix', prefix], {}, { timeoutMs: 60_000 });
    assert.equal(live.code, 0, live.stderr);
    const file = await runCli(['sessions', FILE, '--inactivity', '30'], {}, { timeoutMs: 60_000 });
    assert.equal(file.code, 0, file.stderr);
    const a = sorted(live.stdout);
    const b = sorted(file.stdout);
    assert.ok(b.length > 10_000, `sessions in the file: ${b.length}`);
    assert.equal(a.length, b.length, 'as many sessions');
    assert.deepEqual(a, b, 'the same sessions');
    assert.equal((await state.readProgress()).records, records, 'every record applied once');

    const json = await runCli(['sessions', '--live', '--redis-prefix', prefix, '--json']);
    const rows = json.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { requests: number; open: boolean });
    assert.equal(rows.reduce((n, r) => n + r.requests, 0), records, 'every visit in exactly one session');
    assert.ok(rows.some((r) => r.open) && rows.some((r) => !r.open), 'ended and open sessions');
  });

  it('sessions --live --follow prints the backlog, then each session as it ends; watch-side stats count the open ones', async () => {
    const before = (await runCli(['sessions', '--live', '--redis-prefix', prefix, '--json'])).stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { ip: string; open: boolean; requests: number });
    const open = before.filter((r) => r.open);
    assert.ok(open.length > 0, 'open sessions left at the end of the day');
    const stats = await new StreamState(redis, prefix).readSessionStats((await new StreamState(redis, prefix).readProgress()).latestSecond!, 5);
    assert.equal(stats.open, open.length, 'readSessionStats counts the open sessions');

    const child = spawn(process.execPath, [BIN, 'sessions', '--live', '--follow', '--json', '--redis-prefix', prefix], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const lines = () => out.split('\n').filter(Boolean);
    await waitFor('the backlog', async () => lines().length >= before.length - open.length);
    // A visit a day later by each open session's IP: its partition's clock passes the session's end (and
    // the visit opens a new one).
    const dir = mkdtempSync(join(tmpdir(), 'findoc-follow-'));
    try {
      const header = readFileSync(FILE, 'utf8').split('\n')[0];
      const rows = open.map((r) => `${r.ip},2003-03-02,00:10:00,500.0,1.0,0000000001-03-000001,-index.htm,200.0,1.0,1.0,0.0,0.0,10.0,0.0,win`);
      writeFileSync(join(dir, 'log20030302.csv'), [header, ...rows].join('\n') + '\n');
      const sent = await runCli(['replay', join(dir, 'log20030302.csv'), '--topic', topic, '--keep-time', '--max']);
      assert.equal(sent.code, 0, sent.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const s = await runCli(['stream', '--topic', topic, '--group', `${prefix}g`, '--redis-prefix', prefix, '--sessions', '30', '--until-end'], {}, { timeoutMs: 60_000 });
    assert.equal(s.code, 0, s.stderr);
    await waitFor('the open sessions to end and be followed', async () => lines().length >= before.length);
    child.kill('SIGINT');
    await exited;
    const followed = lines().slice(before.length - open.length).map((l) => JSON.parse(l) as { ip: string; open: boolean; requests: number });
    assert.deepEqual(followed.map((r) => `${r.ip}/${r.requests}`).sort(), open.map((r) => `${r.ip}/${r.requests}`).sort(), 'each open session printed once it ended');
    assert.ok(followed.every((r) => !r.open));
  });

  it('the namespace keeps one inactivity: --sessions 60 on it exits 64 naming both', async () => {
    const r = await runCli(['stream', '--topic', topic, '--group', `${prefix}g2`, '--redis-prefix', prefix, '--sessions', '60', '--until-end']);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /--sessions 30/);
    assert.match(r.stderr, /--sessions 60/);
  });

  it('bad --sessions values exit 64 with the accepted range; --live on a namespace without sessions exits 65', async () => {
    for (const bad of ['0', '2.5', 'w', '', '86401']) {
      const r = await runCli(['stream', '--topic', topic, '--sessions', bad, '--until-end']);
      assert.equal(r.code, 64, `--sessions ${JSON.stringify(bad)}: ${r.stderr}`);
      assert.match(r.stderr, /1 to 86400/);
    }
    const none = await runCli(['sessions', '--live', '--redis-prefix', `${uniqueName('none')}:`]);
    assert.equal(none.code, 65, none.stderr);
    assert.match(none.stderr, /keeps no sessions/);
  });
});
