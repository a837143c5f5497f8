/**
 * Fault suite: Redis killed -9 under a running stream (issue 17 item 2). Each test starts its OWN
 * redis-server (free port, own data folder) so the shared stack's Redis stays up:
 *   (a) restarted from its append-only file (appendonly yes, appendfsync everysec — the local stack's
 *       setting): the stream rides the outage out and the counts end exact, even when the file is a
 *       moment behind what the stream had applied (it reads those records again);
 *   (b) restarted empty (no persistence): the stream notices the state marker is gone, says so, rebuilds
 *       from the earliest offsets Kafka holds, and ends exact;
 *   (c) the same with --on-lost-state fail: exit 75 naming Redis.
 * Records: the real 2003-03-01 day replayed with --keep-time, paced so the kill lands mid-stream.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createKafka, ensureTopic, withAdmin } from '../../src/adapters/kafka/admin.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { BIN, runCli } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const FILE = join(REAL, 'log20030301.csv');
const config = stackConfig();
const topics: string[] = [];
const dirs: string[] = [];
const servers: ChildProcess[] = [];

/** Independent: the file's rows (all valid) and visits per second, by plain splitting. */
const LINES = readFileSync(FILE, 'utf8').split('\n').slice(1).filter(Boolean);
function perSecond(): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of LINES) {
    const f = l.split(',');
    const [y, mo, d] = f[1].split('-').map(Number);
    const [h, mi, s] = f[2].split(':').map(Number);
    const t = Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
    m.set(t, (m.get(t) ?? 0) + 1);
  }
  return m;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function startRedis(port: number, dir: string, aof: boolean): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--daemonize', 'no', '--appendonly', aof ? 'yes' : 'no'];
  if (aof) args.push('--appendfsync', 'everysec');
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  servers.push(child);
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch {
      if (i > 200) throw new Error(`redis-server on ${port} did not start`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  probe.disconnect();
  return child;
}

function startStream(args: string[], redisUrl: string) {
  const child = spawn(process.execPath, [BIN, '--redis-url', redisUrl, 'stream', ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function scenario(name: string, restart: 'aof' | 'empty', extra: string[] = []) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `findoc-redis-${name}-`));
  dirs.push(dir);
  let server = await startRedis(port, dir, true);
  const url = `redis://127.0.0.1:${port}`;
  const topic = uniqueName(`it-fault-redis-${name}`);
  topics.push(topic);
  await withAdmin(createKafka(config.kafka, { retries: 5 }), config.kafka, (admin) => ensureTopic(admin, topic, 4));
  const prefix = 'fault:';
  const stream = startStream(['--topic', topic, '--group', `${topic}-g`, '--redis-prefix', prefix, '--session-timeout', '6s', ...extra], url);
  await waitFor('the stream to hold partitions', async () => /assigned partitions 0, 1, 2, 3/.test(stream.stderr()) || stream.child.exitCode !== null);
  const replay = runCli(['replay', FILE, '--topic', topic, '--keep-time', '--rate', '10000', '--json'], {}, { timeoutMs: 120_000 });
  const probe = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  probe.on('error', () => undefined);
  const state = new StreamState(probe, prefix);
  const applied = async () => Number((await probe.hget(state.keys.totals, 'records').catch(() => null)) ?? 0);
  await waitFor('a third of the records applied', async () => (await applied()) >= LINES.length / 3 || stream.child.exitCode !== null);
  assert.equal(stream.child.exitCode, null, stream.stderr());
  server.kill('SIGKILL');
  await new Promise((r) => server.once('close', r));
  await new Promise((r) => setTimeout(r, 1500));
  if (restart === 'empty') {
    const fresh = mkdtempSync(join(tmpdir(), `findoc-redis-${name}-empty-`));
    dirs.push(fresh);
    server = await startRedis(port, fresh, false);
  } else server = await startRedis(port, dir, true);
  const r = await replay;
  assert.equal(r.code, 0, r.stderr);
  return { stream, state, applied, probe };
}

describe('fault suite: Redis killed -9 under findoc stream', () => {
  after(async () => {
    for (const s of servers) s.kill('SIGKILL');
    await withAdmin(createKafka(config.kafka), config.kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const restart of ['aof', 'empty'] as const) {
    it(`restarted ${restart === 'aof' ? 'from its append-only file' : 'empty'}: the stream rides it out and ends exact`, async () => {
      const { stream, state, applied, probe } = await scenario(restart, restart);
      try {
        await waitFor('every record applied', async () => (await applied()) >= LINES.length || stream.child.exitCode !== null, 120_000);
        assert.equal(stream.child.exitCode, null, stream.stderr());
        stream.child.kill('SIGTERM');
        assert.equal(await stream.exited, 130, stream.stderr());
        const p = await state.readProgress();
        assert.deepEqual([p.records, p.visits, p.rejected], [LINES.length, LINES.length, 0], stream.stderr());
        const want = perSecond();
        const from = Math.min(...want.keys());
        const to = Math.max(...want.keys());
        const got = await state.readVisitsPerSecond(from, to);
        for (let s = from; s <= to; s++) assert.equal(got.counts[s - from], want.get(s) ?? 0, `second ${s}`);
        if (restart === 'empty') assert.match(stream.stderr(), /Redis lost the state of namespace "fault:".*rebuilding it from the earliest offsets/);
      } finally {
        probe.disconnect();
      }
    });
  }

  it('restarted empty with --on-lost-state fail: exit 75 naming Redis', async () => {
    const { stream, probe } = await scenario('fail', 'empty', ['--on-lost-state', 'fail']);
    try {
      const code = await Promise.race([stream.exited, new Promise((r) => setTimeout(() => r('still running'), 60_000))]);
      assert.equal(code, 75, stream.stderr());
      assert.match(stream.stderr(), /Redis lost the state of namespace "fault:"/);
      assert.match(stream.stderr(), /--on-lost-state rebuild/);
    } finally {
      stream.child.kill('SIGKILL');
      probe.disconnect();
    }
  });
});
