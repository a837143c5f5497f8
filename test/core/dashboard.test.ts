import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chartSeries,
  clockTime,
  fit,
  formatCount,
  formatDataAge,
  formatDuration,
  formatLag,
  nextWindow,
  risingFastest,
  temperatureLines,
  topRows,
} from '../../src/core/dashboard.js';
import type { Band } from '../../src/core/temperature.js';
import { temperature } from '../../src/core/temperature.js';

const DAY = 1_498_780_800; // 2017-06-30T00:00:00Z

describe('window cycle', () => {
  it('10s → 1m → 5m → 1h → 10s', () => {
    assert.deepEqual([nextWindow('10s'), nextWindow('1m'), nextWindow('5m'), nextWindow('1h')], ['1m', '5m', '1h', '10s']);
  });
});

describe('rising fastest: window share now vs the previous window', () => {
  it('marks the largest share gains, at most three, ignoring tiny counts and losers', () => {
    const now = [
      { cik: 1, visits: 50 }, // 50% now, 50% before: no gain
      { cik: 2, visits: 20 }, // 20% now, 5% before: +15
      { cik: 3, visits: 15 }, // 15%, new: +15 (tie → smaller CIK first)
      { cik: 4, visits: 10 }, // 10%, 2%: +8
      { cik: 5, visits: 3 }, // 3%, 0%: +3
      { cik: 6, visits: 2 }, // too few visits to mark
    ];
    const previous = new Map([
      [1, 100],
      [2, 10],
      [4, 4],
    ]);
    const r = risingFastest(now, 100, previous, 200);
    assert.deepEqual(r.map((x) => x.cik), [2, 3, 4]);
    assert.ok(Math.abs(r[0].gain - 15) < 1e-9);
  });

  it('marks nothing without a previous window to compare with', () => {
    assert.deepEqual(risingFastest([{ cik: 1, visits: 100 }], 100, new Map(), 0), []);
  });
});

describe('formatting', () => {
  it('durations and data age', () => {
    assert.equal(formatDuration(0.42), '0.4 s');
    assert.equal(formatDuration(42.9), '42 s');
    assert.equal(formatDuration(725), '12 min 05 s');
    assert.equal(formatDuration(3 * 3600 + 7 * 60 + 9), '3 h 07 min');
    assert.equal(formatDuration(12 * 86_400 + 4 * 3600), '12 d 4 h');
    // Age counts from the END of the latest second.
    assert.equal(formatDataAge(DAY, (DAY + 1) * 1000 + 300), '0.3 s');
    assert.equal(formatDataAge(DAY, (DAY - 5) * 1000), '6.0 s ahead');
    assert.equal(formatDataAge(null, 0), 'no data');
  });

  it('counts and lag, per partition when it fits, else a total', () => {
    assert.deepEqual([formatCount(842), formatCount(12_345), formatCount(1_234_567)], ['842', '12.3k', '1.23M']);
    const parts = [
      { partition: 1, lag: 12 },
      { partition: 0, lag: 0 },
      { partition: 2, lag: 34_000 },
      { partition: 3, lag: null },
    ];
    assert.equal(formatLag(parts), 'lag p0 0 · p1 12 · p2 34.0k · p3 ?');
    assert.equal(formatLag(parts, 20), 'lag 34.0k (4 partitions, 1 unknown)');
    assert.equal(formatLag([]), 'lag ?');
  });

  it('clock times and fitted labels', () => {
    assert.equal(clockTime(DAY + 3661), '01:01:01');
    assert.equal(fit('Apple Inc. (AAPL)', 8), 'Apple I…');
    assert.equal(fit('Apple', 8), 'Apple');
  });
});

describe('chart series', () => {
  const band: Band = { p25: 1, p50: 2, p75: 3, p95: 4 };
  it('one point per second when it fits, labelled HH:MM:SS, bands per second of day', () => {
    const T = DAY + 10;
    const c = chartSeries({ from: T - 4, counts: [1, 2, 3, 4, 5] }, T, 5, () => band, 100);
    assert.deepEqual(c.x, ['00:00:06', '00:00:07', '00:00:08', '00:00:09', '00:00:10']);
    assert.deepEqual(c.visits, [1, 2, 3, 4, 5]);
    assert.deepEqual(c.p95, [4, 4, 4, 4, 4]);
    assert.equal(c.hasBands, true);
    assert.equal(c.maxY, 5);
  });

  it('averages seconds into buckets when the span has more seconds than the chart has points', () => {
    const T = DAY + 99;
    const counts = Array.from({ length: 100 }, (_, i) => i);
    const c = chartSeries({ from: DAY, counts }, T, 100, () => undefined, 10);
    assert.equal(c.visits.length, 10);
    assert.equal(c.visits[0], 4.5); // mean of 0…9
    assert.equal(c.hasBands, false);
    assert.ok(c.p25.every(Number.isNaN));
  });
});

describe('words', () => {
  it('the temperature box says level, rate, bands and trend', () => {
    const T = DAY + 100;
    const counts = [...new Array(10).fill(100), ...new Array(10).fill(200), 0];
    const t = temperature({ from: T - 20, counts }, T, () => ({ p25: 50, p50: 80, p75: 120, p95: 180 }));
    const lines = temperatureLines(t, 'default');
    assert.equal(lines[0], 'HOT');
    assert.equal(lines[1], '200 visits/s (last 10 s)');
    assert.match(lines[2], /p25 50\.0 · p75 120 · p95 180/);
    assert.match(lines[3], /"default" at 00:01:30–00:01:39/);
    assert.equal(lines[4], '↑ rising (+100%)');
  });

  it('says why there is no temperature', () => {
    assert.deepEqual(temperatureLines(temperature({ from: 0, counts: [] }, null, () => undefined), 'x'), ['UNKNOWN', 'waiting for the stream']);
    const t = temperature({ from: DAY, counts: [1] }, DAY + 20, () => undefined);
    assert.equal(temperatureLines(t, 'x', 'no day set "x": run findoc batch')[2], 'no day set "x": run findoc batch');
  });

  it('top rows carry rank, label and the rising mark', () => {
    const rows = topRows([{ cik: 7, visits: 9 }, { cik: 8, visits: 4 }], (c) => `CIK ${c}`, [{ cik: 8, gain: 5 }]);
    assert.deepEqual(rows, [
      { rank: 1, label: 'CIK 7', visits: 9, rising: false },
      { rank: 2, label: 'CIK 8', visits: 4, rising: true },
    ]);
  });
});
