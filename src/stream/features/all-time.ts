/**
 * The all-time top, as a part of the one apply write: every CIK's visits (HINCRBY all) and the head of the
 * ranking (ZADD top:all above the floor). Its Lua: all-time.lua. Delta: BatchDelta.ciks, .cikVisits.
 */
import type { ApplyPart } from '../../adapters/stream-state.js';
import { loadLua } from '../../adapters/redis.js';
import { cikMember } from '../../core/windows.js';

/**
 * ARGV: n, members, visits. All-time counts packed in two arguments (members of 10 bytes, counts of 4):
 * thousands of CIKs a write, each a pair of arguments, cost the client and Redis more to encode and
 * parse than to apply.
 */
export const allTimeWrite: ApplyPart = {
  name: 'all-time',
  lua: loadLua(import.meta.url, 'all-time.lua'),
  args(delta, args) {
    const members = Buffer.allocUnsafe(delta.ciks.length * 10);
    const counts = Buffer.allocUnsafe(delta.ciks.length * 4);
    for (let i = 0; i < delta.ciks.length; i++) {
      members.write(cikMember(delta.ciks[i]), i * 10, 'latin1');
      counts.writeUInt32BE(delta.cikVisits[i], i * 4);
    }
    args.push(delta.ciks.length, members, counts);
  },
};
