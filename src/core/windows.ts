/**
 * Sliding windows over event seconds, and the top-N order (DESIGN §2 "Top companies").
 *
 * A window W (10 s, 1 min, 5 min, 1 h) *ending at* the latest event second T covers the W seconds
 * T − W + 1 … T, both ends included: the "10s" window at T = 00:01:11 is 00:01:02 … 00:01:11, and a visit
 * at 00:01:01 no longer counts. `all` is every visit since the namespace was created or reset.
 *
 * Top N: entries sorted by visits descending, then CIK ascending (ties break by the smaller CIK), cut to N.
 *
 * Pure: no Redis here. src/adapters/stream-state.ts keeps the CIKs of each second's visits and counts the seconds a
 * window covers; this file says which seconds those are.
 */
import { usageError } from './errors.js';

export const TOP_WINDOWS = ['10s', '1m', '5m', '1h', 'all'] as const;
export type TopWindowName = (typeof TOP_WINDOWS)[number];
/** The sliding ones (all but `all`). */
export type SlidingWindowName = Exclude<TopWindowName, 'all'>;

export const SLIDING_WINDOW_SECONDS: Readonly<Record<SlidingWindowName, number>> = { '10s': 10, '1m': 60, '5m': 300, '1h': 3600 };

/** The longest sliding window: per-second per-CIK counts are kept this long behind the latest second. */
export const LONGEST_WINDOW_SECONDS = 3600;

export function isTopWindow(text: string): text is TopWindowName {
  return (TOP_WINDOWS as readonly string[]).includes(text);
}

/** Reads a --window value ("10s", "1m", "5m", "1h", "all"); a usage error (exit 64) otherwise. */
export function parseWindow(text: string): TopWindowName {
  const t = text.trim().toLowerCase();
  if (isTopWindow(t)) return t;
  throw usageError(`unknown window "${text}"`, `use one of: ${TOP_WINDOWS.join(', ')}`);
}

/** Length in seconds, or null for `all`. */
export function windowSeconds(window: TopWindowName): number | null {
  return window === 'all' ? null : SLIDING_WINDOW_SECONDS[window];
}

/** The event seconds a sliding window ending at `end` covers, both included. */
export interface SecondRange {
  first: number;
  last: number;
}

export function windowRange(window: SlidingWindowName, end: number): SecondRange {
  return { first: end - SLIDING_WINDOW_SECONDS[window] + 1, last: end };
}

/** Does the window ending at `end` count a visit at event second `second`? */
export function windowCovers(window: TopWindowName, end: number, second: number): boolean {
  if (window === 'all') return second <= end;
  const r = windowRange(window, end);
  return second >= r.first && second <= r.last;
}

export interface TopEntry {
  cik: number;
  visits: number;
}

/** The top-N order: visits descending, then CIK ascending. */
export function compareTop(a: TopEntry, b: TopEntry): number {
  return b.visits - a.visits || a.cik - b.cik;
}

/** The first `limit` entries in top-N order (does not modify its input). */
export function topN(entries: Iterable<TopEntry>, limit: number): TopEntry[] {
  return [...entries].sort(compareTop).slice(0, Math.max(0, limit));
}

/**
 * CIKs are stored as sorted-set members written with 10 digits ("0001608552"), so that members with equal
 * counts sort by CIK (Redis orders equal scores by member bytes), which is what makes "the smallest CIKs
 * among a tie" a range query.
 */
export function cikMember(cik: number): string {
  const s = String(cik);
  return s.length >= 10 ? s : '0000000000'.slice(s.length) + s;
}

export function memberCik(member: string): number {
  return Number(member);
}

/** "2017-06-30T00:01:11Z": an event second as ISO 8601 UTC without fractions (the `asOf` of top --json). */
export function isoSecond(second: number): string {
  return new Date(second * 1000).toISOString().replace('.000Z', 'Z');
}
