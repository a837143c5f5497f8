/**
 * The pure parts of findoc download (src/download/download.ts): the EDGAR CSV check that guards every stored
 * day, and the exit code of a run. The transfer itself runs against a local HTTP server and S3 in
 * test/integration-services/download.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import { checkEdgarCsv, runVerdict, type CsvStats, type DayOutcome, type DownloadResult } from '../../src/download/download.js';
import { EDGAR_HEADER } from '../../src/core/visit.js';

const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');

async function check(chunks: (string | Buffer)[]): Promise<{ out: Buffer; stats: CsvStats }> {
  const stats: CsvStats = { bytes: 0, rows: 0, sha256: '' };
  const parts: Buffer[] = [];
  async function* input() {
    for (const c of chunks) yield Buffer.from(c);
  }
  for await (const c of checkEdgarCsv(input(), 'log20170630.zip', stats)) parts.push(c);
  return { out: Buffer.concat(parts), stats };
}

const row = '101.81.133.jja,2017-06-30,00:00:00,0.0,1608552.0,0001047469-17-004337,-index.htm,200.0,80251.0,1.0,0.0,0.0,9.0,0.0,';
const isBadInput = (pattern: RegExp) => (e: unknown) => e instanceof FindocError && e.exitCode === 65 && pattern.test(e.message);

describe('checkEdgarCsv', () => {
  it('passes the real 2003-03-01 day through unchanged, counting its rows and hashing its bytes', async () => {
    const bytes = readFileSync(join(REAL, 'log20030301.csv'));
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 65_536) chunks.push(bytes.subarray(i, i + 65_536));
    const { out, stats } = await check(chunks);
    assert.ok(out.equals(bytes));
    assert.equal(stats.bytes, bytes.length);
    assert.equal(stats.rows, 43_458); // wc -l gives 43,459 lines: the header and 43,458 rows
    assert.equal(stats.sha256, createHash('sha256').update(bytes).digest('hex'));
  });

  it('finds the header split across many tiny chunks, and tolerates CRLF line ends', async () => {
    const text = `${EDGAR_HEADER}\r\n${row}\r\n${row}\r\n`;
    const { out, stats } = await check(text.match(/.{1,3}/gs) as string[]);
    assert.equal(out.toString(), text);
    assert.equal(stats.rows, 2);
  });

  it('counts a last row without a line end, and a header-only day as 0 rows', async () => {
    assert.equal((await check([`${EDGAR_HEADER}\n${row}\n${row}`])).stats.rows, 2);
    assert.equal((await check([`${EDGAR_HEADER}\n`])).stats.rows, 0);
    assert.equal((await check([EDGAR_HEADER])).stats.rows, 0);
  });

  it('refuses a CSV whose first line is not the EDGAR header before yielding a byte', async () => {
    const stats: CsvStats = { bytes: 0, rows: 0, sha256: '' };
    let yielded = 0;
    async function* input() {
      yield Buffer.from('ip,date,time,zone,cik\n');
      yield Buffer.from('1.2.3.abc,2017-06-30,00:00:00,0.0,1.0\n');
    }
    await assert.rejects(async () => {
      for await (const _ of checkEdgarCsv(input(), 'log20170630.zip', stats)) yielded++;
    }, isBadInput(/log20170630\.zip: not an EDGAR log: its first line is "ip,date,time,zone,cik"/));
    assert.equal(yielded, 0);
  });

  it('refuses an empty CSV, a header with extra columns, and binary junk without a line end', async () => {
    await assert.rejects(check([]), isBadInput(/empty/));
    await assert.rejects(check([`${EDGAR_HEADER},extra\n${row}\n`]), isBadInput(/not an EDGAR log/));
    await assert.rejects(check([`\ufeff${EDGAR_HEADER}\n`]), isBadInput(/not an EDGAR log/));
    await assert.rejects(check(Array.from({ length: 5 }, () => Buffer.alloc(20_000, 0x41))), isBadInput(/not an EDGAR log/));
  });
});

function day(status: DayOutcome['status'], failure?: DayOutcome['failure']): DayOutcome {
  return { date: '2017-06-30', url: 'u', status, target: 't', zipBytes: 0, csvBytes: 0, storedBytes: 0, rows: 0, seconds: 0, attempts: 1, failure };
}
const run = (days: DayOutcome[], extra: Partial<DownloadResult> = {}): DownloadResult => ({ days, interrupted: false, ...extra });

describe('runVerdict (exit codes)', () => {
  it('0 when every day is stored or skipped', () => {
    assert.equal(runVerdict(run([day('stored'), day('skipped')]), false).exitCode, 0);
  });

  it('a missing day is 65 unless --allow-missing', () => {
    assert.equal(runVerdict(run([day('stored'), day('missing')]), false).exitCode, 65);
    assert.match(runVerdict(run([day('stored'), day('missing')]), false).message!, /1 missing \(not published\) of 2 days/);
    assert.equal(runVerdict(run([day('stored'), day('missing')]), true).exitCode, 0);
  });

  it('bad data 65 outranks temporary failures 75; refused 69 outranks both; interrupted is 130', () => {
    assert.equal(runVerdict(run([day('failed', 'temporary')]), true).exitCode, 75);
    assert.equal(runVerdict(run([day('failed', 'temporary'), day('failed', 'bad-data')]), true).exitCode, 65);
    assert.equal(runVerdict(run([day('failed', 'bad-data'), day('failed', 'refused')]), true).exitCode, 69);
    assert.equal(runVerdict(run([day('failed', 'internal'), day('failed', 'bad-data')]), true).exitCode, 70);
    assert.equal(runVerdict(run([day('failed', 'interrupted')], { interrupted: true }), true).exitCode, 130);
  });

  it('a destination failure that stopped the run exits with its own code', () => {
    const fatal = new FindocError('FINDOC_SERVICE_UNAVAILABLE', 'S3 at 127.0.0.1:1 is unavailable');
    const v = runVerdict(run([day('failed', 'destination')], { fatal }), true);
    assert.equal(v.exitCode, 69);
    assert.match(v.message!, /S3 at 127\.0\.0\.1:1/);
  });
});
