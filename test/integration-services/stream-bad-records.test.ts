/**
 * Bad records from another client (issue 17 item 1): a plain kafkajs producer — not findoc replay — writes
 * real 2003-03-01 rows into a topic with bad records among them: binary garbage (NUL, 0xFF), invalid UTF-8
 * and latin-1 bytes, an empty value, a tombstone (null value), a 1 MB record, a row holding an LF, a row
 * with CRLF, the log's header line. findoc stream consumes the topic to its end:
 *   - it exits 0: no bad record stalls a partition or fails the run;
 *   - the per-second counts in Redis equal an independent count of the real rows (test/helpers/edgar-days.ts);
 *   - every bad record is rejected once, under the reason expected for it, and every kept sample is printable
 *     (no control byte reaches the terminal, --json or Redis).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Redis } from 'ioredis';
import { createKafka, ensureTopic, withAdmin } from '../../src/adapters/kafka/admin.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { runCli } from '../helpers/cli.js';
import { REAL, independentCounts } from '../helpers/edgar-days.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const DAY_START = Date.UTC(2003, 2, 1) / 1000;
const config = stackConfig();
const topic = uniqueName('it-stream-bad');
const prefix = `${uniqueName('it-stream-bad')}:`;
let redis: Redis;

/** The bad records, each with the reject reason the stream must give it (null: the parser's choice, any). */
const BAD: { what: string; value: Buffer | null; reason: string | null }[] = [
  { what: 'tombstone', value: null, reason: 'empty_record' },
  { what: 'empty value', value: Buffer.alloc(0), reason: 'empty_record' },
  { what: 'NUL and 0xFF garbage', value: Buffer.from([0, 0xff, 0xfe, 0, 0x41, 0x2c, 0, 0xff]), reason: null },
  { what: 'invalid UTF-8 in a row', value: Buffer.from('1.2.3.abc,2003-03-01,00:00:01,500.0,\xc3\x28,0001,\xff.txt,200.0,1.0,0.0,0.0,0.0,10.0,0.0,win', 'latin1'), reason: null },
  { what: 'latin-1 garbage', value: Buffer.from('ÿþý,é,à', 'latin1'), reason: null },
  { what: '1 MB record', value: Buffer.alloc(1_000_000, 0x41), reason: null },
  { what: 'a row holding an LF', value: Buffer.from('1.2.3.abc,2003-03-01\n,00:00:01,500.0,1.0,x,.txt,200.0,1.0,0.0,0.0,0.0,10.0,0.0,win'), reason: null },
  { what: 'the header line', value: Buffer.from('ip,date,time,zone,cik,accession,extention,code,size,idx,norefer,noagent,find,crawler,browser'), reason: null },
];

