/**
 * Who visits and what they visit: the synthetic universe of CIKs and IP addresses behind a seed, and each
 * day's ranking of them.
 *
 * - CIK universe: CIK_UNIVERSE distinct CIK numbers in 1 … 1,709,999 (an affine permutation of the range,
 *   drawn from the seed), with the measured rank → share curve (calibration.ts CIK_RANK_ANCHORS + tail).
 *   Each day reshuffles who holds the head ranks; the curve itself stays put.
 * - Ranked IPs: a pool of IP_POOL addresses per seed; each day the IP_RANKED busiest are chosen by a noisy
 *   score and take the measured IP rank → share curve, each with an activity window of hours.
 * - Humans: occasional visitors, a population sized to the day (HUMAN_MEAN_ROWS each on average), their
 *   addresses a pure function of (seed, index), so the same ones come back on other days.
 *
 * Addresses are written as the SEC writes them: three octets and a three-letter code for the fourth
 * (letters a–j, as in every real file). The synthetic octets are random; they are not real clients.
 */
import { AliasTable } from './alias.js';
import {
  CIK_DAY_HEAD,
  CIK_DAY_NEWCOMERS,
  CIK_DAY_SCORE_SD,
  CIK_RANK_ANCHORS,
  CIK_TAIL_EXPONENT,
  CIK_UNIVERSE,
  HUMAN_MEAN_ROWS,
  HUMAN_SHARE,
  IP_ALL_DAY,
  IP_DAY_SCORE_SD,
  IP_MAX_ACTIVE_HOURS,
  IP_RANK_ANCHORS,
  IP_RANKED,
} from './calibration.js';
import { hash2, hash3, labelHash, mix32, rngFor, type Sfc32 } from './prng.js';

/** Largest synthetic CIK + 1 (real CIKs in 2017 run to about 1.71 M). 1,710,001 is prime. */
const CIK_MODULUS = 1_710_001;
const IP_POOL = 6000;

/**
 * Rank → share curve through log-log anchors, extended past the last anchor with `tailExponent` (or the
 * last segment's slope), for ranks 1 … n. Not normalised.
 */
export function rankCurve(anchors: readonly (readonly [number, number])[], n: number, tailExponent?: number): Float64Array {
  const xs = anchors.map((a) => Math.log(a[0]));
  const ys = anchors.map((a) => Math.log(a[1]));
  const last = anchors.length - 1;
  const slope = tailExponent !== undefined ? -tailExponent : (ys[last] - ys[last - 1]) / (xs[last] - xs[last - 1]);
  const w = new Float64Array(n);
  let seg = 0;
  for (let r = 1; r <= n; r++) {
    const lr = Math.log(r);
    let y: number;
    if (lr <= xs[0]) y = ys[0];
    else if (lr >= xs[last]) y = ys[last] + slope * (lr - xs[last]);
    else {
      while (xs[seg + 1] < lr) seg++;
      const t = (lr - xs[seg]) / (xs[seg + 1] - xs[seg]);
      y = ys[seg] + t * (ys[seg + 1] - ys[seg]);
    }
    w[r - 1] = Math.exp(y);
  }
  return w;
}

function normalise(w: Float64Array, total = 1): Float64Array {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += w[i];
  for (let i = 0; i < w.length; i++) w[i] = (w[i] * total) / s;
  return w;
}

/** The CIK rank → share curve (sums to 1). Shared by every seed. */
let cikShares: Float64Array | null = null;
export function cikRankShares(): Float64Array {
  cikShares ??= normalise(rankCurve(CIK_RANK_ANCHORS, CIK_UNIVERSE, CIK_TAIL_EXPONENT));
  return cikShares;
}

/** The ranked-IP rank → share curve (sums to 1 − HUMAN_SHARE). */
let ipShares: Float64Array | null = null;
export function ipRankShares(): Float64Array {
  ipShares ??= normalise(rankCurve(IP_RANK_ANCHORS, IP_RANKED), 1 - HUMAN_SHARE);
  return ipShares;
}

// ─── IP addresses ─────────────────────────────────────────────────────────────────────────────────────

