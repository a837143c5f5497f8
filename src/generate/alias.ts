/**
 * Walker's alias method (Vose's stable construction): O(n) to build, O(1) to draw from a discrete
 * distribution of any skew. The generator draws several skewed choices per row (CIK, IP, status code,
 * document class…) at ≥ 1 M rows/s, which a cumulative array + binary search (17 steps over 150,000 CIKs)
 * would make the bottleneck.
 */
import type { Sfc32 } from './prng.js';

export class AliasTable {
  readonly size: number;
  /** Probability of keeping column i (else take alias[i]). */
  private readonly keep: Float64Array;
  private readonly alias: Int32Array;
  /**
   * alias[i] + keep[i] in one number (keep < 1; a column kept always is stored as i + 0.5 with alias i):
   * drawFast then reads one array slot — one cache miss instead of two in the 150,000-entry CIK table.
   */
  readonly packed: Float64Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError('AliasTable: no weights');
    let total = 0;
    for (let i = 0; i < n; i++) {
      const w = weights[i];
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`AliasTable: bad weight ${w} at ${i}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('AliasTable: weights sum to 0');
    this.size = n;
    this.keep = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = new Float64Array(n);
    const small = new Int32Array(n);
    const large = new Int32Array(n);
    let ns = 0;
    let nl = 0;
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      if (scaled[i] < 1) small[ns++] = i;
      else large[nl++] = i;
    }
    while (ns > 0 && nl > 0) {
      const s = small[--ns];
      const l = large[--nl];
      this.keep[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      if (scaled[l] < 1) small[ns++] = l;
      else large[nl++] = l;
    }
    while (nl > 0) {
      const l = large[--nl];
      this.keep[l] = 1;
      this.alias[l] = l;
    }
    while (ns > 0) {
      const s = small[--ns];
      this.keep[s] = 1;
      this.alias[s] = s;
    }
    this.packed = new Float64Array(n);
    for (let i = 0; i < n; i++) this.packed[i] = this.keep[i] >= 1 ? i + 0.5 : this.alias[i] + this.keep[i];
  }

  /** One draw: two uniforms, so the keep test has full 32-bit resolution even in large tables. */
  draw(rng: Sfc32): number {
    const i = Math.floor(rng.float() * this.size);
    return rng.float() < this.keep[i] ? i : this.alias[i];
  }

  /** A draw from two given uniforms in [0, 1) (hash-derived choices that must not consume the stream). */
  pickFrom(u1: number, u2: number): number {
    const i = Math.floor(u1 * this.size);
    return u2 < this.keep[i] ? i : this.alias[i];
  }

  /**
   * One draw from a single uniform: the column and the keep test share its 32 bits, so the keep test has
   * size / 2^32 resolution (3.5e-5 for the CIK table: a bias far below the sampling noise of any day).
   */
  drawFast(rng: Sfc32): number {
    return this.fromUniform(rng.float());
  }

  /** The draw drawFast makes from the uniform u ∈ [0, 1). */
  fromUniform(u: number): number {
    const x = u * this.size;
    const i = x | 0;
    const v = this.packed[i];
    const a = v | 0;
    return x - i < v - a ? i : a;
  }
}
