/**
 * The attention arithmetic (core/attention.ts) against hand computations: zero-filled baselines, F(W) of
 * windows inside a day and across midnight, E and z, the thresholds and the order, new companies, and the
 * enter/leave diff of alerts --follow.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DayCurve,
  alertChanges,
  attentionScore,
  baselineMeans,
  candidates,
  dayRanges,
  expectedVisits,
  meanCurve,
  parseAlertWindow,
  rankAlerts,
  scoreOne,
  windowFraction,
  type AttentionEntry,
} from '../../src/core/attention.js';
import { SECONDS_PER_DAY } from '../../src/core/visit.js';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

/** 1 visit a second on average, except 3 in the day's first minute and 0 in its last. */
function shapedCurve(): Float64Array {
  const c = new Float64Array(SECONDS_PER_DAY).fill(1);
  for (let s = 0; s < 60; s++) c[s] = 3;
  for (let s = SECONDS_PER_DAY - 60; s < SECONDS_PER_DAY; s++) c[s] = 0;
  return c;
}

describe('baselines', () => {
  it('are zero-filled means: a day without a visit counts 0', () => {
    // 3 days: A 6, 3, – ; B 3, –, – ; C –, –, 1
    const m = baselineMeans(
      [
        { cik: 1, visits: 6 },
        { cik: 2, visits: 3 },
        { cik: 1, visits: 3 },
        { cik: 3, visits: 1 },
      ],
      3,
    );
    assert.deepEqual([...m].sort((a, b) => a[0] - b[0]), [[1, 3], [2, 1], [3, 1 / 3]]);
  });

  it('need at least one day', () => {
    assert.throws(() => baselineMeans([], 0), RangeError);
  });

  it('the day curve is the mean per second of day, zero-filled seconds included', () => {
    const a = new Int32Array(SECONDS_PER_DAY);
    const b = new Int32Array(SECONDS_PER_DAY);
    a[0] = 4;
    b[0] = 2;
    b[86_399] = 3;
    const c = meanCurve([a, b]);
    assert.deepEqual([c[0], c[1], c[86_399]], [3, 0, 1.5]);
  });
});

describe('F(W): the share of a day the window holds', () => {
  it('inside a day: the curve over the window over the whole curve', () => {
    const curve = new DayCurve(shapedCurve());
    // total = 86,280 × 1 + 60 × 3 + 60 × 0 = 86,460
    assert.equal(curve.total, 86_460);
    close(curve.fraction(0, 59), 180 / 86_460);
    close(curve.fraction(100, 399), 300 / 86_460);
    // Event seconds (epoch) are taken modulo the day: 2017-06-30 00:00:00 … 00:00:59.
    const day = Date.UTC(2017, 5, 30) / 1000;
    close(curve.fraction(day, day + 59), 180 / 86_460);
  });

  it('a window crossing midnight takes the end of one day and the start of the next', () => {
    const curve = new DayCurve(shapedCurve());
    const midnight = Date.UTC(2017, 6, 1) / 1000;
    // 23:59:30 … 00:00:29: 30 seconds of 0, then 30 of 3 → 90
    close(curve.fraction(midnight - 30, midnight + 29), 90 / 86_460);
    assert.deepEqual(dayRanges(midnight - 30, midnight + 29), [{ from: 86_370, to: 86_399 }, { from: 0, to: 29 }]);
    assert.deepEqual(dayRanges(midnight, midnight + 299), [{ from: 0, to: 299 }]);
    assert.deepEqual(dayRanges(0, SECONDS_PER_DAY), [{ from: 0, to: SECONDS_PER_DAY - 1 }]);
    // The same sum from the two slices, as the PostgreSQL read does it.
    close(windowFraction(30 * 0 + 30 * 3, 86_460, 60), curve.fraction(midnight - 30, midnight + 29));
  });

  it('an empty history reads as a flat day', () => {
    const curve = new DayCurve(new Float64Array(SECONDS_PER_DAY));
    close(curve.fraction(0, 299), 300 / 86_400);
    close(windowFraction(0, 0, 300), 300 / 86_400);
  });

  it('hourly shares sum to 1', () => {
    const h = new DayCurve(shapedCurve()).hourly();
    assert.equal(h.length, 24);
    close(h.reduce((a, b) => a + b, 0), 1, 1e-9);
    close(h[0], (3540 + 180) / 86_460);
    close(h[23], (3600 - 60) / 86_460);
  });
});

