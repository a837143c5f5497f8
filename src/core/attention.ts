/**
 * Abnormal attention (DESIGN §2): each company's live visits against its own history.
 *
 * Glossary
 *   baseline m_c   a CIK's mean daily visits over the N days of a day set, zero-filled: a day on which the
 *                  CIK had no visit counts 0, so m_c = (Σ_d visits(d, c)) / N, not the mean over the days
 *                  it was seen (which would make a CIK read once a year look busy every day).
 *   day curve      the mean visits per second of day over the set's days, curve(s), s = 0 … 86,399.
 *   window W       the event seconds E − w + 1 … E ending at the stream's latest second E (windows.ts);
 *                  its seconds of day are taken modulo 86,400, so a window may cross midnight.
 *   F(W)           the share of a day's visits that falls in W's seconds of day:
 *                  F(W) = Σ_{s∈W} curve(s) / Σ_{all s} curve(s).
 *   expected E     m_c × F(W): the CIK's visits in W if its day had the set's shape.
 *   score z        (observed − E) / √(E + 1).
 *
 * Why that score: a company's visits in a window are a count of independent-ish arrivals, so near its
 * expectation they vary like a Poisson count, whose variance equals its mean E. (observed − E) / √E is then
 * the number of standard deviations above normal, comparable across companies of any size: 60 visits
 * against 40 expected is z ≈ 3.1, 1,060 against 1,000 only 1.9. The +1 keeps the score finite for E = 0
 * (a company never seen in the set scores its visits) and damps companies expected to get a fraction of
 * a visit, where one or two visits are no news.
 *
 * Pure: the numbers come from PostgreSQL (adapters/attention-store.ts) and Redis (adapters/stream-window.ts).
 */
import { usageError } from './errors.js';
import { SECONDS_PER_DAY } from './visit.js';

export const ALERT_WINDOWS = ['1m', '5m', '10m', '1h'] as const;
export type AlertWindow = (typeof ALERT_WINDOWS)[number];
export const ALERT_WINDOW_SECONDS: Readonly<Record<AlertWindow, number>> = { '1m': 60, '5m': 300, '10m': 600, '1h': 3600 };

/** Defaults of `findoc alerts` (docs/alerts.md measures the false-alert rate they give). */
export const DEFAULT_MIN_VISITS = 20;
export const DEFAULT_MIN_SCORE = 4;

/** Reads a --window of alerts/attention: 1m, 5m, 10m or 1h (a usage error, exit 64, otherwise). */
export function parseAlertWindow(text: string): AlertWindow {
  const t = text.trim().toLowerCase();
  if ((ALERT_WINDOWS as readonly string[]).includes(t)) return t as AlertWindow;
  throw usageError(`unknown window "${text}"`, `use one of: ${ALERT_WINDOWS.join(', ')}`);
}

/** One CIK's visits on one day (a row of day_cik_counts). */
export interface CikDayCount {
  cik: number;
  visits: number;
}

/**
 * Baselines m_c over `days` days from the days' per-CIK counts (every row of every day, in any order):
 * the sum per CIK divided by the number of days, so absent days count 0.
 */
export function baselineMeans(rows: Iterable<CikDayCount>, days: number): Map<number, number> {
  if (!(Number.isInteger(days) && days > 0)) throw new RangeError(`baselines need at least one day, got ${days}`);
  const sums = new Map<number, number>();
  for (const r of rows) sums.set(r.cik, (sums.get(r.cik) ?? 0) + r.visits);
  for (const [cik, sum] of sums) sums.set(cik, sum / days);
  return sums;
}

/** The day curve: the mean, per second of day, of the days' zero-filled counts. */
export function meanCurve(days: readonly ArrayLike<number>[]): Float64Array {
  const curve = new Float64Array(SECONDS_PER_DAY);
  if (days.length === 0) return curve;
  for (const d of days) {
    if (d.length !== SECONDS_PER_DAY) throw new RangeError(`a day has ${SECONDS_PER_DAY} seconds, got ${d.length}`);
    for (let s = 0; s < SECONDS_PER_DAY; s++) curve[s] += d[s];
  }
  for (let s = 0; s < SECONDS_PER_DAY; s++) curve[s] /= days.length;
  return curve;
}

