/**
 * A day's plan: how many rows each of the 86,400 seconds gets, before any row is written.
 *
 * The expected rate of second s is
 *
 *   λ(s) ∝ curve(s) · (1 + minuteProfile(s)) · exp(hourNoise(s) + knotNoise(s))  +  episodes(s)
 *
 * (calibration.ts: the 10-minute curve, the top-of-the-hour profile, per-day hour factors, 2-minute
 * knots, crawler episodes), scaled so that Σ λ = the day's total T = rowsPerDay · (1 + dayVariation·z).
 * Each second's count is then a compound Poisson: Poisson(λ·G / E[B]) arrivals of B rows each (B measured
 * on the 2003 day, G a per-second Gamma level factor), which gives both realistic empty seconds at low
 * volume and the measured dispersion at high volume; finally rows are added to or removed from random
 * seconds (∝ λ) until the counts sum to exactly T. Hot bursts are planned separately, on top of T.
 *
 * The plan is 86,400 counts (≈ 1 MB with the rates), whatever the day's size: memory stays flat.
 */
import { AliasTable } from './alias.js';
import {
  COUNT_BURST,
  CURVE_10MIN,
  DAY_SECONDS,
  EPISODE_INTENSITY,
  EPISODE_MINUTES,
  EPISODES_PER_DAY,
  HOUR_NOISE_SD,
  KNOT_NOISE_SD,
  KNOT_SECONDS,
  MINUTE_OF_HOUR_PROFILE,
  SECOND_GAMMA_SHAPE,
} from './calibration.js';
import { burstWindow, type HotBurst } from './hot-burst.js';
import { cikRankShares } from './population.js';
import type { Sfc32 } from './prng.js';

export interface Episode {
  /** Second of day the episode starts, and one past its end. */
  start: number;
  end: number;
  /** Extra traffic relative to the curve at that time (0.55 = +55%). */
  intensity: number;
}

export interface PlannedBurst {
  burst: HotBurst;
  start: number;
  end: number;
  /** Rows of the hot CIK in each second of [start, end). */
  counts: Int32Array;
}

export interface DayPlan {
  /** Rows of normal traffic: exactly Σ counts. */
  total: number;
  /** Normal rows per second of day. */
  counts: Int32Array;
  /** Expected rows per second (λ, episodes included): the smooth shape the counts were drawn around. */
  rate: Float64Array;
  /** Share of λ(s) that belongs to an episode (0 outside episodes), and which episode. */
  episodeShare: Float32Array;
  episodeOf: Int8Array;
  episodes: Episode[];
  hot: PlannedBurst[];
  /** Σ hot counts. */
  hotTotal: number;
}

export interface PlanOptions {
  rowsPerDay: number;
  /** sd of the day's total relative to rowsPerDay; 0 = exactly rowsPerDay. */
  dayVariation: number;
  hot: readonly HotBurst[];
}

const COUNT_BURST_TABLE = new AliasTable(COUNT_BURST);
const COUNT_BURST_MEAN = moments(COUNT_BURST)[0];
const COUNT_BURST_M2 = moments(COUNT_BURST)[1];

/** [E[B], E[B²]] of a histogram whose index 0 counts bursts of 1. */
export function moments(hist: readonly number[]): [number, number] {
  let n = 0;
  let s1 = 0;
  let s2 = 0;
  hist.forEach((c, i) => {
    n += c;
    s1 += c * (i + 1);
    s2 += c * (i + 1) * (i + 1);
  });
  return [s1 / n, s2 / n];
}

/** Piecewise-linear interpolation of values placed at the centres of equal bins of `width` seconds. */
function atCentres(values: readonly number[], width: number, s: number, cyclic: boolean): number {
  const n = values.length;
  const x = (s + 0.5) / width - 0.5;
  let i = Math.floor(x);
  const t = x - i;
  let j = i + 1;
  if (cyclic) {
    i = ((i % n) + n) % n;
    j = ((j % n) + n) % n;
  } else {
    if (i < 0) i = 0;
    if (j > n - 1) j = n - 1;
    if (i > n - 1) i = n - 1;
  }
  return values[i] + (values[j] - values[i]) * t;
}

/** The day's smooth shape, before noise: curve × minute profile, one value per second (not normalised). */
export function baseShape(): Float64Array {
  const out = new Float64Array(DAY_SECONDS);
  for (let s = 0; s < DAY_SECONDS; s++) {
    out[s] = atCentres(CURVE_10MIN, 600, s, false) * (1 + atCentres(MINUTE_OF_HOUR_PROFILE, 60, s % 3600, true));
  }
  return out;
}
let sharedShape: Float64Array | null = null;

export function planDay(options: PlanOptions, rng: Sfc32): DayPlan {
  const { rowsPerDay, dayVariation } = options;
  const z = Math.max(-2, Math.min(2, rng.normal()));
  const total = Math.max(0, Math.round(rowsPerDay * (1 + dayVariation * z)));
  // The phases draw from rng in this order: keep it, the same seed must give the same day.
  const { rate, sum } = noisyRate(rng);
  const { episodes, episodeShare, episodeOf } = addEpisodes(rate, sum, total, rng);
  const { counts, drawn } = drawCounts(rate, rng);
  adjustTotal(counts, rate, total - drawn, rng);
  const { hot, hotTotal } = planHot(options.hot, rate, rng);
  return { total, counts, rate, episodeShare, episodeOf, episodes, hot, hotTotal };
}

