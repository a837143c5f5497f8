/**
 * Fault suite: the S3 server killed -9 (issue 17 item 5). Each case runs its OWN S3Proxy
 * (test/helpers/private-s3.ts: the stack's jars, a free port, a temporary folder), so the shared S3 stays up.
 *   - replay of an s3:// day, S3 killed mid-read and started again 3 s later: the read resumes at the byte
 *     it had reached (ranged GET pinned to the ETag); every row is sent once, and the stream's per-second
 *     counts equal an independent count of the same bytes;
 *   - the same with S3 gone for good: bounded retries, then exit 69 naming S3 and its address;
 *   - generate --to-s3 killed mid-upload: the command fails naming S3, and once S3 is back no object is
 *     under the key (the multipart upload never completed): nothing that looks complete;
 *   - batch of an s3:// prefix with S3 down: exit 69 naming S3 and its address, no day stored.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis } from '../../src/adapters/redis.js';
import { ObjectStore } from '../../src/adapters/s3.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { resolveConfig } from '../../src/core/config.js';
import { BIN, runCli } from '../helpers/cli.js';
import { independentCounts } from '../helpers/edgar-days.js';
import { PrivateS3 } from '../helpers/private-s3.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const DATE = '2003-03-02';
const DAY_START = Date.UTC(2003, 2, 2) / 1000;
// A generated day big enough that a paced replay is still reading it when S3 dies (25 MB, 224,337 rows).
const GENERATE = ['--date', DATE, '--rows-per-day', '200000', '--seed', '3'];
const config = stackConfig();
const dir = mkdtempSync(join(tmpdir(), 'findoc-faults-s3-'));
const prefixes: string[] = [];
let redis: Redis;
let expected: ReturnType<typeof independentCounts>;

function start(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return { child, done };
}

async function withS3<T>(f: (s3: PrivateS3) => Promise<T>): Promise<T> {
  const s3 = await PrivateS3.create();
  try {
    return await f(s3);
  } finally {
    await s3.destroy();
  }
}

/** The day in the private S3 under s3://faults/days/ (findoc generate is deterministic: same bytes as locally). */
async function upload(s3: PrivateS3): Promise<void> {
  const r = await runCli(['generate', ...GENERATE, '--to-s3', 's3://faults/days/'], s3.env, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
}

describe('S3 killed under replay, generate and batch (own S3Proxy)', () => {
  before(async () => {
    redis = await connectRedis(config.redis.url);
    const r = await runCli(['generate', ...GENERATE, '--out', dir], {}, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    expected = independentCounts(readFileSync(join(dir, `log${DATE.replaceAll('-', '')}.csv`), 'latin1'));
  });
  after(async () => {
    for (const p of prefixes) await new StreamState(redis, p).reset().catch(() => undefined);
    redis.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replay: S3 killed mid-read and back 3 s later — the read resumes, every row sent once, counts exact', async (t) => {
    await withS3(async (s3) => {
      await upload(s3);
      const topic = uniqueName('it-faults-s3');
      const run = start(['replay', 's3://faults/days/', '--topic', topic, '--keep-time', '--rate', '30000', '--json'], s3.env);
      await sleep(2500);
      assert.equal(run.child.exitCode, null, 'replay still reading');
      await s3.kill();
      t.diagnostic('S3 killed 2.5 s into the replay; back in 3 s');
      await sleep(3000);
      await s3.start();
      const r = await run.done;
      assert.equal(r.code, 0, r.stderr);
      const sent = JSON.parse(r.stdout) as { visitsSent: number; rejected: number };
      assert.deepEqual([sent.visitsSent, sent.rejected], [expected.visits, 0], 'every row sent once');

      const prefix = `${uniqueName('it-faults-s3')}:`;
      prefixes.push(prefix);
      const s = await runCli(['stream', '--topic', topic, '--group', `${prefix}g`, '--redis-prefix', prefix, '--start-offset', 'earliest', '--until-end', '--json'], {}, { timeoutMs: 120_000 });
      assert.equal(s.code, 0, s.stderr);
      const live = await new StreamState(redis, prefix).readVisitsPerSecond(DAY_START, DAY_START + 86_399);
      assert.deepEqual(Int32Array.from(live.counts), expected.counts, 'per-second counts = independent count');
    });
  });

  it('replay: S3 gone for good — bounded retries, then exit 69 naming S3 and its address', async () => {
    await withS3(async (s3) => {
      await upload(s3);
      const run = start(['replay', 's3://faults/days/', '--topic', uniqueName('it-faults-s3-gone'), '--rate', '30000'], s3.env);
      await sleep(2500);
      await s3.kill();
      const killed = Date.now();
      const r = await run.done;
      assert.equal(r.code, 69, r.stderr);
      assert.match(r.stderr, new RegExp(`S3 at 127\\.0\\.0\\.1:${s3.port}`));
      assert.doesNotMatch(r.stderr, /internal error/);
      assert.ok(Date.now() - killed < 60_000, `gave up after ${Date.now() - killed} ms`);
    });
  });

  it('generate --to-s3: S3 killed mid-upload — the command fails naming S3, and no object is left under the key', async () => {
    await withS3(async (s3) => {
      const run = start(['generate', '--date', '2017-06-01', '--rows-per-day', '3000000', '--day-variation', '0', '--to-s3', 's3://faults/up/'], s3.env);
      await sleep(3000);
      assert.equal(run.child.exitCode, null, 'generate still uploading');
      await s3.kill();
      const r = await run.done;
      assert.ok(r.code === 69 || r.code === 75, `exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`S3 at 127\\.0\\.0\\.1:${s3.port}`));
      await s3.start();
      const store = new ObjectStore(resolveConfig({}, { ...process.env, ...s3.env }).s3);
      try {
        const keys: string[] = [];
        for await (const o of store.list('faults', 'up/')) keys.push(o.key);
        assert.deepEqual(keys, [], 'no object under s3://faults/up/');
      } finally {
        store.close();
      }
    });
  });

  it('batch: S3 down — exit 69 naming S3 and its address', async () => {
    await withS3(async (s3) => {
      await upload(s3);
      await s3.kill();
      const r = await runCli(['batch', 's3://faults/days/', '--no-set', '--schema', 'it_faults_s3_unused'], s3.env, { timeoutMs: 120_000 });
      assert.equal(r.code, 69, r.stderr);
      assert.match(r.stderr, new RegExp(`S3 at 127\\.0\\.0\\.1:${s3.port}`));
    });
  });
});
