/**
 * findoc replay against the real broker (the built CLI, as a user runs it), each test on its own topic.
 * Records are read back with kafkajs, an independent client, up to the topic's end offsets.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createKafka, ensureTopic, withAdmin } from '../../src/adapters/kafka/admin.js';
import { ObjectStore } from '../../src/adapters/s3.js';
import { ConnectionPool, Producer } from '@platformatic/kafka';
import { DUPLICATE_SEQUENCE_NUMBER } from '../../src/adapters/kafka/errors.js';
import { producePartitions } from '../../src/adapters/kafka/produce.js';
import { RecordBatchBuilder, partitionOf } from '../../src/adapters/kafka/record-batch.js';
import { readVisits } from '../../src/core/log-input.js';
import { formatDay, formatTime } from '../../src/core/visit.js';
import { BIN, runCli } from '../helpers/cli.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const REAL = '/work/shared/data/edgar-samples/real';
const SAMPLE_2017 = join(REAL, 'log20170630-first24999rows.csv'); // 24,997 visits, 2 rejects (bad_cik)
const DAY_2003 = join(REAL, 'log20030301.zip'); // 43,458 visits

const config = stackConfig();
const kafka = createKafka(config.kafka, { retries: 5 });
const topics: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'findoc-replay-it-'));

function topic(): string {
  const t = uniqueName('it-replay');
  topics.push(t);
  return t;
}

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await withAdmin(kafka, config.kafka, (admin) => admin.deleteTopics({ topics })).catch(() => undefined);
});

interface Received {
  partition: number;
  key: string;
  value: string;
  timestamp: number;
}

/** Every record of the topic, partition by partition in offset order (up to the end offsets now). */
async function readTopic(name: string): Promise<Received[]> {
  const ends = await withAdmin(kafka, config.kafka, (admin) => admin.fetchTopicOffsets(name));
  const want = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const total = [...want.values()].reduce((a, b) => a + b, 0);
  const out: Received[] = [];
  if (total === 0) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('it-replay-reader'), sessionTimeout: 10_000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic: name, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${total} records`)), 60_000);
    consumer
      .run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            out.push({ partition: batch.partition, key: m.key!.toString(), value: m.value!.toString(), timestamp: Number(m.timestamp) });
          }
          if (out.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}

async function countOnTopic(name: string): Promise<number> {
  const ends = await withAdmin(kafka, config.kafka, (admin) => admin.fetchTopicOffsets(name));
  return ends.reduce((n, e) => n + Number(e.high), 0);
}

/** The visits of a file in file order, as the input layer reads them: ip, line and original second. */
async function visitsOf(path: string): Promise<{ ip: string; line: string; second: number }[]> {
  const out = [];
  for await (const b of readVisits(path)) for (let i = 0; i < b.length; i++) out.push({ ip: b.ip(i), line: b.line(i), second: b.second[i] });
  return out;
}

/** The row without its date and time: what replay must leave untouched. */
function unstamped(value: string): string {
  const f = value.split(',');
  return [f[0], ...f.slice(3)].join(',');
}

async function replayJson(args: string[], env: Record<string, string> = {}) {
  const r = await runCli(['replay', ...args, '--json'], env, { timeoutMs: 120_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { visitsSent: number; rejected: number; rejects: { byReason: Record<string, number> }; passes: number; stoppedBy: string; durationMs: number };
}

/**
 * The integrity property: the topic holds each valid row exactly once, keyed by its ip, on the partition
 * of that key, in file order per key, with only date/time changed, to the second of its timestamp.
 */
async function assertFaithful(name: string, path: string, startedMs: number, endedMs: number): Promise<void> {
  const expected = await visitsOf(path);
  const got = await readTopic(name);
  assert.equal(got.length, expected.length, 'records on the topic');

  const partitions = new Set(got.map((r) => r.partition)).size;
  const perKeyExpected = new Map<string, string[]>();
  for (const v of expected) perKeyExpected.set(v.ip, [...(perKeyExpected.get(v.ip) ?? []), unstamped(v.line)]);
  const perKeyGot = new Map<string, string[]>();
  for (const r of got) {
    const fields = r.value.split(',');
    assert.equal(fields.length, 15);
    assert.equal(r.key, fields[0], 'key = ip');
    const second = Math.floor(r.timestamp / 1000);
    assert.equal(fields[1], formatDay(second), 'date = the timestamp\'s day');
    assert.equal(fields[2], formatTime(second), 'time = the timestamp\'s second');
    assert.ok(r.timestamp >= startedMs - 1000 && r.timestamp <= endedMs + 1000, `timestamp ${r.timestamp} is "now"`);
    const key = Buffer.from(r.key);
    assert.equal(r.partition, partitionOf(key, 0, key.length, Math.max(partitions, 4)), 'partition of the key');
    perKeyGot.set(r.key, [...(perKeyGot.get(r.key) ?? []), unstamped(r.value)]);
  }
  assert.equal(perKeyGot.size, perKeyExpected.size, 'distinct keys');
  for (const [ip, rows] of perKeyExpected) assert.deepEqual(perKeyGot.get(ip), rows, `rows of ${ip}, in file order`);
}

describe('findoc replay against the real broker', () => {
  it('every valid row of the real 2017 sample arrives exactly once, in order per key, with its key, value and timestamp', async () => {
    const name = topic();
    const started = Date.now();
    const s = await replayJson([SAMPLE_2017, '--max', '--topic', name]);
    const ended = Date.now();
    assert.equal(s.visitsSent, 24_997);
    assert.equal(s.rejected, 2);
    assert.deepEqual(s.rejects.byReason, { bad_cik: 2 });
    await assertFaithful(name, SAMPLE_2017, started, ended);
  });

  it('every valid row of a whole real 2003 day (zip) arrives exactly once, in order per key', async () => {
    const name = topic();
    const started = Date.now();
    const s = await replayJson([DAY_2003, '--max', '--topic', name]);
    const ended = Date.now();
    assert.equal(s.visitsSent, 43_458);
    await assertFaithful(name, DAY_2003, started, ended);
  });

  it('--keep-time sends every valid row as it is in the file, with its own event time as timestamp, at any pace', async () => {
    // Independent of findoc's parser: the file's lines split on commas; the 2 rows with an exponent CIK are
    // the sample's rejects.
    const lines = readFileSync(SAMPLE_2017, 'utf8').split(/\r?\n/).slice(1).filter((l) => l !== '' && !/e\+/i.test(l.split(',')[4]));
    const perKey = new Map<string, { value: string; ms: number }[]>();
    for (const l of lines) {
      const f = l.split(',');
      const [y, mo, d] = f[1].split('-').map(Number);
      const [h, mi, se] = f[2].split(':').map(Number);
      perKey.set(f[0], [...(perKey.get(f[0]) ?? []), { value: l, ms: Date.UTC(y, mo - 1, d, h, mi, se) }]);
    }
    for (const pace of [['--max'], ['--rate', '50000']]) {
      const name = topic();
      const s = await replayJson([SAMPLE_2017, ...pace, '--keep-time', '--topic', name]);
      assert.equal(s.visitsSent, lines.length);
      assert.equal((s as unknown as { keepTime: boolean }).keepTime, true);
      const got = new Map<string, { value: string; ms: number }[]>();
      for (const r of await readTopic(name)) got.set(r.key, [...(got.get(r.key) ?? []), { value: r.value, ms: r.timestamp }]);
      assert.equal(got.size, perKey.size, `${pace.join(' ')}: distinct keys`);
      for (const [ip, rows] of perKey) assert.deepEqual(got.get(ip), rows, `${pace.join(' ')}: rows of ${ip} in file order, unchanged, original timestamps`);
    }
  });

  it('--speed keeps the original gaps, divided by the speed, in the record timestamps (and takes that long)', async () => {
    const name = topic();
    const path = join(REAL, 'log20170628-70rows.csv'); // 70 rows over 9 s, several per second
    const speed = 3;
    const started = Date.now();
    const s = await replayJson([path, '--speed', String(speed), '--topic', name]);
    const ended = Date.now();
    const elapsed = ended - started;
    assert.equal(s.visitsSent, 70);
    const original = await visitsOf(path);
    const got = await readTopic(name);
    // Same rows per key in the same order, so the i-th record of a key is the i-th row of that key.
    const byKey = new Map<string, number[]>();
    for (const v of original) byKey.set(v.ip, [...(byKey.get(v.ip) ?? []), v.second]);
    const first = original[0].second;
    const firstStamp = Math.min(...got.map((r) => r.timestamp));
    // "Now": within the run (how long the CLI takes to start on a loaded machine is not bounded here).
    assert.ok(firstStamp >= started - 1000 && firstStamp + 9000 / speed <= ended + 1000, 'the visits happen "now"');
    const seen = new Map<string, number>();
    for (const r of got) {
      const i = seen.get(r.key) ?? 0;
      seen.set(r.key, i + 1);
      const gap = byKey.get(r.key)![i] - first;
      assert.equal(r.timestamp - firstStamp, Math.round((gap * 1000) / speed), `${r.key} #${i}`);
    }
    // Paced, not dumped: 9 original seconds at 3x take at least 3 s (no upper bound: a shared machine).
    assert.ok(elapsed >= 9000 / speed - 200, `took ${elapsed} ms`);
  });

  it('reads days from an S3 prefix, selecting them with --from/--to', async () => {
    const store = new ObjectStore(config.s3);
    const bucket = uniqueName('it-replay');
    await store.ensureBucket(bucket);
    try {
      await store.put(bucket, 'edgar/logs/log20030301.zip', readFileSync(DAY_2003));
      await store.put(bucket, 'edgar/logs/log20170630.csv', readFileSync(SAMPLE_2017));
      const name = topic();
      const s = await replayJson([`s3://${bucket}/edgar/logs/`, '--from', '2003-03-01', '--to', '2003-03-01', '--max', '--limit', '5000', '--topic', name]);
      assert.equal(s.visitsSent, 5000);
      const expected = (await visitsOf(DAY_2003)).slice(0, 5000).map((v) => unstamped(v.line)).sort();
      assert.deepEqual((await readTopic(name)).map((r) => unstamped(r.value)).sort(), expected);
    } finally {
      for await (const o of store.list(bucket, '')) await store.delete(bucket, o.key);
      await store.client.send(new (await import('@aws-sdk/client-s3')).DeleteBucketCommand({ Bucket: bucket }));
      store.close();
    }
  });

  it('--limit N puts exactly the first N visits on the topic', async () => {
    const name = topic();
    const s = await replayJson([SAMPLE_2017, '--max', '--limit', '1000', '--topic', name]);
    assert.equal(s.visitsSent, 1000);
    assert.equal(s.stoppedBy, 'limit');
    const firstThousand = (await visitsOf(SAMPLE_2017)).slice(0, 1000).map((v) => unstamped(v.line)).sort();
    assert.deepEqual((await readTopic(name)).map((r) => unstamped(r.value)).sort(), firstThousand);
  });

  it('--loop starts again at the end and re-stamps forward: each pass is the previous one shifted in time', async () => {
    const name = topic();
    const path = join(REAL, 'log20040105-14rows.csv'); // 14 rows, 00:00:02 … 00:00:07
    const s = await replayJson([path, '--loop', '--speed', '100', '--limit', '42', '--topic', name]);
    assert.equal(s.visitsSent, 42);
    assert.equal(s.passes, 3);
    const ts = (await readTopic(name)).map((r) => r.timestamp).sort((a, b) => a - b);
    // A pass spans 5 original seconds; the next starts 1 s after its end: 6 s / 100 = 60 ms later.
    for (let j = 0; j < 28; j++) assert.equal(ts[j + 14] - ts[j], 60, `record ${j}`);
  });

  it('Ctrl-C flushes and reports what was sent: the topic holds exactly the reported count', async () => {
    const name = topic();
    const child = spawn(process.execPath, [BIN, 'replay', DAY_2003, '--rate', '5000', '--topic', name, '--json'], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Interrupt once records are flowing (the topic exists and has grown), well before the ~9 s end.
    const deadline = Date.now() + 30_000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 300));
      const n = await countOnTopic(name).catch(() => 0);
      if (n > 2000 || Date.now() > deadline) break;
    }
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr); // Ctrl-C: the clean summary (below), then 130
    const s = JSON.parse(stdout) as { visitsSent: number; stoppedBy: string };
    assert.equal(s.stoppedBy, 'signal');
    assert.ok(s.visitsSent > 0 && s.visitsSent < 43_458, `sent ${s.visitsSent}`);
    assert.equal(await countOnTopic(name), s.visitsSent);
  });

  it('a resent batch (same producer id, epoch and sequence: what a retry sends) is written once', async () => {
    const name = topic();
    await withAdmin(kafka, config.kafka, (admin) => ensureTopic(admin, name, 1));
    const client = new Producer({ clientId: 'findoc-test', bootstrapBrokers: config.kafka.brokers, retries: 2 });
    const pool = new ConnectionPool('findoc-test');
    try {
      const metadata = await client.metadata({ topics: [name], forceUpdate: true });
      const leader = metadata.brokers.get(metadata.topics.get(name)!.partitions[0].leader)!;
      const { producerId, producerEpoch } = await client.initIdempotentProducer({});
      const connection = await pool.get(leader);
      const seal = (rows: string[], sequence: number) => {
        const b = new RecordBatchBuilder();
        for (const r of rows) b.add(Buffer.from('k'), 0, 1, Buffer.from(r), 0, r.length, Date.now());
        return { partition: 0, count: rows.length, batch: b.seal(producerId, producerEpoch, sequence) };
      };
      const first = seal(['a', 'b', 'c'], 0);
      assert.equal((await producePartitions(connection, name, [first])).get(0), 0);
      const again = (await producePartitions(connection, name, [first])).get(0);
      assert.ok(again === 0 || again === DUPLICATE_SEQUENCE_NUMBER, `resend answered ${again}`);
      assert.equal((await producePartitions(connection, name, [seal(['d'], 3)])).get(0), 0);
      assert.deepEqual((await readTopic(name)).map((r) => r.value), ['a', 'b', 'c', 'd']);
    } finally {
      await Promise.allSettled([client.close(), pool.close()]);
    }
  });

  it('an unreachable broker is exit 69 naming the address and the setting', async () => {
    const r = await runCli(['--brokers', '127.0.0.1:1', 'replay', SAMPLE_2017, '--topic', topic()], {}, { timeoutMs: 60_000 });
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /Kafka at 127\.0\.0\.1:1/);
    assert.match(r.stderr, /KAFKA_BROKERS/);
  });

  it('--strict stops at the first rejected row: exit 65 naming file:line', async () => {
    const r = await runCli(['replay', SAMPLE_2017, '--max', '--strict', '--topic', topic()]);
    assert.equal(r.code, 65, r.stderr);
    assert.match(r.stderr, /log20170630-first24999rows\.csv:11818: rejected row \(bad_cik/);
  });

  it('a file with its columns reordered is sent in the SEC column order', async () => {
    const original = join(REAL, 'log20170611-first32rows.csv'); // CRLF line ends
    const lines = readFileSync(original, 'utf8').trim().split(/\r?\n/);
    const cols = lines[0].split(',');
    const order = [...cols.keys()].reverse();
    const path = join(dir, 'log20170611-reversed.csv');
    writeFileSync(path, lines.map((l) => order.map((k) => l.split(',')[k]).join(',')).join('\n') + '\n');
    const name = topic();
    const s = await replayJson([path, '--max', '--topic', name]);
    const expected = (await visitsOf(original)).map((v) => unstamped(v.line)).sort();
    assert.equal(s.visitsSent, expected.length);
    assert.equal(s.rejected, 0);
    assert.deepEqual((await readTopic(name)).map((r) => unstamped(r.value)).sort(), expected);
  });

  it('usage errors are exit 64', async () => {
    const cases = [['--speed', '0'], ['--speed', '2', '--max'], ['--start-at', '25:00:00'], ['--limit', '-3']];
    const results = await Promise.all(cases.map((args) => runCli(['replay', SAMPLE_2017, ...args, '--topic', 'never-created'])));
    results.forEach((r, i) => assert.equal(r.code, 64, `${cases[i].join(' ')}: ${r.stderr}`));
  });
});