/**
 * TOKEN_RANK[o] = position of the string `${o}.` among the 256 such strings in byte order. Rows are
 * sorted within a second by ip *string*; since every octet token ends with "." (below every digit), the
 * string order of "o1.o2.o3.xyz" is the order of (rank(o1), rank(o2), rank(o3), xyz): a number, so
 * sessions sort as numbers.
 */
const TOKEN_RANK = (() => {
  const tokens = Array.from({ length: 256 }, (_, i) => `${i}.`);
  const sorted = [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const rank = new Int32Array(256);
  sorted.forEach((t, i) => (rank[Number(t.slice(0, -1))] = i));
  return rank;
})();

/** An address packed in a uint32-safe number: o1·2^24 + o2·2^16 + o3·2^8 … kept as parts for speed. */
export interface IpParts {
  o1: number;
  o2: number;
  o3: number;
  /** 0 … 999: the three letters a–j of the fourth "octet". */
  code: number;
}

/** Sort key equal to the byte order of the written address. */
export function ipSortKey(o1: number, o2: number, o3: number, code: number): number {
  return ((TOKEN_RANK[o1] * 256 + TOKEN_RANK[o2]) * 256 + TOKEN_RANK[o3]) * 1000 + code;
}

/** An address from a hash: first octet 1–223 (no 0, no multicast), code 000–999 as letters. */
export function ipFromHash(h: number, h2: number): IpParts {
  return {
    o1: 1 + ((h >>> 24) % 223),
    o2: (h >>> 16) & 255,
    o3: (h >>> 8) & 255,
    code: h2 % 1000,
  };
}

export function formatIp(ip: IpParts): string {
  const c = ip.code;
  const l = (d: number) => String.fromCharCode(97 + d);
  return `${ip.o1}.${ip.o2}.${ip.o3}.${l(Math.floor(c / 100))}${l(Math.floor(c / 10) % 10)}${l(c % 10)}`;
}

/** Writes an address at p; returns the new position. */
export function writeIp(buf: Buffer, p: number, o1: number, o2: number, o3: number, code: number): number {
  p = writeOctet(buf, p, o1);
  buf[p++] = 46;
  p = writeOctet(buf, p, o2);
  buf[p++] = 46;
  p = writeOctet(buf, p, o3);
  buf[p++] = 46;
  buf[p++] = 97 + ((code / 100) | 0);
  buf[p++] = 97 + (((code / 10) | 0) % 10);
  buf[p++] = 97 + (code % 10);
  return p;
}

function writeOctet(buf: Buffer, p: number, o: number): number {
  if (o >= 100) {
    buf[p++] = 48 + ((o / 100) | 0);
    buf[p++] = 48 + (((o / 10) | 0) % 10);
  } else if (o >= 10) buf[p++] = 48 + ((o / 10) | 0);
  buf[p++] = 48 + (o % 10);
  return p;
}

// ─── The universe of a seed ───────────────────────────────────────────────────────────────────────────

/** What a seed fixes for every day: CIK numbers, the ranked-IP pool, the human address hash. */
export class Universe {
  readonly seed: number;
  /** The affine map base rank → CIK number. */
  private readonly cikA: number;
  private readonly cikB: number;
  /** Ranked-IP pool: parts and sort keys (index = base rank). */
  readonly poolO1 = new Uint8Array(IP_POOL);
  readonly poolO2 = new Uint8Array(IP_POOL);
  readonly poolO3 = new Uint8Array(IP_POOL);
  readonly poolCode = new Uint16Array(IP_POOL);
  readonly poolKey = new Float64Array(IP_POOL);
  readonly humanSalt: number;

  constructor(seed: number) {
    this.seed = seed;
    const rng = rngFor(seed, labelHash('universe'));
    // CIKs: i ↦ 1 + (a·i + b) mod M is a bijection on 0 … M−1 (M prime, a ≠ 0), so the CIKs are distinct.
    const a = 1 + rng.int(CIK_MODULUS - 2);
    const b = rng.int(CIK_MODULUS);
    this.cikA = a;
    this.cikB = b;
    const ipSalt = rng.next();
    for (let i = 0; i < IP_POOL; i++) {
      const ip = ipFromHash(hash2(ipSalt, i), hash3(ipSalt, i, 7));
      this.poolO1[i] = ip.o1;
      this.poolO2[i] = ip.o2;
      this.poolO3[i] = ip.o3;
      this.poolCode[i] = ip.code;
      this.poolKey[i] = ipSortKey(ip.o1, ip.o2, ip.o3, ip.code);
    }
    this.humanSalt = rng.next();
  }

  /** CIK number of base rank i (0 = the usually busiest); distinct for i < CIK_MODULUS. */
  cikOfBase(i: number): number {
    return 1 + ((this.cikA * i + this.cikB) % CIK_MODULUS);
  }

  /** The address of human visitor j (the same for every day of this seed). */
  human(j: number): IpParts {
    return ipFromHash(hash2(this.humanSalt, j), mix32(hash2(this.humanSalt ^ 0x68756d61, j)));
  }
}

// ─── A day's ranking ──────────────────────────────────────────────────────────────────────────────────

/**
 * Ranks below HEAD_RANKS (about 80% of visits) are drawn from an alias table small enough to stay in the
 * CPU cache; ranks from HEAD_RANKS on, where the measured curve is a pure power law (rank^−1.2, past the
 * last anchor), by inverting its CDF — arithmetic, no table — and their CIK is computed from the rank too
 * (the universe's affine map). Every table lookup in the 150,000-entry range would be a cache miss, and a
 * draw happens for most rows.
 */
export const HEAD_RANKS = 16_384;
interface HeadTables {
  head: AliasTable;
  headMass: number;
  /** Continuous inverse of the tail: rank = (A + u·B)^(1/(1−α)). */
  a: number;
  b: number;
}
let headTables: HeadTables | null = null;
function tables(): HeadTables {
  if (!headTables) {
    const shares = cikRankShares();
    let m = 0;
    for (let i = 0; i < HEAD_RANKS; i++) m += shares[i];
    const e = 1 - CIK_TAIL_EXPONENT;
    // 1-based ranks HEAD_RANKS+1 … CIK_UNIVERSE as the continuous range [HEAD_RANKS+0.5, CIK_UNIVERSE+0.5).
    const lo = Math.pow(HEAD_RANKS + 0.5, e);
    const hi = Math.pow(CIK_UNIVERSE + 0.5, e);
    headTables = { head: new AliasTable(shares.subarray(0, HEAD_RANKS)), headMass: m, a: lo, b: hi - lo };
  }
  return headTables;
}
const INV_TAIL_EXPONENT = 1 / (1 - CIK_TAIL_EXPONENT);

/**
 * The day's CIK ranking (day rank → CIK number) and a sampler over it with the measured rank curve.
 * Each head alias column stores, side by side, its keep/alias number, the CIK of the column and the CIK
 * of its alias: a draw touches one cache line.
 */
export class DayCiks {
  /** Day rank of the CIK returned by the last draw(). */
  rank = 0;
  /** CIK number at each head rank. */
  private readonly headCik: Int32Array;
  private readonly headCols: Float64Array;
  private readonly headMass: number;
  private readonly tailA: number;
  private readonly tailB: number;
  private readonly universe: Universe;

  constructor(universe: Universe, rng: Sfc32) {
    this.universe = universe;
    const shares = cikRankShares();
    // Candidates for the day's top: the base top CIK_DAY_HEAD with noisy scores, plus newcomers drawn
    // from the rest of the head (base ranks CIK_DAY_HEAD … HEAD_RANKS−1: small filers, a filer in the news).
    // Ranks from HEAD_RANKS on keep the base order, so their CIKs stay computable.
    const head = CIK_DAY_HEAD;
    const picked = new Uint8Array(HEAD_RANKS);
    const cand: { base: number; score: number }[] = [];
    for (let i = 0; i < head; i++) {
      cand.push({ base: i, score: Math.log(shares[i]) + CIK_DAY_SCORE_SD * rng.normal() });
      picked[i] = 1;
    }
    const newcomerScore = Math.log(shares[999]);
    for (let k = 0; k < CIK_DAY_NEWCOMERS; k++) {
      const i = head + rng.int(HEAD_RANKS - head);
      if (picked[i]) continue;
      picked[i] = 1;
      cand.push({ base: i, score: newcomerScore + 1.5 * CIK_DAY_SCORE_SD * rng.normal() });
    }
    cand.sort((x, y) => y.score - x.score || x.base - y.base);
    this.headCik = new Int32Array(HEAD_RANKS);
    let r = 0;
    for (const c of cand) this.headCik[r++] = universe.cikOfBase(c.base);
    for (let i = head; i < HEAD_RANKS; i++) if (!picked[i]) this.headCik[r++] = universe.cikOfBase(i);

    const t = tables();
    this.headMass = t.headMass;
    this.tailA = t.a;
    this.tailB = t.b;
    this.headCols = new Float64Array(3 * HEAD_RANKS);
    for (let i = 0; i < HEAD_RANKS; i++) {
      const v = t.head.packed[i];
      this.headCols[3 * i] = v;
      this.headCols[3 * i + 1] = this.headCik[i];
      this.headCols[3 * i + 2] = this.headCik[v | 0];
    }
  }

  /** The CIK at a day rank. */
  cikAt(rank: number): number {
    return rank < HEAD_RANKS ? this.headCik[rank] : this.universe.cikOfBase(rank);
  }

  /** Draws a CIK by the day's ranking from one uniform; its rank is left in this.rank. */
  draw(u: number): number {
    if (u < this.headMass) {
      const x = (u / this.headMass) * HEAD_RANKS;
      const i = x | 0;
      const cols = this.headCols;
      const v = cols[3 * i];
      const a = v | 0;
      if (x - i < v - a) {
        this.rank = i;
        return cols[3 * i + 1];
      }
      this.rank = a;
      return cols[3 * i + 2];
    }
    const w = (u - this.headMass) / (1 - this.headMass);
    let rank = Math.round(Math.pow(this.tailA + w * this.tailB, INV_TAIL_EXPONENT)) - 1;
    if (rank < HEAD_RANKS) rank = HEAD_RANKS;
    else if (rank >= CIK_UNIVERSE) rank = CIK_UNIVERSE - 1;
    this.rank = rank;
    return this.universe.cikOfBase(rank);
  }
}

/** The day's ranked IPs: which pool entries, their activity hours, and one alias table per hour. */
export class DayIps {
  /** Pool index of each day rank (0 … IP_RANKED−1). */
  readonly poolAtRank: Int32Array;
  /** Hour tables over day ranks: weight = share × (24 / active hours) while active, else 0. */
  readonly byHour: AliasTable[];
  /** Pool entries that are not ranked today, for crawler episodes. */
  readonly spare: Int32Array;
  /** Humans in today's population (indices 0 … humans−1). */
  readonly humans: number;

  constructor(universe: Universe, rng: Sfc32, rowsPerDay: number) {
    const shares = ipRankShares();
    const baseShares = rankCurve(IP_RANK_ANCHORS, IP_POOL);
    const order = Array.from({ length: IP_POOL }, (_, i) => ({ i, s: Math.log(baseShares[i]) + IP_DAY_SCORE_SD * rng.normal() }));
    order.sort((x, y) => y.s - x.s || x.i - y.i);
    this.poolAtRank = Int32Array.from(order.slice(0, IP_RANKED).map((o) => o.i));
    this.spare = Int32Array.from(order.slice(IP_RANKED).map((o) => o.i));
    const start = new Int32Array(IP_RANKED);
    const hours = new Int32Array(IP_RANKED);
    for (let r = 0; r < IP_RANKED; r++) {
      if (rng.float() < IP_ALL_DAY) {
        start[r] = 0;
        hours[r] = 24;
      } else {
        hours[r] = 1 + rng.int(IP_MAX_ACTIVE_HOURS);
        start[r] = rng.int(24);
      }
    }
    this.byHour = [];
    const w = new Float64Array(IP_RANKED);
    for (let h = 0; h < 24; h++) {
      for (let r = 0; r < IP_RANKED; r++) {
        const active = (h - start[r] + 24) % 24 < hours[r];
        w[r] = active ? (shares[r] * 24) / hours[r] : 0;
      }
      this.byHour.push(new AliasTable(w));
    }
    this.humans = Math.max(200, Math.round((rowsPerDay * HUMAN_SHARE) / HUMAN_MEAN_ROWS));
  }
}
