/**
 * Per-second counting of one day (src/core/day-counts.ts): zero-filled counts, the filter, rows of another
 * day, and equality with an independent count of the real 2003-03-01 file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DayCounter } from '../../src/core/day-counts.js';
import { parseFilter } from '../../src/core/filter.js';
import { LogParser } from '../../src/core/log-parser.js';
import { EDGAR_HEADER, type VisitBatch } from '../../src/core/visit.js';

const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');

function batchesOf(text: string | Buffer, date: string | null, chunk = 1 << 20): VisitBatch[] {
  const parser = new LogParser({ source: { name: 'test.csv', date } });
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const out: VisitBatch[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    const b = parser.push(bytes.subarray(i, i + chunk));
    if (b) out.push(b);
  }
  const last = parser.end();
  if (last) out.push(last);
  return out;
}

/** A valid row; `crawler` 0/1 and `code` as written. */
function row(date: string, time: string, opts: { crawler?: number; code?: number; cik?: number } = {}): string {
  return `1.2.3.abc,${date},${time},0.0,${opts.cik ?? 1000}.0,0001-17-1,-index.htm,${opts.code ?? 200}.0,10.0,0.0,0.0,0.0,0.0,${opts.crawler ?? 0}.0,`;
}

describe('DayCounter', () => {
  it('counts visits per second of the day, zero elsewhere', () => {
    const csv = [EDGAR_HEADER, row('2017-06-30', '00:00:00'), row('2017-06-30', '00:00:00'), row('2017-06-30', '13:45:07'), row('2017-06-30', '23:59:59')].join('\n');
    const c = new DayCounter('2017-06-30', parseFilter(undefined));
    for (const b of batchesOf(csv, '2017-06-30')) c.add(b);
    assert.equal(c.counts.length, 86_400);
    assert.equal(c.counts[0], 2);
    assert.equal(c.counts[13 * 3600 + 45 * 60 + 7], 1);
    assert.equal(c.counts[86_399], 1);
    assert.equal(c.counts.reduce((a, b) => a + b, 0), 4);
    const s = c.summary();
    assert.deepEqual(
      { visits: s.visits, filtered: s.filtered, otherDay: s.otherDay, busy: s.busySeconds, peak: [s.peakSecond, s.peakVisits], filter: s.filter },
      { visits: 4, filtered: 0, otherDay: 0, busy: 3, peak: [0, 2], filter: 'all' },
    );
  });

  it('an empty day is 86,400 zeros', () => {
    const c = new DayCounter('2003-01-01', parseFilter(undefined));
    for (const b of batchesOf(EDGAR_HEADER + '\n', '2003-01-01')) c.add(b);
    assert.equal(c.counts.length, 86_400);
    assert.ok(c.counts.every((v) => v === 0));
    assert.deepEqual([c.summary().visits, c.summary().busySeconds, c.summary().peakVisits], [0, 0, 0]);
  });

  it('applies the shared filter: dropped visits are counted as filtered, not lost', () => {
    const csv = [
      EDGAR_HEADER,
      row('2017-06-30', '00:00:01'),
      row('2017-06-30', '00:00:01', { crawler: 1 }),
      row('2017-06-30', '00:00:02', { code: 404 }),
      row('2017-06-30', '00:00:02', { code: 304 }),
    ].join('\n');
    const count = (spec: string | undefined, crawlers = false) => {
      const c = new DayCounter('2017-06-30', parseFilter(spec, crawlers));
      for (const b of batchesOf(csv, '2017-06-30')) c.add(b);
      return { s1: c.counts[1], s2: c.counts[2], ...(({ visits, filtered, filter }) => ({ visits, filtered, filter }))(c.summary()) };
    };
    assert.deepEqual(count(undefined), { s1: 2, s2: 2, visits: 4, filtered: 0, filter: 'all' });
    assert.deepEqual(count(undefined, true), { s1: 1, s2: 2, visits: 3, filtered: 1, filter: 'crawlers' });
    assert.deepEqual(count('errors'), { s1: 2, s2: 1, visits: 3, filtered: 1, filter: 'errors' });
    assert.deepEqual(count('crawlers,errors'), { s1: 1, s2: 1, visits: 2, filtered: 2, filter: 'crawlers+errors' });
  });

  it('rows dated another day than the file are not counted, but counted per date with samples (never dropped silently)', () => {
    const csv = [
      EDGAR_HEADER,
      row('2017-06-29', '23:59:59'), // line 2
      row('2017-06-30', '00:00:00'),
      row('2017-07-01', '00:00:00'), // line 4
      row('2017-07-01', '00:00:05'), // line 5
      row('2017-06-30', '12:00:00', { crawler: 1 }),
    ].join('\r\n');
    const c = new DayCounter('2017-06-30', parseFilter('crawlers'), { maxSamples: 2 });
    for (const b of batchesOf(csv, '2017-06-30')) c.add(b);
    const s = c.summary();
    assert.equal(s.visits, 1);
    assert.equal(s.filtered, 1);
    assert.equal(s.otherDay, 3);
    assert.deepEqual(s.otherDays, { '2017-06-29': 1, '2017-07-01': 2 });
    assert.deepEqual(s.otherDaySamples, [
      { line: 2, date: '2017-06-29' },
      { line: 4, date: '2017-07-01' },
    ]);
    // valid rows = counted + filtered + other day
    assert.equal(s.visits + s.filtered + s.otherDay, 5);
  });

  it('the result does not depend on how the file was cut into batches', () => {
    const bytes = readFileSync(join(REAL, 'log20170630-first24999rows.csv'));
    const whole = new DayCounter('2017-06-30', parseFilter(undefined));
    for (const b of batchesOf(bytes, '2017-06-30')) whole.add(b);
    const pieces = new DayCounter('2017-06-30', parseFilter(undefined));
    for (const b of batchesOf(bytes, '2017-06-30', 4093)) pieces.add(b);
    assert.deepEqual(pieces.counts, whole.counts);
    assert.equal(whole.summary().visits, 24_997);
  });

  it('2003-03-01: counts equal an independent count of the file by its time column', () => {
    const text = readFileSync(join(REAL, 'log20030301.csv'), 'latin1');
    // Independent count: split lines and fields by hand, index by the `time` column, no parser involved.
    const lines = text.split(/\r?\n/).filter((l) => l !== '');
    const header = lines[0].split(',');
    const t = header.indexOf('time');
    const expected = new Int32Array(86_400);
    for (const line of lines.slice(1)) {
      const [hh, mm, ss] = line.split(',')[t].split(':').map(Number);
      expected[hh * 3600 + mm * 60 + ss]++;
    }
    const c = new DayCounter('2003-03-01', parseFilter(undefined));
    for (const b of batchesOf(Buffer.from(text, 'latin1'), '2003-03-01')) c.add(b);
    assert.equal(c.summary().visits, 43_458);
    assert.deepEqual(c.counts, expected);
  });

  it('refuses a non-day', () => {
    assert.throws(() => new DayCounter('2017-02-30', parseFilter(undefined)), RangeError);
  });
});