describe('stream: bad records from another client never fail a run or stall a partition', () => {
  before(async () => {
    redis = await connectRedis(config.redis.url);
  });
  after(async () => {
    await new StreamState(redis, prefix).reset().catch(() => undefined);
    redis.disconnect();
  });

  it('real rows with garbage, empty, tombstone, 1 MB and split records among them: exact counts, every bad record rejected once', async (t) => {
    const text = readFileSync(join(REAL, 'log20030301.csv'), 'latin1');
    const lines = text.split('\n').filter((l) => l !== '');
    const rows = lines.slice(1, 6001);
    // One valid row sent with CRLF: the parser accepts CR before the line end, so it must count.
    const expected = independentCounts([lines[0], ...rows].join('\n') + '\n');
    assert.equal(expected.visits, rows.length, 'every chosen real row is valid');

    const kafka = createKafka(config.kafka, { retries: 5 });
    await withAdmin(kafka, config.kafka, (admin) => ensureTopic(admin, topic, 3));
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages: { key: string; value: Buffer | null }[] = [];
    rows.forEach((row, i) => {
      messages.push({ key: row.slice(0, row.indexOf(',')), value: Buffer.from(i === 17 ? row + '\r' : row, 'latin1') });
      if (i % 700 === 350) {
        const bad = BAD[messages.filter((m) => m.key.startsWith('bad-')).length % BAD.length];
        messages.push({ key: `bad-${i}`, value: bad.value });
      }
    });
    for (const bad of BAD) messages.push({ key: `bad-${bad.what}`, value: bad.value });
    const badCount = messages.filter((m) => m.key.startsWith('bad-')).length;
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) });
    await producer.disconnect();

    const r = await runCli(['stream', '--topic', topic, '--group', `${prefix}g`, '--redis-prefix', prefix, '--start-offset', 'earliest', '--until-end', '--json'], {}, { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { records: number; visits: number; rejected: { total: number; byReason: Record<string, number>; samples?: { text: string }[] } };
    assert.equal(report.records, messages.length, 'every record read');
    assert.equal(report.visits, rows.length, 'every real row counted');
    assert.equal(report.rejected.total, badCount, `every bad record rejected once: ${JSON.stringify(report.rejected.byReason)}`);
    const empties = messages.filter((m) => m.key.startsWith('bad-') && (m.value === null || m.value.length === 0)).length;
    assert.equal(report.rejected.byReason.empty_record, empties, 'tombstones and empty values');
    t.diagnostic(`${messages.length} records, ${badCount} rejected: ${JSON.stringify(report.rejected.byReason)}`);

    const state = new StreamState(redis, prefix);
    const live = await state.readVisitsPerSecond(DAY_START, DAY_START + 86_399);
    assert.deepEqual(Int32Array.from(live.counts), expected.counts, 'per-second counts = independent count');
    const progress = await state.readProgress();
    assert.equal(progress.records, messages.length);
    assert.equal(progress.rejected, badCount);

    // Samples, on stdout and on stderr, are printable: no C0 control byte but LF, no DEL, no C1.
    for (const out of [r.stdout, r.stderr]) {
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(out.replace(/\n/g, ''), /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/, 'printable output');
    }
  });

  it('a log file with bad bytes through replay and stream: replay rejects the bad lines of the file, the rest counts exactly', async (t) => {
    const text = readFileSync(join(REAL, 'log20030301.csv'), 'latin1');
    const lines = text.split('\n').filter((l) => l !== '');
    const rows = lines.slice(1, 4001);
    const garbage = [
      Buffer.from([0x31, 0x2e, 0, 0xff, 0x2c, 0x0d, 0x0a]),
      Buffer.from('1.2.3.abc,2003-03-01,00:00:01,500.0,\xc3\x28,0001,\xff.txt,200.0,1.0,0.0,0.0,0.0,10.0,0.0,win\n', 'latin1'),
      Buffer.from('ÿþý,é,à\r\n', 'latin1'),
    ];
    const parts: Buffer[] = [Buffer.from(lines[0] + '\n')];
    rows.forEach((row, i) => {
      // CRLF mixed with LF, and a garbage line every 500 rows.
      parts.push(Buffer.from(row + (i % 3 === 0 ? '\r\n' : '\n'), 'latin1'));
      if (i % 500 === 250) parts.push(garbage[(i / 500) % garbage.length | 0]);
    });
    // A last line of 10 MB without a newline.
    parts.push(Buffer.alloc(10 * 1024 * 1024, 0x7a));
    const bad = parts.length - 1 - rows.length;
    const dir = mkdtempSync(join(tmpdir(), 'findoc-bad-'));
    try {
      const file = join(dir, 'log20030301.csv');
      writeFileSync(file, Buffer.concat(parts));
      const own = `${topic}-replay`;
      const sent = await runCli(['replay', file, '--topic', own, '--keep-time', '--max', '--json'], {}, { timeoutMs: 120_000 });
      assert.equal(sent.code, 0, sent.stderr);
      const s = JSON.parse(sent.stdout) as { visitsSent: number; rejected: number; rejects: { byReason: Record<string, number>; samples?: { text: string }[] } };
      assert.equal(s.visitsSent, rows.length, 'every real row sent');
      assert.equal(s.rejected, bad, `every garbage line rejected: ${JSON.stringify(s.rejects.byReason)}`);
      t.diagnostic(`replay: ${s.visitsSent} sent, ${s.rejected} rejected ${JSON.stringify(s.rejects.byReason)}`);

      const own_prefix = `${prefix}replay:`;
      const r = await runCli(['stream', '--topic', own, '--group', `${own_prefix}g`, '--redis-prefix', own_prefix, '--start-offset', 'earliest', '--until-end', '--json'], {}, { timeoutMs: 120_000 });
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as { visits: number; rejected: { total: number } };
      assert.deepEqual([report.visits, report.rejected.total], [rows.length, 0], 'replay sends only valid visits');
      const state = new StreamState(redis, own_prefix);
      const live = await state.readVisitsPerSecond(DAY_START, DAY_START + 86_399);
      assert.deepEqual(Int32Array.from(live.counts), independentCounts([lines[0], ...rows].join('\n') + '\n').counts, 'per-second counts = independent count');
      await state.reset();
      for (const out of [sent.stdout, sent.stderr]) {
        // eslint-disable-next-line no-control-regex
        assert.doesNotMatch(out.replace(/\n/g, ''), /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/, 'printable output');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
