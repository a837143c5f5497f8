/**
 * Seconds of the day as users write them (`findoc bands --at 14:30:00`, `findoc replay --start-at 09:30`),
 * the one grammar of every time-of-day flag: H:M[:S], each part one or two digits, 00:00:00 … 23:59:59
 * (UTC, as the logs are); seconds default to 0. visit.ts's formatTime writes them back.
 */
import { usageError } from './errors.js';

/** "14:30:05" → 52205; "14:30" → 52200. Throws FINDOC_USAGE naming the flag. */
export function parseTimeOfDay(text: string, flag: string): number {
  const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?$/.exec(text.trim());
  const h = m ? Number(m[1]) : NaN;
  const min = m ? Number(m[2]) : NaN;
  const s = m?.[3] !== undefined ? Number(m[3]) : 0;
  if (!m || h > 23 || min > 59 || s > 59) {
    throw usageError(`${flag} ${text} is not a time of day`, 'write HH:MM or HH:MM:SS (UTC), 00:00 … 23:59:59');
  }
  return h * 3600 + min * 60 + s;
}
