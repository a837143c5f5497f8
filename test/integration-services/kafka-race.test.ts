/**
 * The race a demo or a script runs into (issue 17): `findoc replay FILE --topic NEW` and `findoc stream
 * --topic NEW` started at the same moment, on a topic that does not exist yet. Whichever creates it, the
 * other may ask for its offsets while it has no leader ("This server is not the leader for that
 * topic-partition"): a retriable answer (src/adapters/kafka/errors.ts), never a crash. 20 tries, each on a
 * new topic, each ending exact: the stream applies every record replay sent, once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createKafka, withAdmin } from '../../src/adapters/kafka/admin.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { BIN } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const FILE = join(REAL, 'log20170628-70rows.csv');
const TRIES = 20;
const config = stackConfig();
const topics: string[] = [];
const prefixes: string[] = [];
let redis: Redis;

function run(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('replay and stream started together on a new topic', () => {
  before(async () => {
    redis = await connectRedis(config.redis.url);
  });
  after(async () => {
    for (const p of prefixes) await new StreamState(redis, p).reset().catch(() => undefined);
    redis.disconnect();
    await withAdmin(createKafka(config.kafka), config.kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
  });

  it(`${TRIES} tries: neither crashes, and the stream ends exact`, async (t) => {
    // Independent count: the file's rows (all valid) by plain splitting.
    const rows = readFileSync(FILE, 'utf8').split('\n').slice(1).filter(Boolean).length;
    for (let k = 0; k < TRIES; k++) {
      const topic = uniqueName(`it-race-${k}`);
      const prefix = `${topic}:`;
      topics.push(topic);
      prefixes.push(prefix);
      const stream = run(['stream', '--topic', topic, '--group', `${topic}-g`, '--redis-prefix', prefix, '--session-timeout', '6s']);
      const replay = run(['replay', FILE, '--topic', topic, '--max', '--json']);
      assert.equal(await replay.exited, 0, `try ${k}: replay: ${replay.stderr()}`);
      const sent = (JSON.parse(replay.stdout()) as { visitsSent: number }).visitsSent;
      assert.equal(sent, rows, `try ${k}: replay sent every row`);
      const state = new StreamState(redis, prefix);
      const deadline = Date.now() + 60_000;
      while (Number((await redis.hget(state.keys.totals, 'records')) ?? 0) < sent && stream.child.exitCode === null && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(stream.child.exitCode, null, `try ${k}: the stream died: ${stream.stderr()}`);
      stream.child.kill('SIGTERM');
      assert.equal(await stream.exited, 130, `try ${k}: stream: ${stream.stderr()}`);
      const p = await state.readProgress();
      assert.deepEqual([p.records, p.visits, p.rejected], [rows, rows, 0], `try ${k}: every record applied once`);
      if (/retrying/.test(stream.stderr())) t.diagnostic(`try ${k}: the stream retried: ${stream.stderr().split('\n').filter((l) => /retrying/.test(l)).join(' | ')}`);
    }
  });
});
