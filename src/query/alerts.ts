/**
 * `findoc alerts`: the companies read far more than usual right now — each company's live visits over a
 * window ending at the stream's latest second against its own history in a day set (docs/alerts.md;
 * the formula: core/attention.ts).
 *
 * One read: the window's counts per CIK (Redis), F(W) from the set's day curve and the baselines of the
 * CIKs with at least --min-visits visits (PostgreSQL), ranked. `--follow` repeats it every second and
 * reports only changes: a company entering the list, and leaving it.
 */
import { ALERT_WINDOW_SECONDS, alertChanges, candidates, followList, rankAlerts, scoreOne, stayThresholds, type AlertWindow, type AttentionEntry, type Thresholds } from '../core/attention.js';
import { isoSecond } from '../core/windows.js';
import { baselinesOf, checkFilters, loadHistory, namesOf, readScoredWindow, type HistoryDeps } from './history.js';

export interface AlertsOptions extends Thresholds {
  set: string;
  window: AlertWindow;
  limit: number;
  /** The stream's namespace, for messages. */
  redisPrefix: string;
}

export interface AlertEntry extends AttentionEntry {
  name: string | null;
  ticker: string | null;
}

export interface AlertsReport {
  asOf: string | null;
  window: AlertWindow;
  set: string;
  filter: string;
  /** F(W): the share of a day's visits the window is expected to hold. */
  fraction: number;
  /** Seconds of the window the stream had counted (fewer than the window right after it started). */
  coveredSeconds: number;
  /** False when the window reaches past the hour of CIK lists the stream keeps. */
  complete: boolean;
  entries: AlertEntry[];
}

/** One read of the alert list. `limit` Infinity: every company passing the thresholds. */
export async function run(options: AlertsOptions, deps: HistoryDeps): Promise<AlertsReport> {
  return (await read(options, deps)).report;
}

async function read(options: AlertsOptions, deps: HistoryDeps) {
  const history = await loadHistory(deps, options.set);
  const progress = await deps.state.readProgress();
  checkFilters(progress.filter, history, options.redisPrefix);
  const live = await readScoredWindow(deps, history, ALERT_WINDOW_SECONDS[options.window]);
  const baselines = await baselinesOf(deps, history, candidates(live.visits, options.minVisits));
  const ranked = rankAlerts(live.visits, (cik) => baselines.get(cik), live.fraction, options, options.limit);
  const names = await namesOf(deps.pool, ranked.map((e) => e.cik));
  const report: AlertsReport = {
    asOf: live.asOf === null ? null : isoSecond(live.asOf),
    window: options.window,
    set: history.name,
    filter: history.filter,
    fraction: live.fraction,
    coveredSeconds: live.covered === null || live.last === null ? 0 : live.last - live.covered + 1,
    complete: live.complete,
    entries: ranked.map((e) => ({ ...e, name: names.get(e.cik)?.name ?? null, ticker: names.get(e.cik)?.ticker ?? null })),
  };
  return { report, live, history };
}

/** A line of `--follow`: a company entering or leaving the list, with its numbers at that moment. */
export interface AlertEvent extends AlertEntry {
  event: 'enter' | 'leave';
  asOf: string | null;
  window: AlertWindow;
  set: string;
}

/**
 * Follows the list until `signal` aborts: every `everyMs`, one read; `emit` gets each company entering the
 * list (ranking order) and each one leaving it (with its current numbers). A company staying in the list
 * is not reported again. A company enters by passing the thresholds and leaves when it no longer passes
 * 3/4 of them (core/attention.ts STAY_FACTOR), so one hovering at a threshold does not flap. --limit does
 * not apply: a company leaves because of its own numbers, not because others outrank it.
 */
export async function follow(
  options: AlertsOptions,
  deps: HistoryDeps,
  emit: (e: AlertEvent) => void,
  signal: AbortSignal,
  everyMs = 1000,
): Promise<{ asOf: string | null; listed: number; reads: number }> {
  let listed = new Map<number, AttentionEntry>();
  const known = new Map<number, { name: string | null; ticker: string | null }>();
  let asOf: string | null = null;
  let reads = 0;
  while (!signal.aborted) {
    // Read with the stay thresholds: the companies listed before stay while they pass those (STAY_FACTOR).
    const { report, live, history } = await read({ ...options, ...stayThresholds(options), limit: Infinity }, deps);
    reads++;
    asOf = report.asOf;
    for (const e of report.entries) known.set(e.cik, { name: e.name, ticker: e.ticker });
    const changes = alertChanges(listed, followList(listed, report.entries, options));
    const common = { asOf: report.asOf, window: report.window, set: report.set };
    for (const e of changes.entered) emit({ event: 'enter', ...common, ...(e as AlertEntry) });
    if (changes.left.length > 0) {
      const baselines = await baselinesOf(deps, history, changes.left.map((e) => e.cik));
      for (const gone of changes.left) {
        const e = scoreOne(gone.cik, live.visits.get(gone.cik) ?? 0, baselines.get(gone.cik), live.fraction);
        emit({ event: 'leave', ...common, ...e, name: known.get(gone.cik)?.name ?? null, ticker: known.get(gone.cik)?.ticker ?? null });
      }
    }
    listed = changes.listed;
    await sleep(everyMs, signal);
  }
  return { asOf, listed: listed.size, reads };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
