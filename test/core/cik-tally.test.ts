/** The per-CIK day tally (core/cik-tally.ts) equals a Map's counts, through growth and 10-digit CIKs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CikTally } from '../../src/core/cik-tally.js';

describe('CikTally', () => {
  it('counts like a Map, CIKs ascending, through many resizes', () => {
    const tally = new CikTally(2);
    const ref = new Map<number, number>();
    let x = 12345;
    for (let i = 0; i < 200_000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      // Skewed: many small CIKs, some 10-digit ones, zero included.
      const cik = i % 97 === 0 ? 9_999_999_999 - (x % 50) : i % 1013 === 0 ? 0 : x % 30_000;
      tally.add(cik);
      ref.set(cik, (ref.get(cik) ?? 0) + 1);
    }
    const { ciks, visits } = tally.toCounts();
    const expected = [...ref].sort((a, b) => a[0] - b[0]);
    assert.equal(tally.size, ref.size);
    assert.deepEqual([...ciks], expected.map((e) => e[0]));
    assert.deepEqual([...visits], expected.map((e) => e[1]));
    assert.equal(tally.get(0), ref.get(0));
    assert.equal(tally.get(123_456_789), 0);
  });

  it('is empty before any visit', () => {
    const { ciks, visits } = new CikTally().toCounts();
    assert.deepEqual([ciks.length, visits.length], [0, 0]);
  });
});

describe('DayCounter per-CIK counts (day_cik_counts)', () => {
  it('count exactly the visits the seconds count: filtered and other-day visits are out', async () => {
    const { DayCounter } = await import('../../src/core/day-counts.js');
    const { parseFilter } = await import('../../src/core/filter.js');
    const { LogParser } = await import('../../src/core/log-parser.js');
    const { EDGAR_HEADER } = await import('../../src/core/visit.js');
    const row = (date: string, cik: number, crawler = 0) => `1.2.3.abc,${date},10:00:00,0.0,${cik}.0,0001-17-1,-index.htm,200.0,10.0,0.0,0.0,0.0,0.0,${crawler}.0,`;
    const csv = [EDGAR_HEADER, row('2017-06-30', 320193), row('2017-06-30', 320193), row('2017-06-30', 1000, 1), row('2017-07-01', 320193), row('2017-06-30', 9_999_999_999)].join('\n');
    for (const [filter, expected] of [
      [undefined, [[1000, 1], [320193, 2], [9_999_999_999, 1]]],
      ['crawlers', [[320193, 2], [9_999_999_999, 1]]],
    ] as const) {
      const parser = new LogParser({ source: { name: 'log20170630.csv', date: '2017-06-30' } });
      const c = new DayCounter('2017-06-30', parseFilter(filter));
      const b = parser.push(Buffer.from(csv));
      if (b) c.add(b);
      const last = parser.end();
      if (last) c.add(last);
      const { ciks, visits } = c.ciks.toCounts();
      assert.deepEqual([...ciks].map((x, i) => [x, visits[i]]), expected);
      assert.equal([...visits].reduce((a, n) => a + n, 0), c.summary().visits);
    }
  });
});
