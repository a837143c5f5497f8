/**
 * Percentile bands (DESIGN §2): for each second of the day s and a set of days D, the p25/p50/p75/p95 of
 * {visits(d, s) : d ∈ D}, where every day contributes its zero-filled count (a quiet second is a 0, never a
 * missing value).
 *
 * Definition — linear interpolation between closest ranks, numpy's default and PostgreSQL's
 * percentile_cont. For n values sorted ascending v[0] ≤ … ≤ v[n−1] and a probability p ∈ [0, 1]:
 *
 *   pos = p · (n − 1),  lo = ⌊pos⌋,  hi = ⌈pos⌉
 *   P(p) = v[lo]                              when lo = hi
 *        = v[lo] + (v[hi] − v[lo]) · (pos − lo) otherwise
 *
 * This is PostgreSQL's own arithmetic, step for step (percentile_cont_final_common and float8_lerp in
 * src/backend/utils/adt/orderedsetaggs.c and float.c, in float8), so results are not merely within 1e-9 of
 * `percentile_cont` but equal to it bit for bit. An empty set has no percentile: NaN (SQL's NULL).
 *
 * Cost: for D days and S seconds, one sort of D small integers per second, O(S · D log D). The D vectors are
 * read in tiles of seconds (TILE seconds of every day gathered into one contiguous scratch array) so that
 * the gathering walks memory sequentially instead of striding across D arrays once per second. Measured on
 * one core of the 2-vCPU development machine with random counts 0 … 500 (worse than real days, whose
 * columns hold many equal values): 86,400 seconds × 20 days 0.04 s, × 180 days 0.5 s, × 365 days 1.9 s.
 * A set is recomputed once per batch run, so this is not worth native code; memory is bounded by the
 * caller, which hands over slices of seconds (src/batch/day-sets.ts).
 */

/** The bands findoc stores for every second of a day set. */
export const BAND_PROBABILITIES = [0.25, 0.5, 0.75, 0.95] as const;

/** Seconds gathered per tile: TILE × D int32 of scratch (64 × 365 days ≈ 93 KB, within L2). */
const TILE = 64;

/**
 * percentile_cont of the first n values of an ascending array, for one probability p ∈ [0, 1]. NaN when
 * n = 0.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number, n: number = sorted.length): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile probability must be in [0, 1], got ${p}`);
  if (n === 0) return NaN;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const first = sorted[lo];
  if (hi === lo) return first;
  return first + (sorted[hi] - first) * (pos - lo);
}

/** percentile_cont of unsorted values (copied, then sorted numerically). */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return percentileOfSorted(sorted, p);
}

/**
 * Bands over many seconds at once. `vectors` holds one vector per day, all of the same length S (a whole
 * day's 86,400 counts, or a slice of seconds). Returns one Float64Array(S) per probability, in the order
 * given: result[k][s] = percentile_cont(probabilities[k]) of {vectors[d][s] : every d}.
 *
 * Values must be integers that fit in an int32 (visit counts); they are sorted as such.
 */
export function percentileBands(
  vectors: readonly ArrayLike<number>[],
  probabilities: readonly number[] = BAND_PROBABILITIES,
): Float64Array[] {
  for (const p of probabilities) {
    if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile probability must be in [0, 1], got ${p}`);
  }
  const days = vectors.length;
  const seconds = days === 0 ? 0 : vectors[0].length;
  for (const v of vectors) {
    if (v.length !== seconds) throw new RangeError(`every day's vector must have ${seconds} seconds, got one of ${v.length}`);
  }
  const out = probabilities.map(() => new Float64Array(seconds));
  if (days === 0) {
    for (const o of out) o.fill(NaN);
    return out;
  }
  // Per probability, the two ranks and the interpolation weight depend on D only: computed once.
  const ranks = probabilities.map((p) => {
    const pos = p * (days - 1);
    const lo = Math.floor(pos);
    return { lo, hi: Math.ceil(pos), frac: pos - lo };
  });
  const scratch = new Int32Array(TILE * days);
  const columns: Int32Array[] = [];
  for (let t = 0; t < TILE; t++) columns.push(scratch.subarray(t * days, (t + 1) * days));

  for (let s0 = 0; s0 < seconds; s0 += TILE) {
    const width = Math.min(TILE, seconds - s0);
    // Gather: column t of the tile holds second s0 + t of every day.
    for (let d = 0; d < days; d++) {
      const v = vectors[d];
      for (let t = 0, k = d; t < width; t++, k += days) scratch[k] = v[s0 + t];
    }
    for (let t = 0; t < width; t++) {
      const col = columns[t];
      sortColumn(col, days);
      for (let k = 0; k < ranks.length; k++) {
        const { lo, hi, frac } = ranks[k];
        const first = col[lo];
        out[k][s0 + t] = hi === lo ? first : first + (col[hi] - first) * frac;
      }
    }
  }
  return out;
}

/**
 * Sorts an int32 column ascending. Below ~24 values an insertion sort beats the engine's sort (no call
 * overhead); above, TypedArray.prototype.sort (numeric, native). A column that is all one value — the
 * common case at night over quiet years — is detected by the insertion pass for free.
 */
function sortColumn(col: Int32Array, n: number): void {
  if (n > 24) {
    col.sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const x = col[i];
    let j = i - 1;
    while (j >= 0 && col[j] > x) {
      col[j + 1] = col[j];
      j--;
    }
    col[j + 1] = x;
  }
}

/**
 * percentile_cont of values given as a histogram ([value, how many] ascending by value), without
 * expanding it: the same as percentileOfSorted over the expanded values. NaN when it is empty.
 */
export function percentileOfHistogram(hist: readonly (readonly [number, number])[], p: number): number {
  const n = hist.reduce((a, h) => a + h[1], 0);
  if (n === 0) return NaN;
  const pos = p * (n - 1);
  const at = (rank: number): number => {
    let seen = 0;
    for (const [v, c] of hist) {
      seen += c;
      if (rank < seen) return v;
    }
    return hist[hist.length - 1][0];
  };
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = at(lo);
  return lo === hi ? a : a + (at(hi) - a) * (pos - lo);
}
