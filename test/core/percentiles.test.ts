/**
 * percentile_cont-compatible bands. Expected values are worked by hand from the definition in
 * src/core/percentiles.ts (pos = p·(n−1), interpolate between v[⌊pos⌋] and v[⌈pos⌉]) and agree with
 * numpy.percentile's default ("linear"); test/integration-services/batch.test.ts checks equality with
 * PostgreSQL's own percentile_cont.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BAND_PROBABILITIES, percentile, percentileBands, percentileOfHistogram, percentileOfSorted } from '../../src/core/percentiles.js';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

/** Bands of one second: days given as that second's values. */
function bandsOf(values: number[]): number[] {
  return percentileBands(values.map((v) => Int32Array.of(v))).map((a) => a[0]);
}

describe('percentile (linear interpolation between closest ranks = percentile_cont = numpy default)', () => {
  it('D = 1: every percentile is the single value', () => {
    assert.deepEqual(bandsOf([7]), [7, 7, 7, 7]);
    assert.deepEqual(bandsOf([0]), [0, 0, 0, 0]);
  });

  it('D = 2: interpolates between the two values', () => {
    // pos = p·1: 1 + (2−1)·0.25 … 1 + 0.95
    const b = bandsOf([2, 1]);
    close(b[0], 1.25, 'p25');
    close(b[1], 1.5, 'p50');
    close(b[2], 1.75, 'p75');
    close(b[3], 1.95, 'p95');
  });

  it('even D = 4 (a zero-filled second among them): numpy.percentile([0,1,3,10], [25,50,75,95])', () => {
    // sorted 0 1 3 10; pos = 0.75, 1.5, 2.25, 2.85
    const b = bandsOf([3, 0, 10, 1]);
    close(b[0], 0.75, 'p25'); // 0 + (1−0)·0.75
    close(b[1], 2, 'p50'); // 1 + (3−1)·0.5
    close(b[2], 4.75, 'p75'); // 3 + (10−3)·0.25
    close(b[3], 8.95, 'p95'); // 3 + (10−3)·0.85
  });

  it('odd D = 5: ranks fall on values exactly except p95', () => {
    // sorted 0 0 2 4 100; pos = 1, 2, 3, 3.8
    const b = bandsOf([100, 0, 4, 2, 0]);
    assert.equal(b[0], 0);
    assert.equal(b[1], 2);
    assert.equal(b[2], 4);
    close(b[3], 80.8, 'p95'); // 4 + 96·0.8
  });

  it('ties: equal values give that value at every probability', () => {
    assert.deepEqual(bandsOf([3, 3, 3, 3]), [3, 3, 3, 3]);
    // 1 1 1 5 5: pos 1 → 1; 2 → 1; 3 → 5; 3.8 → 5
    assert.deepEqual(bandsOf([5, 1, 1, 5, 1]), [1, 1, 5, 5]);
  });

  it('zero-filled seconds count as zeros: a second busy on one day of four is 0 up to the median', () => {
    // DESIGN §2: the 2018 original dropped zeros and reported p25 = p95 = 8 here.
    // sorted 0 0 0 8; pos = 0.75, 1.5, 2.25, 2.85
    const b = bandsOf([0, 0, 8, 0]);
    assert.deepEqual(b.slice(0, 3), [0, 0, 2]); // p75: 0 + 8·0.25
    close(b[3], 6.8, 'p95'); // 0 + 8·0.85
  });

  it('D = 9: p95 interpolates between the two largest values', () => {
    // sorted 0 0 0 1 1 2 3 5 10; pos = 2, 4, 6, 7.6 → v[2] = 0, v[4] = 1, v[6] = 3, 5 + (10−5)·0.6 = 8
    const b = bandsOf([10, 0, 3, 1, 0, 5, 2, 1, 0]);
    assert.deepEqual(b.slice(0, 3), [0, 1, 3]);
    close(b[3], 8, 'p95');
  });

  it('is independent of the order of the days', () => {
    const days = [0, 4, 9, 1, 1, 7, 3, 12, 0, 5, 6].map((v) => Int32Array.of(v, v * 2, 0));
    const a = percentileBands(days);
    const b = percentileBands([...days].reverse());
    assert.deepEqual(a, b);
  });

  it('many seconds at once equal the per-second definition, below and above the insertion-sort cut-off', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (const days of [3, 24, 25, 61]) {
      const seconds = 200;
      const vectors = Array.from({ length: days }, () => Int32Array.from({ length: seconds }, () => (rand(4) === 0 ? 0 : rand(500))));
      const bands = percentileBands(vectors);
      for (let s = 0; s < seconds; s++) {
        const column = vectors.map((v) => v[s]);
        BAND_PROBABILITIES.forEach((p, k) => assert.equal(bands[k][s], percentile(column, p), `D=${days} s=${s} p=${p}`));
      }
    }
  });

  it('a whole day: 86,400 seconds per vector, probabilities of the caller\'s choosing', () => {
    const a = new Int32Array(86_400).fill(2);
    const b = new Int32Array(86_400);
    b[86_399] = 10;
    const [p0, p100] = percentileBands([a, b], [0, 1]);
    assert.equal(p0[0], 0);
    assert.equal(p100[0], 2);
    assert.equal(p0[86_399], 2);
    assert.equal(p100[86_399], 10);
  });

  it('no day: NaN (SQL NULL); vectors of different lengths and probabilities outside [0, 1] are refused', () => {
    assert.deepEqual(percentileBands([]).map((a) => a.length), [0, 0, 0, 0]);
    assert.ok(Number.isNaN(percentileOfSorted([], 0.5)));
    assert.throws(() => percentileBands([Int32Array.of(1, 2), Int32Array.of(1)]), RangeError);
    assert.throws(() => percentileBands([Int32Array.of(1)], [1.5]), RangeError);
    assert.throws(() => percentile([1], -0.1), RangeError);
  });
});

describe('percentileOfHistogram', () => {
  it('equals percentileOfSorted over the expanded values, for random histograms', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 200; round++) {
      const hist: [number, number][] = [];
      let v = 0;
      for (let k = 0, n = 1 + Math.floor(rand() * 6); k < n; k++) hist.push([(v += 1 + Math.floor(rand() * 100)), 1 + Math.floor(rand() * 5)]);
      const expanded = hist.flatMap(([value, c]) => Array.from({ length: c }, () => value));
      for (const p of [0, 0.25, 0.5, 0.95, 1]) assert.equal(percentileOfHistogram(hist, p), percentileOfSorted(expanded, p));
    }
    assert.ok(Number.isNaN(percentileOfHistogram([], 0.5)));
  });
});
