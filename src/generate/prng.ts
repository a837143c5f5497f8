/**
 * Seeded randomness for the synthetic generator: one small, well-known PRNG and the few distributions it
 * needs. Everything the generator draws comes from here, so a seed fixes every byte it writes.
 *
 * The generator is sfc32, Chris Doty-Humphrey's "Small Fast Chaotic" generator from PractRand (128-bit
 * state, 32-bit output, passes PractRand to 2^42+ bytes and BigCrush). It was chosen because it needs only
 * 32-bit adds, xors and shifts, which JavaScript engines compile to plain integer instructions: about
 * 2–3 ns a draw here, where a 64-bit generator (xoshiro256) would need BigInt or split halves. Its period
 * is at least 2^32 (the counter) and on average 2^127, far beyond a day's few hundred million draws.
 *
 * Streams are derived, not shared: `rngFor(seed, ...keys)` hashes the seed with keys such as the day and
 * a stream name (murmur3's fmix32 finaliser), so a day's bytes depend only on (seed, day, options) — the
 * same day is identical whether generated alone or inside a range.
 */

/** murmur3's 32-bit finaliser: a bijective avalanche of a uint32. */
export function mix32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of two uint32s (order matters). */
export function hash2(a: number, b: number): number {
  return mix32(mix32(a) ^ Math.imul((b >>> 0) + 0x9e3779b9, 0x27d4eb2f));
}

/** Hash of three uint32s. */
export function hash3(a: number, b: number, c: number): number {
  return hash2(hash2(a, b), c);
}

/** A uint32 hash as a float in [0, 1). */
export function unit(h: number): number {
  return (h >>> 0) / 4294967296;
}

/** Stable uint32 for a short ASCII label ("cik-universe", "day"…): FNV-1a. */
export function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = NaN;

  constructor(s0: number, s1: number, s2: number, s3 = 1) {
    this.a = s0 | 0;
    this.b = s1 | 0;
    this.c = s2 | 0;
    this.d = s3 | 0;
    // The reference implementation discards the first outputs so that similar seeds diverge.
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A uniform uint32. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [0, n), n ≤ 2^32 (multiply-shift; bias below n / 2^32). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Standard normal (Marsaglia's polar method, the spare kept for the next call). */
  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const z = this.spareNormal;
      this.spareNormal = NaN;
      return z;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.float() - 1;
      v = 2 * this.float() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * f;
    return u * f;
  }

  /**
   * Poisson(mean). Inversion by sequential search below mean 12 (exact, a handful of steps); above,
   * Hörmann's PTRS transformed rejection (exact, ~1.1 iterations), so large seconds cost the same as small.
   */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean < 12) {
      let k = 0;
      let p = Math.exp(-mean);
      let cdf = p;
      const u = this.float();
      while (u > cdf && k < 1000) {
        k++;
        p *= mean / k;
        cdf += p;
      }
      return k;
    }
    const slam = Math.sqrt(mean);
    const loglam = Math.log(mean);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = this.float() - 0.5;
      const V = this.float();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor(((2 * a) / us + b) * U + mean + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -mean + k * loglam - logFactorial(k)) return k;
    }
  }

  /** Gamma(shape, scale 1), shape ≥ 1 (Marsaglia & Tsang 2000). */
  gamma(shape: number): number {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.float();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
}

/** A generator seeded from a user seed and any number of uint32 keys (day, stream label…). */
export function rngFor(seed: number, ...keys: number[]): Sfc32 {
  let h = mix32(seed >>> 0) ^ 0x5bd1e995;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  h = hash2(h, hi);
  for (const k of keys) h = hash2(h, k);
  return new Sfc32(h, hash2(h, 1), hash2(h, 2), hash2(h, 3));
}

const LOG_FACT = new Float64Array(256);
for (let i = 1; i < 256; i++) LOG_FACT[i] = LOG_FACT[i - 1] + Math.log(i);

/** ln(k!) — a table below 256, Stirling's series above (error < 1e-10 there). */
export function logFactorial(k: number): number {
  if (k < 256) return LOG_FACT[k];
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x * x * x);
}
