/**
 * Fault suite: the Kafka broker killed -9 during replay and stream (issue 17 item 3). The suite starts its
 * OWN single-node KRaft broker (test/helpers/private-kafka.ts: free ports, own data folder under a temp
 * folder, the stack's server.properties and jars), so the shared broker on 9092 stays up:
 *   (1) replay, broker killed mid-way for 10 s and restarted on the same data folder: replay waits, resumes
 *       and exits 0; the topic, read back with kafkajs, holds exactly the file's rows (count, and the
 *       multiset of values compared row for row): nothing lost, nothing twice;
 *   (2) replay --retry-for 5s, broker killed and left down: exit 75 within a bounded time, stderr names the
 *       broker and the setting and says how many visits were acknowledged; after a restart the topic holds
 *       at least that many;
 *   (3) stream consuming while replay produces, broker killed for 10 s: the stream rejoins and its
 *       per-second counts in Redis (docs/redis.md) equal an independent count of the file.
 * Records: the real 2003-03-01 day (43,458 rows, all valid) replayed with --keep-time, so each record's
 * value is the file's line byte for byte.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { StreamState } from '../../src/adapters/stream-state.js';
import { BIN, runCli } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';
import { PrivateKafka } from '../helpers/private-kafka.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const FILE = join(REAL, 'log20030301.csv');
const config = stackConfig();
/** Independent: the file's rows (all valid), by plain splitting. */
const LINES = readFileSync(FILE, 'latin1').split('\n').slice(1).filter(Boolean);
const OUTAGE_MS = 10_000;

let broker: PrivateKafka;
let dir: string;
let env: Record<string, string>;
const prefixes: string[] = [];

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

