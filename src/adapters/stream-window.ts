/**
 * Every CIK's visits over a sliding window of the live state (docs/redis.md, "Reading"), for
 * `findoc alerts` and `findoc attention`: the same exact read as `findoc top` — one call of the window
 * script (stream-state-top.lua, its KEYS/ARGV contract in its header) returning the CIK lists `sec:<s>` of
 * the window's seconds, counted here per CIK — for any window up to the hour the CIK lists are kept
 * (10 min included, which is not one of top's windows). Nothing is sorted: the caller keeps the few CIKs
 * that pass its thresholds.
 */
import { CikTally } from '../core/cik-tally.js';
import type { StreamState } from './stream-state.js';
import { CIK_HORIZON_SECONDS } from './stream-state.js';

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
  /** Visits per CIK (get gives 0 for a CIK without visits). */
  visits: CikTally;
}

/** The window script, defined on the connection by StreamState's constructor (EVALSHA, EVAL fallback). */
type WindowScript = (args: (string | number)[]) => Promise<[number | Buffer, number | Buffer, number | Buffer, (Buffer | null)[]] | []>;

/** Every CIK's visits in the `seconds` seconds ending at the stream's latest second (or at `end`). */
export async function readWindowCounts(state: StreamState, seconds: number, options: { end?: number } = {}): Promise<WindowCounts> {
  if (!(Number.isInteger(seconds) && seconds >= 1 && seconds <= CIK_HORIZON_SECONDS)) throw new RangeError(`window of ${seconds} s: 1 … ${CIK_HORIZON_SECONDS}`);
  const k = state.keys;
  const script = (state.redis as unknown as { findocStreamTopBuffer: WindowScript }).findocStreamTopBuffer.bind(state.redis);
  // The same four keys and arguments top's window read sends (stream-state-top.lua: base, width, limit, end, "top").
  const reply = await script([k.totals, k.secIndex, k.allTime, k.allCounts, k.base, seconds, 0, options.end ?? '', 'top']);
  if (reply.length === 0) return { asOf: null, first: null, last: null, complete: true, covered: null, visits: new CikTally() };
  const latest = Number(reply[0]);
  const last = Number(reply[1]);
  const first = last - seconds + 1;
  const visits = new CikTally(16);
  for (const list of reply[3]) {
    if (!list) continue;
    // 5 bytes a visit, big-endian (the apply script's packing: docs/redis.md "Keys").
    for (let p = 0; p + 5 <= list.length; p += 5) {
      const cik = list[p] * 0x1_0000_0000 + list.readUInt32BE(p + 1);
      visits.add(cik);
    }
  }
  // The oldest second with a CIK list (idx:sec): where the stream's counts begin.
  const oldest = await state.redis.zrange(k.secIndex, '0', '0');
  const covered = oldest.length === 0 ? first : Math.min(last, Math.max(first, Number(oldest[0])));
  return { asOf: latest, first, last, complete: first > latest - CIK_HORIZON_SECONDS, covered, visits };
}