/** The day's shape with this day's noise: hour factors at hour centres, knots every KNOT_SECONDS. */
function noisyRate(rng: Sfc32): { rate: Float64Array; sum: number } {
  sharedShape ??= baseShape();
  const hourNoise = Array.from({ length: 24 }, () => HOUR_NOISE_SD * rng.normal());
  const knots = Array.from({ length: Math.ceil(DAY_SECONDS / KNOT_SECONDS) + 1 }, () => KNOT_NOISE_SD * rng.normal());
  const rate = new Float64Array(DAY_SECONDS);
  let sum = 0;
  for (let s = 0; s < DAY_SECONDS; s++) {
    const k = s / KNOT_SECONDS;
    const ki = Math.floor(k);
    const knot = knots[ki] + (knots[ki + 1] - knots[ki]) * (k - ki);
    const v = sharedShape[s] * Math.exp(atCentres(hourNoise, 3600, s, false) + knot);
    rate[s] = v;
    sum += v;
  }
  return { rate, sum };
}

/** Crawler episodes, relative to the shape at their time; then `rate` is scaled to the day's total (in place). */
function addEpisodes(rate: Float64Array, shapeSum: number, total: number, rng: Sfc32): Pick<DayPlan, 'episodes' | 'episodeShare' | 'episodeOf'> {
  let sum = shapeSum;
  const episodes: Episode[] = [];
  const episodeShare = new Float32Array(DAY_SECONDS);
  const episodeOf = new Int8Array(DAY_SECONDS).fill(-1);
  const nEpisodes = Math.min(100, rng.poisson(EPISODES_PER_DAY));
  const extra = new Float64Array(DAY_SECONDS);
  for (let e = 0; e < nEpisodes; e++) {
    const minutes = EPISODE_MINUTES[0] + rng.float() * (EPISODE_MINUTES[1] - EPISODE_MINUTES[0]);
    const len = Math.round(minutes * 60);
    const start = rng.int(DAY_SECONDS - len);
    const intensity = EPISODE_INTENSITY[0] + rng.float() * (EPISODE_INTENSITY[1] - EPISODE_INTENSITY[0]);
    episodes.push({ start, end: start + len, intensity });
    for (let s = start; s < start + len; s++) {
      const add = intensity * rate[s];
      if (episodeOf[s] < 0 || add > extra[s]) episodeOf[s] = e;
      extra[s] += add;
      sum += add;
    }
  }
  const scale = sum > 0 ? total / sum : 0;
  for (let s = 0; s < DAY_SECONDS; s++) {
    const r = rate[s] + extra[s];
    if (extra[s] > 0) episodeShare[s] = extra[s] / r;
    rate[s] = r * scale;
  }
  return { episodes, episodeShare, episodeOf };
}

/** Per-second counts: compound Poisson around λ·G. */
function drawCounts(rate: Float64Array, rng: Sfc32): { counts: Int32Array; drawn: number } {
  const counts = new Int32Array(DAY_SECONDS);
  let drawn = 0;
  for (let s = 0; s < DAY_SECONDS; s++) {
    const g = rng.gamma(SECOND_GAMMA_SHAPE) / SECOND_GAMMA_SHAPE;
    const arrivals = (rate[s] * g) / COUNT_BURST_MEAN;
    let n: number;
    if (arrivals < 64) {
      const k = rng.poisson(arrivals);
      n = 0;
      for (let i = 0; i < k; i++) n += 1 + COUNT_BURST_TABLE.drawFast(rng);
    } else {
      // Many arrivals: the compound sum is normal with mean a·E[B] and variance a·E[B²].
      n = Math.max(0, Math.round(arrivals * COUNT_BURST_MEAN + Math.sqrt(arrivals * COUNT_BURST_M2) * rng.normal()));
    }
    counts[s] = n;
    drawn += n;
  }
  return { counts, drawn };
}

/** Hot bursts, on top of the day's total. */
function planHot(bursts: PlanOptions['hot'], rate: Float64Array, rng: Sfc32): Pick<DayPlan, 'hot' | 'hotTotal'> {
  const topShare = cikRankShares()[0];
  const hot: PlannedBurst[] = [];
  let hotTotal = 0;
  for (const burst of bursts) {
    const { start, end } = burstWindow(burst);
    const c = new Int32Array(Math.max(0, end - start));
    for (let s = start; s < end; s++) {
      const n = rng.poisson(burst.factor * topShare * rate[s]);
      c[s - start] = n;
      hotTotal += n;
    }
    hot.push({ burst, start, end, counts: c });
  }
  return { hot, hotTotal };
}

/** Adds (diff > 0) or removes (diff < 0) single rows at seconds drawn ∝ λ until Σ counts moves by diff. */
function adjustTotal(counts: Int32Array, rate: Float64Array, diff: number, rng: Sfc32): void {
  if (diff === 0) return;
  const cum = new Float64Array(DAY_SECONDS);
  let acc = 0;
  for (let s = 0; s < DAY_SECONDS; s++) cum[s] = acc += rate[s];
  if (!(acc > 0)) {
    // A day of 0 expected rows cannot need rows added; removing is impossible too.
    return;
  }
  const pick = () => {
    const u = rng.float() * acc;
    let lo = 0;
    let hi = DAY_SECONDS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  if (diff > 0) {
    for (let i = 0; i < diff; i++) counts[pick()]++;
    return;
  }
  let left = -diff;
  let misses = 0;
  while (left > 0) {
    const s = pick();
    if (counts[s] > 0) {
      counts[s]--;
      left--;
      misses = 0;
    } else if (++misses > 1000) {
      // Nearly every row sits where λ is tiny: remove from the first non-empty seconds instead.
      for (let t = 0; t < DAY_SECONDS && left > 0; t++) {
        const k = Math.min(counts[t], left);
        counts[t] -= k;
        left -= k;
      }
    }
  }
}
