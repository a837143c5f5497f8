/**
 * Visits per CIK of one day, counted while batch counts the day's seconds (core/day-counts.ts) and stored
 * in day_cik_counts (docs/postgres.md): the per-company history `findoc alerts` compares with.
 *
 * An open-addressing table (CIK → visits) in two typed arrays rather than a Map: batch counts up to 17.5 M
 * visits a day in its tightest loop, and a Map's boxed entries cost several times a probe here. A day
 * names ~120,000 CIKs at most (EDGAR 2017), so the table stays a few MB. Pure and synchronous.
 */

export interface CikCounts {
  /** CIKs ascending. */
  ciks: Float64Array;
  /** visits[i] = visits of ciks[i] (always ≥ 1). */
  visits: Int32Array;
}

export class CikTally {
  private keys: Float64Array;
  private counts: Int32Array;
  private bits: number;
  /** Distinct CIKs counted. */
  size = 0;

  constructor(bits = 14) {
    this.bits = bits;
    this.keys = new Float64Array(1 << bits);
    this.counts = new Int32Array(1 << bits);
  }

  /** One visit of `cik` (a non-negative integer below 2^53). */
  add(cik: number): void {
    const mask = (1 << this.bits) - 1;
    // Fibonacci hashing of the low 32 bits mixed with the high ones: CIKs are dense small integers.
    let h = (Math.imul((cik | 0) ^ ((cik / 4294967296) | 0), 0x9e3779b1) >>> (32 - this.bits)) & mask;
    const keys = this.keys;
    const counts = this.counts;
    for (;;) {
      if (counts[h] === 0) {
        keys[h] = cik;
        counts[h] = 1;
        if (++this.size * 2 > mask) this.grow();
        return;
      }
      if (keys[h] === cik) {
        counts[h]++;
        return;
      }
      h = (h + 1) & mask;
    }
  }

  /** The visits of one CIK (0 when none). */
  get(cik: number): number {
    const mask = (1 << this.bits) - 1;
    let h = (Math.imul((cik | 0) ^ ((cik / 4294967296) | 0), 0x9e3779b1) >>> (32 - this.bits)) & mask;
    while (this.counts[h] !== 0) {
      if (this.keys[h] === cik) return this.counts[h];
      h = (h + 1) & mask;
    }
    return 0;
  }

  /** Adds `n` visits of `cik`. */
  addMany(cik: number, n: number): void {
    if (n <= 0) return;
    this.add(cik);
    this.counts[this.slot(cik)] += n - 1;
  }

  /** Every CIK with its visits, in no particular order (no copy, no sort). */
  *entries(): IterableIterator<[number, number]> {
    const keys = this.keys;
    const counts = this.counts;
    for (let h = 0; h < counts.length; h++) if (counts[h] !== 0) yield [keys[h], counts[h]];
  }

  /** Every CIK with its visits, CIKs ascending. */
  toCounts(): CikCounts {
    const order: number[] = [];
    for (let h = 0; h < this.counts.length; h++) if (this.counts[h] !== 0) order.push(h);
    order.sort((a, b) => this.keys[a] - this.keys[b]);
    const ciks = new Float64Array(order.length);
    const visits = new Int32Array(order.length);
    order.forEach((h, i) => {
      ciks[i] = this.keys[h];
      visits[i] = this.counts[h];
    });
    return { ciks, visits };
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    this.bits++;
    this.keys = new Float64Array(1 << this.bits);
    this.counts = new Int32Array(1 << this.bits);
    this.size = 0;
    for (let h = 0; h < oldCounts.length; h++) {
      const n = oldCounts[h];
      if (n === 0) continue;
      this.add(oldKeys[h]);
      this.counts[this.slot(oldKeys[h])] = n;
    }
  }

  private slot(cik: number): number {
    const mask = (1 << this.bits) - 1;
    let h = (Math.imul((cik | 0) ^ ((cik / 4294967296) | 0), 0x9e3779b1) >>> (32 - this.bits)) & mask;
    while (this.keys[h] !== cik || this.counts[h] === 0) h = (h + 1) & mask;
    return h;
  }
}
