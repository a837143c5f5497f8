/**
 * The days a run asks for, as download, generate (and their tests) take them: `--date D`, or
 * `--from D --to D` inclusive, each a real calendar day written YYYY-MM-DD (UTC, as the logs are).
 */
import { usageError } from './errors.js';
import { dayStart } from './visit.js';

/** A bound on one run's range, to catch a mistyped year (--from 2003-01-01 --to 2107-06-30). */
export const MAX_DAYS = 20_000;

const DAY_MS = 86_400_000;

/** Checks a YYYY-MM-DD flag value (a real calendar day); throws FINDOC_USAGE naming the flag. */
export function parseDay(text: string, flag: string): string {
  if (Number.isNaN(dayStart(text))) throw usageError(`${flag} ${text} is not a date`, 'write dates as YYYY-MM-DD, e.g. 2017-06-30');
  return text;
}

/**
 * The days a run asks for, in order: `--date D`, or `--from D --to D` (inclusive). Throws FINDOC_USAGE for
 * a missing, invalid or reversed range, or one longer than MAX_DAYS.
 */
export function requestedDays(flags: { date?: string; from?: string; to?: string }): string[] {
  if (flags.date !== undefined) return [fileDates(flags).from as string];
  if (flags.from === undefined || flags.to === undefined) {
    throw usageError('say which days: --date YYYY-MM-DD, or --from YYYY-MM-DD --to YYYY-MM-DD');
  }
  return dayRange(parseDay(flags.from, '--from'), parseDay(flags.to, '--to'));
}

/**
 * The file-date filter of a command that reads log files (replay, batch, sessions): `--date D` is
 * `--from D --to D`; no flag keeps every file. The dates are checked where the files are selected
 * (core/log-sources.ts).
 */
export function fileDates(flags: { date?: string; from?: string; to?: string }): { from?: string; to?: string } {
  if (flags.date === undefined) return { from: flags.from, to: flags.to };
  if (flags.from !== undefined || flags.to !== undefined) throw usageError('use either --date or --from/--to, not both');
  return { from: parseDay(flags.date, '--date'), to: flags.date };
}

/** Every day from `from` to `to` inclusive (both valid YYYY-MM-DD). */
export function dayRange(from: string, to: string): string[] {
  const start = dayStart(from) * 1000;
  const end = dayStart(to) * 1000;
  if (end < start) throw usageError(`--to ${to} is before --from ${from}`);
  const n = Math.round((end - start) / DAY_MS) + 1;
  if (n > MAX_DAYS) throw usageError(`${n} days is more than ${MAX_DAYS}: check --from and --to`);
  return Array.from({ length: n }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}
