/**
 * `findoc attention CIK|TICKER`: one company against its own history — its baseline in the day set (mean
 * daily visits, zero-filled, and the hours the set's day curve expects most of them in), and its live
 * visits over 1 min, 5 min and 1 h against the expected visits, with the score (core/attention.ts).
 */
import { readBaselines, readCurve } from '../adapters/attention-store.js';
import { findCompanies } from '../adapters/companies-store.js';
import { ALERT_WINDOW_SECONDS, DayCurve, scoreOne, type AlertWindow } from '../core/attention.js';
import { notFound } from '../core/errors.js';
import { isoSecond } from '../core/windows.js';
import { checkFilters, loadHistory, namesOf, readScoredWindow, type HistoryDeps } from './history.js';

export interface AttentionOptions {
  company: { cik: number } | { ticker: string };
  set: string;
  redisPrefix: string;
}

export interface AttentionWindow {
  window: AlertWindow;
  visits: number;
  expected: number;
  score: number;
  /** Seconds of the window the stream had counted. */
  coveredSeconds: number;
}

export interface AttentionReport {
  cik: number;
  name: string | null;
  ticker: string | null;
  set: string;
  filter: string;
  asOf: string | null;
  baseline: {
    /** m_c: mean daily visits over the set's days, zero-filled. */
    dailyMean: number;
    /** Days of the set with a visit of the company, and the days the mean is over. */
    daysSeen: number;
    days: number;
    /** Never seen in the set (m_c = 0). */
    new: boolean;
    /** The three hours of day with the most expected visits (m_c × the hour's share of the curve). */
    busiestHours: { hour: string; expected: number }[];
  };
  windows: AttentionWindow[];
}

export const ATTENTION_WINDOWS: readonly AlertWindow[] = ['1m', '5m', '1h'];

export async function run(options: AttentionOptions, deps: HistoryDeps): Promise<AttentionReport> {
  const history = await loadHistory(deps, options.set);
  let cik: number;
  if ('cik' in options.company) cik = options.company.cik;
  else {
    const found = await findCompanies(deps.pool, options.company);
    if (found.length === 0) throw notFound(`no company with ticker ${options.company.ticker} (names and tickers come from: findoc companies sync)`);
    cik = found[0].cik;
  }
  const progress = await deps.state.readProgress();
  checkFilters(progress.filter, history, options.redisPrefix);
  const [baselines, curve, names] = await Promise.all([readBaselines(deps.pool, history.name, [cik]), readCurve(deps.pool, history.name), namesOf(deps.pool, [cik])]);
  const b = baselines.get(cik);
  const mean = b?.mean ?? 0;
  const hourly = curve ? new DayCurve(curve).hourly() : [];
  const busiestHours = hourly
    .map((share, h) => ({ hour: `${String(h).padStart(2, '0')}:00`, expected: mean * share }))
    .sort((x, y) => y.expected - x.expected || x.hour.localeCompare(y.hour))
    .slice(0, 3);
  const windows: AttentionWindow[] = [];
  let asOf: number | null = null;
  for (const window of ATTENTION_WINDOWS) {
    const live = await readScoredWindow(deps, history, ALERT_WINDOW_SECONDS[window]);
    asOf ??= live.asOf;
    const e = scoreOne(cik, live.visits.get(cik) ?? 0, b?.mean, live.fraction);
    windows.push({ window, visits: e.visits, expected: e.expected, score: e.score, coveredSeconds: live.covered === null || live.last === null ? 0 : live.last - live.covered + 1 });
  }
  return {
    cik,
    name: names.get(cik)?.name ?? null,
    ticker: names.get(cik)?.ticker ?? null,
    set: history.name,
    filter: history.filter,
    asOf: asOf === null ? null : isoSecond(asOf),
    baseline: { dailyMean: mean, daysSeen: b?.daysSeen ?? 0, days: history.cikDays, new: b === undefined, busiestHours },
    windows,
  };
}