/**
 * The day curve as running sums, so that F of any window costs two lookups: cum[s] = Σ_{t<s} curve(t).
 * An all-zero curve (a set of empty days) is read as flat: every second of day weighs the same.
 */
export class DayCurve {
  private readonly cum: Float64Array;
  readonly total: number;

  constructor(curve: ArrayLike<number>) {
    if (curve.length !== SECONDS_PER_DAY) throw new RangeError(`a day curve has ${SECONDS_PER_DAY} seconds, got ${curve.length}`);
    const cum = new Float64Array(SECONDS_PER_DAY + 1);
    let flat = true;
    for (let s = 0; s < SECONDS_PER_DAY; s++) if (curve[s] > 0) flat = false;
    for (let s = 0; s < SECONDS_PER_DAY; s++) cum[s + 1] = cum[s] + (flat ? 1 : Math.max(0, curve[s]));
    this.cum = cum;
    this.total = cum[SECONDS_PER_DAY];
  }

  /**
   * F(W) for the event seconds first … last (both included, UTC epoch seconds or seconds of day): the
   * share of a day's visits in their seconds of day. A window crossing midnight takes the end of one day
   * and the start of the next; a window of a day or more is 1 per whole day it spans.
   */
  fraction(first: number, last: number): number {
    if (!(Number.isInteger(first) && Number.isInteger(last)) || last < first) throw new RangeError(`bad window ${first}…${last}`);
    const width = last - first + 1;
    const whole = Math.floor(width / SECONDS_PER_DAY);
    const rest = width - whole * SECONDS_PER_DAY;
    if (rest === 0) return whole;
    const a = mod(first, SECONDS_PER_DAY);
    const b = a + rest; // exclusive, may pass midnight
    const sum = b <= SECONDS_PER_DAY ? this.cum[b] - this.cum[a] : this.total - this.cum[a] + this.cum[b - SECONDS_PER_DAY];
    return whole + sum / this.total;
  }

  /** The share of each hour of the day (24 numbers summing to 1). */
  hourly(): number[] {
    return Array.from({ length: 24 }, (_, h) => (this.cum[(h + 1) * 3600] - this.cum[h * 3600]) / this.total);
  }
}

/** A span of seconds of day, both included. */
export interface DayRange {
  from: number;
  to: number;
}

/**
 * The seconds of day of the event seconds first … last: one range, two when the window crosses midnight
 * (23:59:30 … 00:00:29 → 86,370 … 86,399 and 0 … 29), the whole day when it spans a day or more. Readers
 * that hold only the set's curve in PostgreSQL sum these slices (adapters/attention-store.ts).
 */
export function dayRanges(first: number, last: number): DayRange[] {
  if (!(Number.isInteger(first) && Number.isInteger(last)) || last < first) throw new RangeError(`bad window ${first}…${last}`);
  if (last - first + 1 >= SECONDS_PER_DAY) return [{ from: 0, to: SECONDS_PER_DAY - 1 }];
  const a = mod(first, SECONDS_PER_DAY);
  const b = mod(last, SECONDS_PER_DAY);
  return a <= b ? [{ from: a, to: b }] : [{ from: a, to: SECONDS_PER_DAY - 1 }, { from: 0, to: b }];
}

/**
 * F(W) from the curve's sum over W's seconds of day and its total (the mean visits of a day); a set whose
 * days are all empty (total 0) is read as flat, like DayCurve.
 */
export function windowFraction(sum: number, total: number, width: number): number {
  if (total > 0) return sum / total;
  return Math.min(width, SECONDS_PER_DAY) / SECONDS_PER_DAY;
}

/** E = m_c × F(W). */
export function expectedVisits(baseline: number, fraction: number): number {
  return baseline * fraction;
}

/** z = (observed − E) / √(E + 1): Poisson standard deviations above the expectation (see the header). */
export function attentionScore(observed: number, expected: number): number {
  return (observed - expected) / Math.sqrt(expected + 1);
}

/** Visits per CIK of a window: a Map, or the live read's CikTally (get gives 0 or undefined when none). */
export interface VisitCounts {
  entries(): Iterable<[number, number]>;
  get(cik: number): number | undefined;
  readonly size: number;
}

