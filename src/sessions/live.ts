/**
 * findoc sessions --live: the sessions `findoc stream --sessions N` keeps in Redis (docs/redis.md): the
 * ended ones from the capped stream, oldest first, then the open ones as if the input ended now (by first
 * request), in the line format of the file mode (core/sessions.ts sessionLine). For a file replayed with
 * `replay --keep-time`, these are the lines `findoc sessions FILE --inactivity N` prints, as a set.
 */
import type { Writable } from 'node:stream';
import type { StreamState } from '../adapters/stream-state.js';
import { ipOfKey } from '../core/robots.js';
import { formatDateTime } from '../core/sessions.js';

export interface LiveSessionsReport {
  inactivity: number;
  ended: number;
  open: number;
}

function line(ip: string, first: number, last: number, count: number, json: boolean, open: boolean): string {
  if (!json) return `${ip},${formatDateTime(first)},${formatDateTime(last)},${last - first + 1},${count}`;
  return JSON.stringify({ ip, first: formatDateTime(first), last: formatDateTime(last), durationSeconds: last - first + 1, requests: count, open });
}

/**
 * Writes the namespace's sessions to `out`; null when the namespace keeps none. With `follow` (an abort
 * signal): the ended sessions, then every session as it ends, until the signal (the open ones are not
 * printed: each is printed when it ends).
 */
export async function writeLiveSessions(state: StreamState, out: Writable, json: boolean, follow?: AbortSignal): Promise<LiveSessionsReport | null> {
  const inactivity = await state.sessionsInactivity();
  if (inactivity === null) return null;
  let text = '';
  const flush = async () => {
    if (text !== '' && !out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
    text = '';
  };
  let ended = 0;
  // With --follow, the backlog ends at the newest entry now, and following starts right after it.
  let last = follow ? await state.lastEndedSessionId() : '+';
  for await (const s of state.readEndedSessions(last)) {
    const [ip, first, last, count] = s.split(',');
    text += line(ip, Number(first), Number(last), Number(count), json, false) + '\n';
    ended++;
    if (text.length > 65_536) await flush();
  }
  if (follow) {
    await flush();
    while (!follow.aborted) {
      const [next, lines] = await state.followEndedSessions(last, 1000);
      last = next;
      for (const s of lines) {
        const [ip, first, lastSecond, count] = s.split(',');
        text += line(ip, Number(first), Number(lastSecond), Number(count), json, false) + '\n';
        ended++;
      }
      await flush();
    }
    return { inactivity, ended, open: 0 };
  }
  const open = (await state.readOpenSessions()).sort((a, b) => a.first - b.first || a.key - b.key);
  for (const s of open) {
    text += line(ipOfKey(s.key), s.first, s.last, s.count, json, true) + '\n';
    if (text.length > 65_536) await flush();
  }
  await flush();
  return { inactivity, ended, open: open.length };
}
