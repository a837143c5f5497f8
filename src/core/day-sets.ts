/**
 * Day sets (DESIGN §3.4): a named baseline such as "2017-H1, humans only" — one filter, the days batch runs
 * added to it (its candidates), and rules that keep abnormal days out of its bands:
 *
 *   --exclude-days  days or inclusive ranges, e.g. "2005-09-23..2006-05-10,2017-04-28" (the SEC's damaged
 *                   period, a partial file);
 *   --min-visits N  a day counting fewer than N visits (under the set's filter) is left out.
 *
 * A candidate is a *member* when its counts are stored (its job is done), it is not excluded and it has
 * at least min-visits visits. The bands are computed over the members only; every other candidate is
 * listed with its reason. The members and the revision of each one's counts make the set's fingerprint:
 * when it has not changed since the last computation, the stored bands are still exact and nothing is
 * recomputed (percentiles are not decomposable, so a changed set is recomputed from the stored counts —
 * which is cheap next to parsing its days, the part batch never repeats).
 *
 * Pure: the adapter reads and writes the tables, this decides.
 */
import { createHash } from 'node:crypto';
import { usageError } from './errors.js';
import { dayStart, formatDay } from './visit.js';

/** An inclusive range of days, YYYY-MM-DD. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * Parses an --exclude-days list: comma-separated days (YYYY-MM-DD) and inclusive ranges (FROM..TO).
 * Empty → no exclusions. Throws FINDOC_USAGE naming the bad item.
 */
export function parseDayList(spec: string): DayRange[] {
  const out: DayRange[] = [];
  for (const raw of spec.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [from, to = from, extra] = item.split('..').map((s) => s.trim());
    if (extra !== undefined || Number.isNaN(dayStart(from)) || Number.isNaN(dayStart(to))) {
      throw usageError(`--exclude-days: "${item}" is not a day or a range`, 'write days as YYYY-MM-DD and ranges as FROM..TO, comma separated');
    }
    if (from > to) throw usageError(`--exclude-days: the range ${item} ends before it starts`);
    out.push({ from, to });
  }
  return normalizeRanges(out);
}

/** Sorted, with overlapping and adjacent ranges merged. */
export function normalizeRanges(ranges: readonly DayRange[]): DayRange[] {
  const sorted = [...ranges].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const out: DayRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= nextDay(last.to)) {
      if (r.to > last.to) last.to = r.to;
    } else out.push({ ...r });
  }
  return out;
}

export function nextDay(day: string): string {
  return formatDay(dayStart(day) + 86_400);
}

export function isExcluded(day: string, ranges: readonly DayRange[]): boolean {
  return ranges.some((r) => day >= r.from && day <= r.to);
}

/** "2005-09-23..2006-05-10,2017-04-28" (the canonical form of a list). */
export function formatDayList(ranges: readonly DayRange[]): string {
  return ranges.map((r) => (r.from === r.to ? r.from : `${r.from}..${r.to}`)).join(',');
}

/** What the store knows of one candidate day of a set. */
export interface CandidateDay {
  day: string;
  /** Job state of (day, set filter); "not_loaded" when the day was never queued for this filter. */
  state: 'pending' | 'running' | 'done' | 'failed' | 'not_loaded';
  /** day_counts.visits and .revision when counts are stored, else null. */
  visits: number | null;
  revision: number | null;
}

export type ExclusionReason = 'excluded' | 'below_min_visits' | 'failed' | 'not_loaded' | 'in_progress';

export interface SetRules {
  minVisits: number;
  exclude: readonly DayRange[];
}

export interface SetSelection {
  members: Array<{ day: string; visits: number; revision: number }>;
  left: Array<{ day: string; reason: ExclusionReason; visits: number | null }>;
}

/**
 * Splits candidates into members and left-out days (each with one reason, checked in this order:
 * excluded, failed, in_progress, not_loaded, below_min_visits). A failed day is left out even when older
 * counts of it are stored: its latest file could not be read, so nothing says the old counts are right.
 */
export function selectMembers(candidates: readonly CandidateDay[], rules: SetRules): SetSelection {
  const members: SetSelection['members'] = [];
  const left: SetSelection['left'] = [];
  for (const c of [...candidates].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))) {
    let reason: ExclusionReason | null = null;
    if (isExcluded(c.day, rules.exclude)) reason = 'excluded';
    else if (c.state === 'failed') reason = 'failed';
    else if (c.state === 'pending' || c.state === 'running') reason = 'in_progress';
    else if (c.state === 'not_loaded' || c.visits === null || c.revision === null) reason = 'not_loaded';
    else if (c.visits < rules.minVisits) reason = 'below_min_visits';
    if (reason === null) members.push({ day: c.day, visits: c.visits as number, revision: c.revision as number });
    else left.push({ day: c.day, reason, visits: c.visits });
  }
  return { members, left };
}

/**
 * Identity of what a set's bands are computed from: the filter and each member day with the revision of
 * its counts. Equal fingerprints ⇒ equal bands (percentile_cont is a function of those numbers only).
 */
export function setFingerprint(filter: string, members: SetSelection['members']): string {
  const h = createHash('sha256');
  h.update(`bands-v1\n${filter}\n`);
  for (const m of members) h.update(`${m.day}:${m.revision}\n`);
  return h.digest('hex');
}