/** One company over one window. `new`: never seen in the set's days (m_c = 0, E = 0). */
export interface AttentionEntry {
  cik: number;
  visits: number;
  expected: number;
  score: number;
  new: boolean;
}

export interface Thresholds {
  minVisits: number;
  minScore: number;
}

/** Ranking: score descending, then visits descending, then the smaller CIK. */
export function compareAttention(a: AttentionEntry, b: AttentionEntry): number {
  return b.score - a.score || b.visits - a.visits || a.cik - b.cik;
}

/** The score of one company given its visits, its baseline (undefined: never seen) and F(W). */
export function scoreOne(cik: number, visits: number, baseline: number | undefined, fraction: number): AttentionEntry {
  const expected = expectedVisits(baseline ?? 0, fraction);
  return { cik, visits, expected, score: attentionScore(visits, expected), new: baseline === undefined };
}

/**
 * The companies of a window that pass both thresholds (visits ≥ minVisits and score ≥ minScore), in
 * ranking order, at most `limit` (no limit: all). `baseline(cik)` is m_c, undefined for a CIK the set never
 * saw. Only CIKs with at least minVisits visits are looked at, so `baseline` may be a lookup of those alone.
 */
export function rankAlerts(
  visits: VisitCounts,
  baseline: (cik: number) => number | undefined,
  fraction: number,
  thresholds: Thresholds,
  limit = Infinity,
): AttentionEntry[] {
  const out: AttentionEntry[] = [];
  for (const [cik, n] of visits.entries()) {
    if (n < thresholds.minVisits) continue;
    const e = scoreOne(cik, n, baseline(cik), fraction);
    if (e.score >= thresholds.minScore) out.push(e);
  }
  return out.sort(compareAttention).slice(0, Math.max(0, limit));
}

/** The CIKs of a window worth a baseline lookup: those with at least minVisits visits. */
export function candidates(visits: VisitCounts, minVisits: number): number[] {
  const out: number[] = [];
  for (const [cik, n] of visits.entries()) if (n >= minVisits) out.push(cik);
  return out.sort((a, b) => a - b);
}

/** What changed in an alert list between two reads (`alerts --follow`). */
export interface AlertChanges {
  /** Companies in the new list and not the previous one, in ranking order. */
  entered: AttentionEntry[];
  /** Companies of the previous list not in the new one, as they were last listed, in CIK order. */
  left: AttentionEntry[];
  /** The new list by CIK, to pass as `previous` next time. */
  listed: Map<number, AttentionEntry>;
}

/**
 * How far below the thresholds a listed company may fall before `--follow` says it left: 3/4 of each
 * (at the defaults it stays while it has 15 visits and z ≥ 3). Without this margin a company hovering at
 * the threshold — 20 visits, then 19, then 20 as seconds enter and leave the window — would enter and
 * leave every few seconds: measured on generated traffic, that tripled the enter lines (docs/alerts.md).
 */
export const STAY_FACTOR = 0.75;

/** The thresholds a company already listed must keep passing to stay listed (`--follow`). */
export function stayThresholds(t: Thresholds): Thresholds {
  return { minVisits: Math.ceil(t.minVisits * STAY_FACTOR), minScore: t.minScore * STAY_FACTOR };
}

/**
 * The list `--follow` keeps: from the entries passing the stay thresholds (`relaxed`, in ranking order),
 * the companies already listed, and the others that pass the thresholds themselves.
 */
export function followList(previous: ReadonlyMap<number, AttentionEntry>, relaxed: readonly AttentionEntry[], t: Thresholds): AttentionEntry[] {
  return relaxed.filter((e) => previous.has(e.cik) || (e.visits >= t.minVisits && e.score >= t.minScore));
}

/** The enter/leave diff of `--follow`: a company staying in the list is not reported again. */
export function alertChanges(previous: ReadonlyMap<number, AttentionEntry>, current: readonly AttentionEntry[]): AlertChanges {
  const listed = new Map(current.map((e) => [e.cik, e]));
  const entered = current.filter((e) => !previous.has(e.cik));
  const left = [...previous.values()].filter((e) => !listed.has(e.cik)).sort((a, b) => a.cik - b.cik);
  return { entered, left, listed };
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}
