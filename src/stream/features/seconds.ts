/**
 * Visits per second and the sliding windows, as a part of the one apply write: each second's visits
 * (HINCRBY vps:<minute>) and the CIK of each visit for the seconds the longest window reaches (APPEND
 * sec:<s>); "late" visits outside the retention. Its Lua: seconds.lua. Delta: BatchDelta.seconds.
 */
import type { ApplyPart } from '../../adapters/stream-state.js';
import { loadLua } from '../../adapters/redis.js';

/** ARGV: n, n × (second, visits, CIKs packed 5 bytes each). */
export const secondsWrite: ApplyPart = {
  name: 'seconds',
  lua: loadLua(import.meta.url, 'seconds.lua'),
  args(delta, args) {
    args.push(delta.seconds.length);
    for (const s of delta.seconds) args.push(s.second, s.visits, s.ciks);
  },
};