function kafkajs(): Kafka {
  return new Kafka({ clientId: 'findoc-fault-test', brokers: [broker.address], logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

async function createTopic(topic: string): Promise<void> {
  const admin = kafkajs().admin();
  await admin.connect();
  try {
    // LogAppendTime: --keep-time stamps the records with 2003, and the broker expires an idempotent
    // producer's state by its records' timestamps (producer.id.expiration.ms, 1 day, against CreateTime):
    // after a restart it would no longer know the producer and write a retried batch twice. Append-time
    // stamps keep the state; the stream reads the event time from the value, never the timestamp.
    await admin.createTopics({
      topics: [{ topic, numPartitions: 4, replicationFactor: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

/** Every record of the topic, read with kafkajs up to the end offsets (an independent client). */
async function readTopic(topic: string): Promise<{ values: string[]; offsets: number }> {
  const kafka = kafkajs();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = new Map(ends.map((p) => [p.partition, Number(p.high)]));
  const offsets = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const values: string[] = [];
  const where: string[] = [];
  const done = new Map<number, boolean>([...want].map(([p, high]) => [p, high === 0]));
  const consumer = kafka.consumer({ groupId: uniqueName('fault-reader'), maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let finished!: () => void;
  const allRead = new Promise<void>((resolve) => (finished = resolve));
  if ([...done.values()].every(Boolean)) finished();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) {
        if (Number(m.offset) >= want.get(batch.partition)!) continue;
        values.push(m.value!.toString('latin1'));
        where.push(`${batch.partition}@${m.offset}`);
        if (Number(m.offset) === want.get(batch.partition)! - 1) done.set(batch.partition, true);
      }
      if ([...done.values()].every(Boolean)) finished();
    },
  });
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`reading ${topic} back timed out (${values.length} of ${offsets})`)), 120_000).unref());
  try {
    await Promise.race([allRead, timeout]);
  } finally {
    await consumer.disconnect();
  }
  if (process.env.FINDOC_DEBUG_DUPES) {
    const seen = new Map<string, string>();
    values.forEach((v, i) => {
      if (seen.has(v)) console.error(`DUPE ${seen.get(v)} and ${where[i]}: ${v}`);
      else seen.set(v, where[i]);
    });
  }
  return { values, offsets };
}

function startCli(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Records in the topic now: the sum of its end offsets (kafkajs admin, one connection per call). */
async function topicRecords(topic: string): Promise<number> {
  const admin = kafkajs().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

/** The child's exit code, or 'still running' after ms (the timer does not hold the test process open). */
function exitWithin(exited: Promise<number | null>, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((r) => (timer = setTimeout(() => r('still running'), ms)));
  return Promise.race([exited, late]).finally(() => clearTimeout(timer));
}

async function outage(ms: number): Promise<void> {
  await broker.kill();
  await new Promise((r) => setTimeout(r, ms));
  await broker.start();
}

describe('fault suite: Kafka broker killed -9 under replay and stream', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'findoc-kafka-fault-'));
    broker = await PrivateKafka.create(dir);
    env = { KAFKA_BROKERS: broker.address };
  });
  after(async () => {
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1 });
    for (const p of prefixes) await new StreamState(redis, p).reset().catch(() => undefined);
    redis.disconnect();
    await broker?.kill();
    if (dir && !process.env.FINDOC_DEBUG_DUPES) rmSync(dir, { recursive: true, force: true });
    else console.error(`kept ${dir}`);
  });

  it('replay: the broker killed for 10 s mid-way; replay resumes, exit 0, every row in the topic exactly once', async () => {
    const topic = uniqueName('it-fault-kafka-replay');
    await createTopic(topic);
    // ~25 s at 1,800/s: the kill lands mid-way.
    const replay = startCli(['replay', FILE, '--topic', topic, '--keep-time', '--rate', '1800', '--json']);
    await waitFor('a third of the rows in the topic', async () => (await topicRecords(topic)) >= LINES.length / 3 || replay.child.exitCode !== null);
    assert.equal(replay.child.exitCode, null, replay.stderr());
    const before = await topicRecords(topic);
    await outage(OUTAGE_MS);
    assert.equal(replay.child.exitCode, null, `replay must wait out the outage: ${replay.stderr()}`);
    const code = await exitWithin(replay.exited, 150_000);
    assert.equal(code, 0, replay.stderr());
    const summary = JSON.parse(replay.stdout()) as { visitsSent: number };
    assert.equal(summary.visitsSent, LINES.length, 'replay acknowledged every row');
    assert.ok(before < LINES.length, 'the kill happened before the end');

    const { values, offsets } = await readTopic(topic);
    assert.equal(offsets, LINES.length, 'the topic holds one record per row (end offsets)');
    assert.equal(values.length, LINES.length, 'records read back');
    // Same multiset: no row lost, none twice.
    const want = [...LINES].sort();
    const got = values.sort();
    for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.fail(`record ${i} of the sorted topic differs: ${got[i]} vs row ${want[i]}`);
  });

  it('replay --retry-for 5s: broker killed and not restarted → exit 75 in bounded time, reporting what was acknowledged', async () => {
    const topic = uniqueName('it-fault-kafka-giveup');
    await createTopic(topic);
    const replay = startCli(['replay', FILE, '--topic', topic, '--keep-time', '--rate', '2000', '--retry-for', '5s']);
    await waitFor('some rows in the topic', async () => (await topicRecords(topic)) >= 2000 || replay.child.exitCode !== null);
    assert.equal(replay.child.exitCode, null, replay.stderr());
    await broker.kill();
    const killed = Date.now();
    const code = await exitWithin(replay.exited, 60_000);
    const took = Date.now() - killed;
    if (code === 'still running') replay.child.kill('SIGKILL');
    assert.equal(code, 75, replay.stderr());
    assert.ok(took >= 5000 && took < 45_000, `gave up ${took} ms after the kill (5 s retry window, plus connect timeouts)`);
    const m = /gave up after 5s \(--retry-for\): ([\d,]+) visits acknowledged/.exec(replay.stderr());
    assert.ok(m, replay.stderr());
    assert.match(replay.stderr(), new RegExp(`Kafka at ${broker.address.replaceAll('.', '\\.')}`));
    assert.match(replay.stderr(), /KAFKA_BROKERS/);
    const acked = Number(m[1].replaceAll(',', ''));
    assert.ok(acked >= 2000 && acked < LINES.length, `acknowledged ${acked}`);

    // Acknowledged means written: after a restart the topic holds at least those (a request in flight at
    // the kill may have been written without its answer arriving), each a row of the file.
    await broker.start();
    const { values } = await readTopic(topic);
    assert.ok(values.length >= acked, `topic holds ${values.length}, replay reported ${acked} acknowledged`);
    const rows = new Set(LINES);
    assert.equal(new Set(values).size, values.length, 'no record twice');
    for (const v of values) assert.ok(rows.has(v), `record not a row of the file: ${v}`);
  });

  it('stream: the broker killed for 10 s while stream consumes; it rejoins and its per-second counts end exact', async () => {
    const topic = uniqueName('it-fault-kafka-stream');
    const prefix = `${topic}:`;
    prefixes.push(prefix);
    await createTopic(topic);
    const stream = startCli(['stream', '--topic', topic, '--group', `${topic}-g`, '--redis-prefix', prefix, '--session-timeout', '6s']);
    await waitFor('the stream to hold partitions', () => /assigned partitions 0, 1, 2, 3/.test(stream.stderr()) || stream.child.exitCode !== null);
    assert.equal(stream.child.exitCode, null, stream.stderr());
    const replay = startCli(['replay', FILE, '--topic', topic, '--keep-time', '--rate', '2000', '--json']);
    const redis = new Redis(config.redis.url, { maxRetriesPerRequest: null });
    const state = new StreamState(redis, prefix);
    const applied = async () => Number((await redis.hget(state.keys.totals, 'records')) ?? 0);
    try {
      await waitFor('a third of the records applied', async () => (await applied()) >= LINES.length / 3 || stream.child.exitCode !== null);
      assert.equal(stream.child.exitCode, null, stream.stderr());
      await outage(OUTAGE_MS);
      const rc = await exitWithin(replay.exited, 150_000);
      assert.equal(rc, 0, replay.stderr());
      assert.equal((JSON.parse(replay.stdout()) as { visitsSent: number }).visitsSent, LINES.length);
      await waitFor('every record applied', async () => (await applied()) >= LINES.length || stream.child.exitCode !== null, 120_000);
      assert.equal(stream.child.exitCode, null, stream.stderr());
      // A moment more: a duplicate applied late would show in the totals.
      await new Promise((r) => setTimeout(r, 1500));
      stream.child.kill('SIGTERM');
      assert.equal(await stream.exited, 130, stream.stderr());
      // The topic first (replay's side), then the namespace (the stream's): a mismatch says which one.
      const { values, offsets } = await readTopic(topic);
      assert.equal(offsets, LINES.length, `the topic holds one record per row (end offsets); replay: ${replay.stderr()}`);
      assert.deepEqual(values.sort(), [...LINES].sort(), 'the topic holds each row once');
      const p = await state.readProgress();
      assert.deepEqual([p.records, p.visits, p.rejected], [LINES.length, LINES.length, 0], stream.stderr());
      const want = perSecond();
      const from = Math.min(...want.keys());
      const to = Math.max(...want.keys());
      const got = await state.readVisitsPerSecond(from, to);
      for (let s = from; s <= to; s++) assert.equal(got.counts[s - from], want.get(s) ?? 0, `second ${s}`);
      assert.match(stream.stderr(), /retrying/, 'the stream noticed the outage');
    } finally {
      if (stream.child.exitCode === null) stream.child.kill('SIGKILL');
      if (replay.child.exitCode === null) replay.child.kill('SIGKILL');
      redis.disconnect();
    }
  });
});
