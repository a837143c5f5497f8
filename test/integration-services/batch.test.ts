/**
 * findoc batch against the real PostgreSQL and S3 of the local stack, in-process (runBatch), with its own
 * schema and bucket. Most runs parse in the test's thread (workers: 0): under tsx each worker thread
 * compiles the sources again (~1.5 s); the threaded path runs in the first and the --raw test here and in
 * every CLI test of batch-scale-out.test.ts. Day files are real SEC sample rows re-dated (test/helpers/edgar-days.ts); expected
 * counts come from an independent count of the same text, expected bands from PostgreSQL's own
 * percentile_cont. Scale-out and crashes (real child processes) are in batch-scale-out.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { readCountSlices } from '../../src/adapters/batch-store.js';
import { connectPostgres, migrate } from '../../src/adapters/postgres.js';
import { ObjectStore } from '../../src/adapters/s3.js';
import { failureCode, runBatch, type BatchOptions, type BatchReport } from '../../src/batch/run.js';
import { parseDayList } from '../../src/core/day-sets.js';
import { FindocError } from '../../src/core/errors.js';
import { parseFilter } from '../../src/core/filter.js';
import { EDGAR_HEADER } from '../../src/core/visit.js';
import { REAL, gz, independentCounts, readSample, redate } from '../helpers/edgar-days.js';
import { stackConfig, uniqueName, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const schema = uniqueSchema('it_batch');
const bucket = uniqueName('it-batch');
const S2003 = readSample('log20030301.csv');
const S2017 = readSample('log20170630-first24999rows.csv');

let pool: pg.Pool;
let store: ObjectStore;
let dir: string;
const notices: string[] = [];

function batch(opts: Partial<BatchOptions> & Pick<BatchOptions, 'inputs'>): Promise<BatchReport> {
  return runBatch(
    { filter: parseFilter(undefined), set: null, raw: false, force: false, workers: 0, leaseMs: 10_000, strict: false, maxSamples: 10, ...opts },
    { pool, postgres: { url: config.postgres.url, schema }, s3: config.s3, store, log: (m) => notices.push(m) },
  );
}

/** A fresh directory of day files: file name → content (latin1 text or bytes). */
function daysDir(name: string, files: Record<string, string | Buffer>): string {
  const d = join(dir, name);
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(join(d, file), typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
  return d;
}

/** Six days of `year`-04-01…06 (2003 unless told), each a different thinning of the real 2003-03-01 sample. */
function sixDays(year = 2003): Record<string, string> {
  const out: Record<string, string> = {};
  [2, 3, 4, 3, 5, 4].forEach((every, i) => {
    const day = `${year}-04-0${i + 1}`;
    out[`log${day.replace(/-/g, '')}.csv`] = redate(S2003, day, { every, offset: i % every });
  });
  return out;
}

/**
 * Six days of a year no other test uses, batched into set `name`: each test makes the state it reads, so
 * none depends on what another wrote (or on the order they run in).
 */
async function batchedSix(name: string, year: number): Promise<string> {
  const d = daysDir(name, sixDays(year));
  const r = await batch({ inputs: [d], set: { name } });
  assert.deepEqual(r.days.map((x) => x.status), Array(6).fill('processed'), `${name}: fresh days`);
  return d;
}

async function storedCounts(filter: string, day: string): Promise<Int32Array> {
  return (await readCountSlices(pool, filter, [day]))[0];
}

/** A set's bands as four arrays indexed by second of day. */
type Bands = { p25: number[]; p50: number[]; p75: number[]; p95: number[] };

async function bandsOf(set: string): Promise<Bands> {
  return (await pool.query<Bands>('SELECT p25, p50, p75, p95 FROM set_bands WHERE set_name = $1', [set])).rows[0];
}

/** percentile_cont computed by PostgreSQL over the stored counts of the set's member days. */
async function sqlBands(set: string): Promise<Bands> {
  const r = await pool.query<Bands>(
    `SELECT array_agg(p[1] ORDER BY i) AS p25, array_agg(p[2] ORDER BY i) AS p50, array_agg(p[3] ORDER BY i) AS p75, array_agg(p[4] ORDER BY i) AS p95
       FROM (SELECT u.i, percentile_cont(ARRAY[0.25, 0.5, 0.75, 0.95]) WITHIN GROUP (ORDER BY u.v) AS p
               FROM day_counts c
               JOIN day_sets s ON s.name = $1 AND s.filter = c.filter
               JOIN day_set_days m ON m.set_name = s.name AND m.day = c.day AND m.included,
                    unnest(c.counts) WITH ORDINALITY AS u(v, i)
              GROUP BY u.i) per_second`,
    [set],
  );
  return r.rows[0];
}

/** One second of a set's bands. */
function at(b: Bands, s: number) {
  return { p25: b.p25[s], p50: b.p50[s], p75: b.p75[s], p95: b.p95[s] };
}

describe('findoc batch against PostgreSQL and S3', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'findoc-batch-'));
    pool = await connectPostgres(config.postgres.url, { schema, max: 6 });
    await migrate(pool, schema);
    store = new ObjectStore(config.s3);
    await store.ensureBucket(bucket);
  });

  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    for await (const o of store.list(bucket, '')) await store.delete(bucket, o.key);
    await store.client.send(new (await import('@aws-sdk/client-s3')).DeleteBucketCommand({ Bucket: bucket }));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('per-second counts of the real sample days equal an independent count of the files (local .csv, S3 .csv.gz)', async () => {
    await store.put(bucket, 'real/log20170630.csv.gz', gz(S2017));
    const r = await batch({ inputs: [join(REAL, 'log20030301.csv'), `s3://${bucket}/real/`], workers: 2, set: { name: 'real' } });
    assert.deepEqual(
      r.days.map((d) => [d.day, d.status, d.here, d.visits, d.rejected, d.rejects]),
      [
        ['2003-03-01', 'processed', true, 43_458, 0, {}],
        ['2017-06-30', 'processed', true, 24_997, 2, { bad_cik: 2 }],
      ],
    );
    const e2003 = independentCounts(S2003);
    const e2017 = independentCounts(S2017);
    assert.equal(e2003.visits, 43_458);
    assert.deepEqual([e2017.visits, e2017.badCik], [24_997, 2]);
    assert.deepEqual(await storedCounts('all', '2003-03-01'), e2003.counts);
    assert.deepEqual(await storedCounts('all', '2017-06-30'), e2017.counts);
    const row = (await pool.query(`SELECT visits, valid_rows, rejected, rejects, source FROM day_counts WHERE day = '2017-06-30' AND filter = 'all'`)).rows[0];
    assert.deepEqual([Number(row.visits), Number(row.valid_rows), Number(row.rejected)], [24_997, 24_997, 2]);
    assert.equal(row.rejects.byReason.bad_cik, 2);
    assert.equal(row.rejects.samples[0].reason, 'bad_cik');
    assert.equal(row.source, `s3://${bucket}/real/log20170630.csv.gz`);
    assert.equal(r.set?.days, 2);
    assert.equal(failureCode(r), null);
  });

  it('bands equal percentile_cont computed in SQL over the stored counts, zero-filled seconds included', async () => {
    const d = daysDir('six', sixDays());
    const r = await batch({ inputs: [d], set: { name: 'six' } });
    assert.equal(r.totals.processed, 6);
    assert.deepEqual([r.set?.days, r.set?.recomputed], [6, true]);
    const ours = await bandsOf('six');
    const theirs = await sqlBands('six');
    let zeroSeconds = 0;
    for (const k of ['p25', 'p50', 'p75', 'p95'] as const) {
      assert.equal(ours[k].length, 86_400);
      assert.equal(theirs[k].length, 86_400);
      for (let s = 0; s < 86_400; s++) {
        assert.ok(Math.abs(ours[k][s] - theirs[k][s]) < 1e-9, `second ${s} ${k}: ${ours[k][s]} vs percentile_cont ${theirs[k][s]}`);
      }
    }
    for (let s = 0; s < 86_400; s++) if (ours.p25[s] === 0) zeroSeconds++;
    // The test means something only if zero-filled seconds weigh in: many seconds of 2003 had no visit.
    assert.ok(zeroSeconds > 10_000, `${zeroSeconds} seconds with p25 = 0`);
    assert.deepEqual(ours, theirs, 'not only within 1e-9: equal');
    // The row-per-second view says the same.
    const view = await pool.query(`SELECT second, p25, p50, p75, p95 FROM set_band_seconds WHERE set_name = 'six' AND second IN (0, 43200, 86399) ORDER BY second`);
    assert.deepEqual(view.rows, [0, 43_200, 86_399].map((s) => ({ second: s, ...at(ours, s) })));
  });

  it('a hand-checked small example: four days, a busy, a sparse and an empty second', async () => {
    const row = (time: string, day: string) => `1.2.3.abc,${day},${time},0.0,1000.0,x,y,200.0,1.0,0.0,0.0,0.0,0.0,0.0,`;
    const at0 = [3, 0, 10, 1];
    const files: Record<string, string> = {};
    at0.forEach((n, i) => {
      const day = `2001-01-0${i + 1}`;
      const lines = [EDGAR_HEADER, ...Array.from({ length: n }, () => row('00:00:00', day))];
      if (i === 2) lines.push(...Array.from({ length: 8 }, () => row('12:00:00', day)));
      files[`log${day.replace(/-/g, '')}.csv`] = lines.join('\n') + '\n';
    });
    const r = await batch({ inputs: [daysDir('hand', files)], set: { name: 'hand' } });
    assert.equal(r.set?.days, 4);
    const b = await bandsOf('hand');
    // second 0: sorted 0 1 3 10, pos 0.75 1.5 2.25 2.85
    const s0 = at(b, 0);
    assert.ok(Math.abs(s0.p25 - 0.75) < 1e-12 && s0.p50 === 2 && s0.p75 === 4.75 && Math.abs(s0.p95 - 8.95) < 1e-12, JSON.stringify(s0));
    // 12:00:00: sorted 0 0 0 8 → 0, 0, 0 + 8·0.25, 0 + 8·0.85
    const noon = at(b, 43_200);
    assert.ok(noon.p25 === 0 && noon.p50 === 0 && noon.p75 === 2 && Math.abs(noon.p95 - 6.8) < 1e-12, JSON.stringify(noon));
    // a second nobody visited: zeros, not missing
    assert.deepEqual(at(b, 1), { p25: 0, p50: 0, p75: 0, p95: 0 });
  });

  it('re-running is idempotent: unchanged days are skipped, --force replaces them with the same numbers', async () => {
    const d = await batchedSix('idem', 2004);
    const before = await bandsOf('idem');
    const counts = await pool.query(`SELECT day, counts, revision FROM day_counts WHERE filter = 'all' AND day BETWEEN '2004-04-01' AND '2004-04-06' ORDER BY day`);
    const again = await batch({ inputs: [d], set: { name: 'idem' } });
    assert.deepEqual(again.days.map((x) => x.status), Array(6).fill('skipped'));
    assert.deepEqual([again.set?.days, again.set?.recomputed], [6, false]);
    assert.deepEqual(await bandsOf('idem'), before);
    assert.deepEqual((await pool.query(`SELECT day, counts, revision FROM day_counts WHERE filter = 'all' AND day BETWEEN '2004-04-01' AND '2004-04-06' ORDER BY day`)).rows, counts.rows);

    const forced = await batch({ inputs: [d], set: { name: 'idem' }, force: true });
    assert.deepEqual(forced.days.map((x) => x.status), Array(6).fill('processed'));
    assert.equal(forced.set?.recomputed, true, 'new revisions: the set is recomputed');
    assert.deepEqual(await bandsOf('idem'), before, 'with the same bands');
    const after = await pool.query(`SELECT day, counts, revision FROM day_counts WHERE filter = 'all' AND day BETWEEN '2004-04-01' AND '2004-04-06' ORDER BY day`);
    assert.deepEqual(after.rows.map((x) => x.counts), counts.rows.map((x) => x.counts));
    assert.ok(after.rows.every((x, i) => Number(x.revision) > Number(counts.rows[i].revision)));
    assert.equal((await pool.query(`SELECT count(*)::int AS n FROM day_counts WHERE filter = 'all' AND day BETWEEN '2004-04-01' AND '2004-04-06'`)).rows[0].n, 6);

    // A changed file (new size and mtime) is processed again without --force; the others are skipped.
    const file = join(d, 'log20040403.csv');
    writeFileSync(file, redate(S2003, '2004-04-03', { every: 5 }));
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const changed = await batch({ inputs: [d], set: { name: 'idem' } });
    assert.deepEqual(
      changed.days.map((x) => [x.day, x.status]),
      ['2004-04-01', '2004-04-02', '2004-04-03', '2004-04-04', '2004-04-05', '2004-04-06'].map((day) => [day, day === '2004-04-03' ? 'processed' : 'skipped']),
    );
    assert.equal(changed.set?.recomputed, true);
    assert.deepEqual(await storedCounts('all', '2004-04-03'), independentCounts(redate(S2003, '2004-04-03', { every: 5 })).counts);
    assert.deepEqual(await bandsOf('idem'), await sqlBands('idem'));
  });

  it('sets of different filters coexist; a set keeps its filter', async () => {
    const d = await batchedSix('filters', 2005);
    await assert.rejects(
      batch({ inputs: [d], set: { name: 'filters' }, filter: parseFilter(undefined, true) }),
      (e: unknown) => e instanceof FindocError && e.exitCode === 64 && /filter "all", not "crawlers"/.test(e.message),
    );
    const humans = await batch({ inputs: [d], set: { name: 'filters-humans' }, filter: parseFilter(undefined, true) });
    assert.deepEqual(humans.days.map((x) => x.status), Array(6).fill('processed'), 'another filter is another day key');
    assert.equal(humans.set?.filter, 'crawlers');
    const r = await pool.query<{ filter: string; visits: string; filtered: string }>(
      `SELECT filter, sum(visits) AS visits, sum(filtered) AS filtered FROM day_counts WHERE day BETWEEN '2005-04-01' AND '2005-04-06' GROUP BY filter ORDER BY filter`,
    );
    assert.deepEqual(r.rows.map((x) => x.filter), ['all', 'crawlers']);
    assert.equal(Number(r.rows[1].visits) + Number(r.rows[1].filtered), Number(r.rows[0].visits));
    assert.ok(Number(r.rows[1].filtered) > 0, 'the 2003 sample has rows flagged as crawlers');
    assert.deepEqual(await bandsOf('filters-humans'), await sqlBands('filters-humans'));
  });

  it('--min-visits and --exclude-days leave days out of a set with their reason; the set remembers its rules', async () => {
    const d = await batchedSix('rules-base', 2006);
    const visits = (await pool.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, visits FROM day_counts WHERE filter = 'all' AND day BETWEEN '2006-04-01' AND '2006-04-06' ORDER BY visits`)).rows;
    const smallest = visits[0];
    const r = await batch({ inputs: [d], set: { name: 'rules', minVisits: Number(smallest.visits) + 1, exclude: parseDayList('2006-04-01') } });
    const left = Object.fromEntries(r.set?.leftOut.map((l) => [l.day, l.reason]) ?? []);
    assert.equal(left['2006-04-01'], 'excluded');
    if (smallest.day !== '2006-04-01') assert.equal(left[smallest.day], 'below_min_visits');
    assert.equal(r.set?.days, 6 - Object.keys(left).length);
    const db = (await pool.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, included, reason FROM day_set_days WHERE set_name = 'rules' AND NOT included ORDER BY day`)).rows;
    assert.deepEqual(Object.fromEntries(db.map((x) => [x.day, x.reason])), left);
    const again = await batch({ inputs: [d], set: { name: 'rules' } });
    assert.deepEqual([again.set?.minVisits, again.set?.excludeDays, again.set?.days, again.set?.recomputed], [Number(smallest.visits) + 1, [{ from: '2006-04-01', to: '2006-04-01' }], r.set?.days, false]);
    assert.deepEqual(await bandsOf('rules'), await sqlBands('rules'));
  });

  it('a corrupt file fails its day with a clear reason and does not stop the others', async () => {
    const good = redate(S2003, '2002-01-03', { every: 7 });
    const d = daysDir('corrupt', {
      'log20020101.csv.gz': gz(redate(S2003, '2002-01-01')).subarray(0, 5000), // truncated gzip
      'log20020102.csv': 'hello,world\n1,2\n', // not an EDGAR log
      'log20020103.csv': good,
      'log20020104.zip': Buffer.from('PK\x03\x04 this is not a zip at all', 'latin1'),
      'log20020105.csv.gz': Buffer.from('not gzip'),
    });
    const r = await batch({ inputs: [d], set: { name: 'corrupt' } });
    const byDay = Object.fromEntries(r.days.map((x) => [x.day, x]));
    assert.equal(byDay['2002-01-03'].status, 'processed');
    assert.equal(byDay['2002-01-03'].visits, independentCounts(good).visits);
    for (const day of ['2002-01-01', '2002-01-02', '2002-01-04', '2002-01-05']) {
      assert.equal(byDay[day].status, 'failed', day);
      assert.equal(byDay[day].error?.code, 'FINDOC_BAD_INPUT', day);
      assert.ok(byDay[day].error?.message.includes(`log${day.replace(/-/g, '')}`), `${day}: the message names the file: ${byDay[day].error?.message}`);
    }
    assert.match(byDay['2002-01-01'].error?.message ?? '', /corrupt gzip|unexpected end/i);
    assert.match(byDay['2002-01-02'].error?.message ?? '', /not an EDGAR log file/);
    assert.match(byDay['2002-01-04'].error?.message ?? '', /log20020104\.zip: not a readable zip file \(/);
    assert.equal(failureCode(r), 'FINDOC_BAD_INPUT');
    assert.deepEqual([r.set?.days, r.set?.leftOut.map((l) => l.reason)], [1, ['failed', 'failed', 'failed', 'failed']]);
    const jobs = (await pool.query(`SELECT status, error FROM batch_jobs WHERE day = '2002-01-02'`)).rows[0];
    assert.equal(jobs.status, 'failed');
    assert.match(jobs.error.message, /not an EDGAR log file/);
    // Fixed file, same command: the failed day is retried, the done one skipped.
    writeFileSync(join(d, 'log20020102.csv'), redate(S2003, '2002-01-02', { every: 9 }));
    const retry = await batch({ inputs: [d], set: { name: 'corrupt' } });
    assert.deepEqual(
      retry.days.map((x) => [x.day, x.status]),
      [['2002-01-01', 'failed'], ['2002-01-02', 'processed'], ['2002-01-03', 'skipped'], ['2002-01-04', 'failed'], ['2002-01-05', 'failed']],
    );
    assert.equal(retry.set?.days, 2);
  });

  it('--strict fails a day at its first rejected row, naming file and line', async () => {
    const r = await batch({ inputs: [join(REAL, 'log20170630-first24999rows.csv')], strict: true, filter: parseFilter('errors') });
    assert.equal(r.days[0].status, 'failed');
    assert.match(r.days[0].error?.message ?? '', /log20170630-first24999rows\.csv:\d+: rejected row \(bad_cik/);
  });

  it('files that cannot be placed on one day fail with the reason: no date in the name, two files for one day', async () => {
    const d = daysDir('unplaced', {
      'log20030301.csv': S2003,
      'log20030301.csv.gz': gz(S2003),
      'log20030302.csv': redate(S2003, '2003-03-02', { every: 10 }),
    });
    const undated = join(dir, 'unplaced-sample.csv');
    writeFileSync(undated, redate(S2003, '2003-03-03', { every: 10 }));
    const r = await batch({ inputs: [d, undated], filter: parseFilter('errors') });
    assert.deepEqual(
      r.days.map((x) => [x.day, x.status]),
      [['2003-03-01', 'failed'], ['2003-03-02', 'processed'], [null, 'failed']],
    );
    assert.match(r.days[0].error?.message ?? '', /2 files hold 2003-03-01/);
    assert.match(r.days[2].error?.message ?? '', /no logYYYYMMDD date in the file name/);
  });

  it('rows dated another day than their file are counted apart and stored with the day, never silently dropped', async () => {
    const text = redate(S2003, '2001-02-01', { every: 10 }) + redate(S2003, '2001-02-02', { every: 100 }).split('\n').slice(1).join('\n');
    const d = daysDir('otherday', { 'log20010201.csv': text });
    const r = await batch({ inputs: [d] });
    const own = independentCounts(redate(S2003, '2001-02-01', { every: 10 }));
    const stray = independentCounts(redate(S2003, '2001-02-02', { every: 100 }));
    assert.deepEqual([r.days[0].visits, r.days[0].otherDay, r.days[0].validRows], [own.visits, stray.visits, own.visits + stray.visits]);
    assert.deepEqual(await storedCounts('all', '2001-02-01'), own.counts);
    const row = (await pool.query(`SELECT other_day, other_days FROM day_counts WHERE day = '2001-02-01'`)).rows[0];
    assert.equal(Number(row.other_day), stray.visits);
    assert.deepEqual(row.other_days.byDate, { '2001-02-02': stray.visits });
    assert.equal(row.other_days.samples.length, 10);
  });

  it('--raw loads every valid row with COPY, one partition per day, replaced whole on re-run', async () => {
    const ugly = [
      EDGAR_HEADER,
      '1.2.3.abc,2000-01-01,00:00:01,0.0,320193.0,back\\slash\ttab,x\ry,200.0,,0.0,0.0,0.0,0.0,1.0,win',
      '1.2.3.abd,2000-01-01,23:59:59,-300.0,0000000001.0,café,-index.htm,404.0,5.0,1.0,1.0,1.0,10.0,0.0,',
      '1.2.3.abd,2000-01-01,23:59:59,0.0,1.21e+24,x,y,200.0,5.0,1.0,1.0,1.0,10.0,0.0,',
    ].join('\n');
    // A row with a NUL in accession and an invalid UTF-8 byte (0xFF) in extention: PostgreSQL text refuses
    // both, so the encoder writes U+FFFD in their place (src/core/raw-rows.ts) and the row still loads.
    const nulAndInvalid = Buffer.concat([
      Buffer.from('\n1.2.3.abe,2000-01-01,12:00:00,0.0,42.0,a', 'latin1'), Buffer.from([0x00]), Buffer.from('b,x', 'latin1'),
      Buffer.from([0xff]), Buffer.from('.htm,200.0,7.0,0.0,0.0,0.0,0.0,0.0,\n', 'latin1'),
    ]);
    const d = daysDir('raw', { 'log20000101.csv': Buffer.concat([Buffer.from(ugly, 'utf8'), nulAndInvalid]), 'log20030301.csv': S2003 });
    await store.put(bucket, 'raw/log20170630.csv.gz', gz(S2017));
    const inputs = [d, `s3://${bucket}/raw/`];
    const r = await batch({ inputs, raw: true, workers: 1, filter: parseFilter('crawlers') });
    assert.deepEqual(
      r.days.map((x) => [x.day, x.status, x.rawRows, x.validRows]),
      [
        ['2000-01-01', 'processed', 3, 3],
        ['2003-03-01', 'processed', 43_458, 43_458],
        ['2017-06-30', 'processed', 24_997, 24_997],
      ],
    );
    const perDay = async () =>
      (await pool.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, count(*)::int AS n, count(DISTINCT line)::int AS lines FROM raw_visits GROUP BY day ORDER BY day`)).rows;
    assert.deepEqual(await perDay(), [
      { day: '2000-01-01', n: 3, lines: 3 },
      { day: '2003-03-01', n: 43_458, lines: 43_458 },
      { day: '2017-06-30', n: 24_997, lines: 24_997 },
    ]);
    // The ugly fields survive COPY exactly.
    const rows = (await pool.query(`SELECT second, ip, cik, accession, extention, code, size, crawler, browser, zone, line FROM raw_visits WHERE day = '2000-01-01' ORDER BY line`)).rows;
    assert.deepEqual(rows, [
      { second: 1, ip: '1.2.3.abc', cik: '320193', accession: 'back\\slash\ttab', extention: 'x\ry', code: 200, size: null, crawler: 1, browser: 'win', zone: 0, line: 2 },
      { second: 86_399, ip: '1.2.3.abd', cik: '1', accession: 'café', extention: '-index.htm', code: 404, size: '5', crawler: 0, browser: '', zone: -300, line: 3 },
      { second: 43_200, ip: '1.2.3.abe', cik: '42', accession: 'a\uFFFDb', extention: 'x\uFFFD.htm', code: 200, size: '7', crawler: 0, browser: '', zone: 0, line: 5 },
    ]);
    // Same rows per CIK and second as the file says, for the question raw rows are indexed for.
    const who = await pool.query(`SELECT count(*)::int AS n FROM raw_visits WHERE day = '2017-06-30' AND cik = 1608552`);
    const expected = S2017.split('\n').filter((l) => l.split(',')[4] === '1608552.0').length;
    assert.equal(who.rows[0].n, expected);
    const plan = (await pool.query(`EXPLAIN SELECT ip FROM raw_visits WHERE day = '2017-06-30' AND cik = 1608552`)).rows.map((x) => x['QUERY PLAN']).join('\n');
    assert.match(plan, /raw_visits_20170630/);
    assert.doesNotMatch(plan, /raw_visits_20030301/, 'partition pruning by day');
    assert.match(plan, /raw_visits_20170630_cik_second/);

    // Again with --force: each partition is replaced, not appended to; no staging table is left.
    const again = await batch({ inputs, raw: true, force: true, filter: parseFilter('crawlers') });
    assert.deepEqual(again.days.map((x) => x.status), ['processed', 'processed', 'processed']);
    assert.deepEqual((await perDay()).map((x) => x.n), [3, 43_458, 24_997]);
    const stages = await pool.query(`SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relname LIKE 'raw_stage_%'`, [schema]);
    assert.deepEqual(stages.rows, []);
    const rawDays = await pool.query(`SELECT to_char(day, 'YYYY-MM-DD') AS day, rows::int, source FROM raw_days ORDER BY day`);
    assert.deepEqual(rawDays.rows.map((x) => [x.day, x.rows]), [['2000-01-01', 3], ['2003-03-01', 43_458], ['2017-06-30', 24_997]]);

    // A day stored without raw rows gets them when a later run asks for --raw.
    const d2 = daysDir('raw2', { 'log20030304.csv': redate(S2003, '2003-03-04', { every: 3 }) });
    await batch({ inputs: [d2], filter: parseFilter('crawlers') });
    const withRaw = await batch({ inputs: [d2], raw: true, filter: parseFilter('crawlers') });
    assert.equal(withRaw.days[0].status, 'processed');
    assert.equal(withRaw.days[0].rawRows, independentCounts(redate(S2003, '2003-03-04', { every: 3 })).visits);
  });
});
