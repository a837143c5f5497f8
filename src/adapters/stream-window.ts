/**
 * Every CIK's visits over a sliding window of the live state (docs/redis.md, "Reading"), for
 * `findoc alerts`: the same exact read as `findoc top` (the CIK lists `sec:<s>` of the window's seconds,
 * counted per CIK), through StreamState's public window reads, for any window up to the hour the CIK lists
 * are kept. A window that is not one of top's (10 min) is read as consecutive top windows with explicit
 * ends, so every part ends where the first read found the stream: the parts cover exactly the window.
 */
import type { StreamState } from './stream-state.js';
import type { SlidingWindowName } from '../core/windows.js';
import { SLIDING_WINDOW_SECONDS } from '../core/windows.js';

export interface WindowCounts {
  /** The stream's latest event second, null before its first write. */
  asOf: number | null;
  /** The window's seconds: first … last (both included); null with asOf. */
  first: number | null;
  last: number | null;
  /** False when part of the window is older than the hour of CIK lists the stream keeps. */
  complete: boolean;
  /**
   * The first second of the window the stream has counted: later than `first` when the stream's oldest
   * kept second is inside the window (a stream started minutes ago has not seen the window's start).
   * Expected visits are computed over covered … last.
   */
  covered: number | null;
  visits: Map<number, number>;
}

/** Parts of a window, longest first: 600 s → 5m + 5m. */
function parts(seconds: number): SlidingWindowName[] {
  const sizes = (Object.entries(SLIDING_WINDOW_SECONDS) as [SlidingWindowName, number][]).sort((a, b) => b[1] - a[1]);
  const out: SlidingWindowName[] = [];
  let left = seconds;
  for (const [name, w] of sizes) {
    while (left >= w) {
      out.push(name);
      left -= w;
    }
  }
  if (left !== 0) throw new RangeError(`a window of ${seconds} s is not made of top windows`);
  return out;
}

/** Every CIK's visits in the `seconds` seconds ending at the stream's latest second (or at `end`). */
export async function readWindowCounts(state: StreamState, seconds: number, options: { end?: number } = {}): Promise<WindowCounts> {
  const [head, ...rest] = parts(seconds);
  const everything = Number.MAX_SAFE_INTEGER;
  const first = await state.readTop(head, everything, options);
  if (first.asOf === null || first.end === null) return { asOf: null, first: null, last: null, complete: true, covered: null, visits: new Map() };
  const visits = new Map<number, number>();
  for (const e of first.entries) visits.set(e.cik, e.visits);
  let complete = first.complete;
  let end = first.end - SLIDING_WINDOW_SECONDS[head];
  for (const w of rest) {
    const r = await state.readTop(w, everything, { end });
    complete &&= r.complete;
    for (const e of r.entries) visits.set(e.cik, (visits.get(e.cik) ?? 0) + e.visits);
    end -= SLIDING_WINDOW_SECONDS[w];
  }
  const start = first.end - seconds + 1;
  // The oldest second with a CIK list (idx:sec, docs/redis.md "Keys"): where the stream's counts begin.
  const oldest = await state.redis.zrange(state.keys.secIndex, '0', '0');
  const covered = oldest.length === 0 ? start : Math.min(first.end, Math.max(start, Number(oldest[0])));
  return { asOf: first.asOf, first: start, last: first.end, complete, covered, visits };
}
