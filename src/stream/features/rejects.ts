/**
 * Rejects, as a part of the one apply write: per reason (HINCRBY rejects) and the newest samples (LPUSH
 * samples, trimmed to SAMPLES_KEPT). Its Lua: rejects.lua. Delta: BatchCounts.rejects, .samples.
 */
import type { ApplyPart } from '../../adapters/stream-state.js';
import { loadLua } from '../../adapters/redis.js';

/** ARGV: n, n × (reason, count); n, n × sample (JSON). */
export const rejectsWrite: ApplyPart = {
  name: 'rejects',
  lua: loadLua(import.meta.url, 'rejects.lua'),
  args(delta, args) {
    const reasons = Object.entries(delta.rejects);
    args.push(reasons.length);
    for (const [reason, n] of reasons) args.push(reason, n as number);
    args.push(delta.samples.length);
    for (const s of delta.samples) args.push(JSON.stringify(s));
  },
};
