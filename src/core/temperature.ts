/**
 * The "thermometer" (DESIGN §3.5): where EDGAR traffic now sits against history at the same seconds of the
 * day, and which way it is moving.
 *
 * Definitions
 * -----------
 * latest second T
 *   The latest event second the stream has applied (progress in Redis). Everything here is event time:
 *   a stream replaying 2017 at full speed is measured against 2017's clock, never the wall clock (data
 *   age, shown beside it, says how far behind the wall clock it is).
 * last complete second E
 *   T − 1 while the stream is applying batches — second T itself is then usually still filling (its
 *   visits are arriving while we read) — and T once the stream has applied nothing for IDLE_MS (2 s):
 *   lastCompleteSecond(). The idle test compares the wall time of the stream's last apply (recorded by
 *   the stream with Redis' clock) with this machine's clock.
 * measurement window M
 *   The MEASURE_SECONDS = 10 seconds ending at E: [E − 9, E].
 * rate
 *   The mean visits per second over M: (Σ visits(s), s ∈ M) / 10. Zero-filled: a second without a visit
 *   counts as 0.
 * band of M
 *   For each of p25, p50, p75, p95: the mean over s ∈ M of that percentile of the chosen day set at the
 *   second of day of s (bands table, DESIGN §2). Averaging ten per-second percentiles is not the percentile
 *   of ten-second means — the latter is narrower — so a 10-second mean above this p95 is a SUSTAINED
 *   excess, not one busy second; that is the intent.
 * temperature
 *     cold    rate < p25
 *     normal  p25 ≤ rate ≤ p75
 *     warm    p75 < rate ≤ p95
 *     hot     rate > p95
 *   "unknown" when M has no bands (no day set, or the set lacks those seconds) or the stream has not
 *   applied anything yet.
 * trend
 *   The rate over M against the mean over the 10 seconds before it, [E − 19, E − 10]. With S1 and S0 their
 *   visit sums, the change is "rising" (or "falling") only when it is both larger than 10% of S0 and
 *   larger than twice its Poisson noise, 2·√(S1 + S0) (Var(S1 − S0) ≈ S1 + S0 for counts); otherwise
 *   "steady". So a quiet night's 1 → 1.5 visits/s is steady (noise), while 2,000 → 2,400 is rising.
 */

export interface Band {
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

export type TemperatureLevel = 'cold' | 'normal' | 'warm' | 'hot' | 'unknown';
export type TrendDirection = 'rising' | 'falling' | 'steady' | 'unknown';

export const MEASURE_SECONDS = 10;
export const SECONDS_PER_DAY = 86_400;

/** A second of day (0 … 86,399) of a Unix second, in UTC. */
export function secondOfDay(unixSecond: number): number {
  return ((unixSecond % SECONDS_PER_DAY) + SECONDS_PER_DAY) % SECONDS_PER_DAY;
}

/** Visits per second for consecutive event seconds starting at `from` (zero-filled). */
export interface VisitSeries {
  from: number;
  counts: ArrayLike<number>;
}

/** visits(s), 0 outside the series. */
export function visitsAt(series: VisitSeries, second: number): number {
  const i = second - series.from;
  return i >= 0 && i < series.counts.length ? series.counts[i] : 0;
}

function sumRange(series: VisitSeries, from: number, to: number): number {
  let sum = 0;
  for (let s = from; s <= to; s++) sum += visitsAt(series, s);
  return sum;
}

/** The mean band over the given seconds; undefined when any second lacks a band. */
export function meanBand(bandAt: (secondOfDay: number) => Band | undefined, seconds: readonly number[]): Band | undefined {
  if (seconds.length === 0) return undefined;
  const m: Band = { p25: 0, p50: 0, p75: 0, p95: 0 };
  for (const s of seconds) {
    const b = bandAt(secondOfDay(s));
    if (!b) return undefined;
    m.p25 += b.p25;
    m.p50 += b.p50;
    m.p75 += b.p75;
    m.p95 += b.p95;
  }
  const n = seconds.length;
  return { p25: m.p25 / n, p50: m.p50 / n, p75: m.p75 / n, p95: m.p95 / n };
}

/** The level of a rate against a band: cold < p25 ≤ normal ≤ p75 < warm ≤ p95 < hot. */
export function classify(rate: number, band: Band): Exclude<TemperatureLevel, 'unknown'> {
  if (rate < band.p25) return 'cold';
  if (rate <= band.p75) return 'normal';
  if (rate <= band.p95) return 'warm';
  return 'hot';
}

export interface Trend {
  direction: TrendDirection;
  /** Rate over M minus the rate over the 10 s before, visits/s. */
  change: number;
  /** change relative to the earlier rate; null when it was 0. */
  relative: number | null;
}

export function trend(series: VisitSeries, end: number): Trend {
  const s1 = sumRange(series, end - MEASURE_SECONDS + 1, end);
  const s0 = sumRange(series, end - 2 * MEASURE_SECONDS + 1, end - MEASURE_SECONDS);
  const diff = s1 - s0;
  const change = diff / MEASURE_SECONDS;
  const relative = s0 > 0 ? diff / s0 : null;
  const significant = Math.abs(diff) > 0.1 * s0 && Math.abs(diff) > 2 * Math.sqrt(s1 + s0);
  return { direction: !significant ? 'steady' : diff > 0 ? 'rising' : 'falling', change, relative };
}

export interface Temperature {
  level: TemperatureLevel;
  /** Mean visits/s over M; null before the stream applied anything. */
  rate: number | null;
  /** The mean band over M, when known. */
  band?: Band;
  /** The seconds measured, [from, to] inclusive. */
  from?: number;
  to?: number;
  trend: Trend;
}

/** How long the stream must have applied nothing for its latest second to count as complete. */
export const IDLE_MS = 2000;

/** E (see above): null when nothing was applied yet. */
export function lastCompleteSecond(latest: number | null, lastApplyMs: number | null, nowMs: number): number | null {
  if (latest === null) return null;
  return lastApplyMs !== null && nowMs - lastApplyMs >= IDLE_MS ? latest : latest - 1;
}

/** The temperature over the 10 seconds ending at the last complete second E (null: nothing applied yet). */
export function temperature(series: VisitSeries, end: number | null, bandAt: (secondOfDay: number) => Band | undefined): Temperature {
  if (end === null) return { level: 'unknown', rate: null, trend: { direction: 'unknown', change: 0, relative: null } };
  const to = end;
  const from = to - MEASURE_SECONDS + 1;
  const seconds = Array.from({ length: MEASURE_SECONDS }, (_, i) => from + i);
  const rate = sumRange(series, from, to) / MEASURE_SECONDS;
  const band = meanBand(bandAt, seconds);
  return { level: band ? classify(rate, band) : 'unknown', rate, band, from, to, trend: trend(series, end) };
}