describe('E and z', () => {
  it('E = m × F and z = (observed − E) / √(E + 1), by hand', () => {
    // 2,880 visits a day on a flat day: a 5-minute window expects 2,880 × 300 / 86,400 = 10.
    const f = new DayCurve(new Float64Array(SECONDS_PER_DAY).fill(2)).fraction(1000, 1299);
    close(f, 1 / 288);
    close(expectedVisits(2880, f), 10);
    close(attentionScore(30, 10), 20 / Math.sqrt(11)); // 6.0302…
    close(attentionScore(10, 10), 0);
    close(attentionScore(0, 3), -3 / 2);
  });

  it('a company never seen in the set expects 0, scores its visits and is new', () => {
    assert.deepEqual(scoreOne(42, 25, undefined, 0.01), { cik: 42, visits: 25, expected: 0, score: 25, new: true });
    const known = scoreOne(42, 25, 0, 0.01);
    assert.equal(known.new, false);
    assert.equal(known.score, 25);
  });
});

describe('the alert list', () => {
  const f = 1 / 288;
  const visits = new Map([
    [1, 30], // m 2,880 → E 10, z 6.03
    [2, 19], // new but below --min-visits 20
    [3, 25], // new: z 25
    [4, 100], // m 25,920 → E 90, z 10/√91 = 1.05: below --min-score 4
    [5, 30], // m 2,880, as CIK 1: same score, larger CIK after it
  ]);
  const m = new Map([
    [1, 2880],
    [4, 25_920],
    [5, 2880],
  ]);

  it('keeps companies passing both thresholds, highest score first, ties by the smaller CIK', () => {
    const list = rankAlerts(visits, (c) => m.get(c), f, { minVisits: 20, minScore: 4 });
    assert.deepEqual(list.map((e) => [e.cik, e.new]), [[3, true], [1, false], [5, false]]);
    close(list[1].expected, 10);
    close(list[1].score, 20 / Math.sqrt(11));
    assert.deepEqual(rankAlerts(visits, (c) => m.get(c), f, { minVisits: 20, minScore: 4 }, 2).map((e) => e.cik), [3, 1]);
    assert.deepEqual(rankAlerts(visits, (c) => m.get(c), f, { minVisits: 0, minScore: 0 }).map((e) => e.cik), [3, 2, 1, 5, 4]);
  });

  it('looks up baselines only for the CIKs with enough visits', () => {
    assert.deepEqual(candidates(visits, 20), [1, 3, 4, 5]);
  });
});

describe('alerts --follow: enter and leave', () => {
  const e = (cik: number, score: number): AttentionEntry => ({ cik, visits: 30, expected: 1, score, new: false });

  it('reports a company once when it enters, once when it leaves, never while it stays', () => {
    const first = alertChanges(new Map(), [e(7, 9), e(3, 5)]);
    assert.deepEqual(first.entered.map((x) => x.cik), [7, 3]);
    assert.deepEqual(first.left, []);
    const second = alertChanges(first.listed, [e(3, 8), e(7, 6)]);
    assert.deepEqual([second.entered, second.left], [[], []]);
    const third = alertChanges(second.listed, [e(9, 4.5), e(3, 7)]);
    assert.deepEqual(third.entered.map((x) => x.cik), [9]);
    assert.deepEqual(third.left.map((x) => [x.cik, x.score]), [[7, 6]]);
    const fourth = alertChanges(third.listed, []);
    assert.deepEqual(fourth.left.map((x) => x.cik), [3, 9]);
  });
});

describe('--window', () => {
  it('reads 1m, 5m, 10m and 1h, and refuses others (exit 64)', () => {
    assert.deepEqual(['1m', '5M', ' 10m', '1h'].map(parseAlertWindow), ['1m', '5m', '10m', '1h']);
    assert.throws(() => parseAlertWindow('10s'), (x: { code?: string }) => x.code === 'FINDOC_USAGE');
  });
});

describe('alerts --follow: a listed company stays until it falls below 3/4 of the thresholds', () => {
  const t = { minVisits: 20, minScore: 4 };
  const e = (cik: number, visits: number, score: number): AttentionEntry => ({ cik, visits, expected: 1, score, new: false });

  it('enters at the thresholds, stays at 15 visits and z 3, leaves below', async () => {
    const { followList, stayThresholds } = await import('../../src/core/attention.js');
    assert.deepEqual(stayThresholds(t), { minVisits: 15, minScore: 3 });
    // The read gives every company passing the stay thresholds; only listed ones may be below the entry ones.
    const first = alertChanges(new Map(), followList(new Map(), [e(1, 20, 5), e(2, 19, 9)], t));
    assert.deepEqual(first.entered.map((x) => x.cik), [1]);
    const hovering = alertChanges(first.listed, followList(first.listed, [e(1, 19, 4.5), e(2, 19, 9)], t));
    assert.deepEqual([hovering.entered, hovering.left], [[], []]);
    const still = alertChanges(hovering.listed, followList(hovering.listed, [e(1, 15, 3)], t));
    assert.deepEqual([still.entered, still.left], [[], []]);
    const gone = alertChanges(still.listed, followList(still.listed, [], t));
    assert.deepEqual(gone.left.map((x) => x.cik), [1]);
  });
});
