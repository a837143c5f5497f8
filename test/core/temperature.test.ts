import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IDLE_MS, classify, lastCompleteSecond, meanBand, secondOfDay, temperature, trend, type Band } from '../../src/core/temperature.js';

const band: Band = { p25: 10, p50: 15, p75: 20, p95: 30 };
const flat = () => band;
/** 2017-06-30T00:00:00Z */
const DAY = 1_498_780_800;

function series(from: number, counts: number[]) {
  return { from, counts };
}

describe('temperature levels: cold < p25 ≤ normal ≤ p75 < warm ≤ p95 < hot', () => {
  it('puts each boundary on the documented side', () => {
    assert.equal(classify(9.99, band), 'cold');
    assert.equal(classify(10, band), 'normal');
    assert.equal(classify(20, band), 'normal');
    assert.equal(classify(20.01, band), 'warm');
    assert.equal(classify(30, band), 'warm');
    assert.equal(classify(30.01, band), 'hot');
  });
});

describe('the last complete second E', () => {
  it('is T − 1 while the stream applies (T is still filling), T once it has been idle for 2 s', () => {
    const T = DAY + 3600;
    const now = 1_000_000;
    assert.equal(lastCompleteSecond(T, now - 100, now), T - 1);
    assert.equal(lastCompleteSecond(T, now - IDLE_MS, now), T);
    assert.equal(lastCompleteSecond(T, null, now), T - 1);
    assert.equal(lastCompleteSecond(null, null, now), null);
  });
});

describe('temperature over the 10 seconds ending at E', () => {
  it('measures the mean of [E − 9, E], so a filling second T = E + 1 is left out', () => {
    const T = DAY + 3600;
    // Seconds T-10 … T-1 have 25 visits each (warm); T itself has 1,000 (must not count); earlier ones 0.
    const counts = new Array(30).fill(0);
    for (let s = T - 10; s < T; s++) counts[s - (T - 29)] = 25;
    counts[29] = 1000;
    const t = temperature(series(T - 29, counts), T - 1, flat);
    assert.equal(t.rate, 25);
    assert.equal(t.level, 'warm');
    assert.deepEqual([t.from, t.to], [T - 10, T - 1]);
  });

  it('zero-fills seconds missing from the series (a quiet second is a 0)', () => {
    const T = DAY + 100;
    const t = temperature(series(T - 2, [50, 50, 50]), T - 1, flat);
    assert.equal(t.rate, 10); // 2 seconds of 50 over 10
    assert.equal(t.level, 'normal');
  });

  it('compares with the mean band of the same seconds of day, across midnight', () => {
    const T = DAY + 5; // E = 00:00:04: M = 23:59:55 … 00:00:04
    const bandAt = (sod: number): Band => (sod >= 86_395 ? { p25: 0, p50: 0, p75: 0, p95: 0 } : { p25: 100, p50: 100, p75: 100, p95: 100 });
    const t = temperature(series(T - 10, new Array(11).fill(60)), T - 1, bandAt);
    // 5 seconds at 0 and 5 at 100: mean band 50 everywhere; 60 > p95 = 50.
    assert.deepEqual(t.band, { p25: 50, p50: 50, p75: 50, p95: 50 });
    assert.equal(t.level, 'hot');
  });

  it('is unknown without bands for every measured second, or before any data', () => {
    const T = DAY + 50;
    const partial = (sod: number) => (sod === secondOfDay(T - 3) ? undefined : band);
    assert.equal(temperature(series(T - 10, new Array(11).fill(5)), T - 1, partial).level, 'unknown');
    assert.equal(temperature(series(T - 10, new Array(11).fill(5)), T - 1, partial).rate, 5);
    const none = temperature(series(0, []), null, flat);
    assert.equal(none.level, 'unknown');
    assert.equal(none.rate, null);
    assert.equal(meanBand(flat, []), undefined);
  });
});

describe('short trend', () => {
  const T = DAY + 1000;
  const twenty = (before: number, now: number) => series(T - 20, [...new Array(10).fill(before), ...new Array(10).fill(now), 0]);
  const E = T - 1;

  it('rising or falling when the change beats both 10% and twice the Poisson noise', () => {
    assert.equal(trend(twenty(200, 240), E).direction, 'rising');
    assert.equal(trend(twenty(240, 200), E).direction, 'falling');
    const r = trend(twenty(200, 240), E);
    assert.equal(r.change, 40);
    assert.equal(r.relative, 0.2);
  });

  it('steady for small counts (1 → 1.5 visits/s is noise) and for changes under 10%', () => {
    assert.equal(trend(twenty(1, 1.5), E).direction, 'steady');
    assert.equal(trend(twenty(3, 5), E).direction, 'rising');
    assert.equal(trend(twenty(2000, 2150), E).direction, 'steady');
    assert.equal(trend(twenty(0, 0), E).direction, 'steady');
    assert.equal(trend(twenty(0, 0), E).relative, null);
  });
});
