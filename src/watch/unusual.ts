/**
 * The dashboard's "unusual now" panel: the 5 companies with the highest attention score (docs/alerts.md)
 * over the last 5 minutes, beside the top 10 — which company is read far more than its own history says,
 * where the ▲ marks only say who gains share within the last hour.
 *
 * Two parts: `readUnusual` (the read: the window's counts from Redis, the set's curve slice and the
 * listed CIKs' baselines from PostgreSQL; never throws for a missing history or a filter mismatch — the
 * panel says so instead, as the chart does for missing bands) and `unusualPanel` (pure: rows and lines to
 * paint). Cost: one 5-minute window read (~5–15 ms for 2017 rates) every UNUSUAL_REFRESH_MS, not every
 * redraw, so the panel adds well under 1 % of a core to watch.
 */
import type pg from 'pg';
import { curveSum, readBaselines, readSetAttention } from '../adapters/attention-store.js';
import { readWindowCounts } from '../adapters/stream-window.js';
import type { StreamState } from '../adapters/stream-state.js';
import {
  ALERT_WINDOW_SECONDS,
  DEFAULT_MIN_SCORE,
  DEFAULT_MIN_VISITS,
  candidates,
  dayRanges,
  rankAlerts,
  windowFraction,
  type AlertWindow,
  type AttentionEntry,
} from '../core/attention.js';
import { isUndefinedTable } from '../core/service-errors.js';

export const UNUSUAL_WINDOW: AlertWindow = '5m';
export const UNUSUAL_ROWS = 5;
export const UNUSUAL_REFRESH_MS = 5000;

export type UnusualRead = { entries: AttentionEntry[]; asOf: number | null } | { problem: string };

/** The panel's read. `streamFilter`: the stream's filter (meta), null before its first write. */
export async function readUnusual(pool: pg.Pool, state: StreamState, setName: string, streamFilter: string | null): Promise<UnusualRead> {
  let history;
  try {
    history = await readSetAttention(pool, setName);
  } catch (e) {
    if (isUndefinedTable(e)) return { problem: `no history: findoc batch <logs> --set ${setName}` };
    throw e;
  }
  if (!history || history.cikDays === 0) return { problem: `set "${setName}" has no per-company history: findoc batch <logs> --set ${setName}` };
  if (streamFilter !== null && streamFilter !== history.filter) return { problem: `filters differ: stream ${streamFilter}, set ${history.filter}` };
  const live = await readWindowCounts(state, ALERT_WINDOW_SECONDS[UNUSUAL_WINDOW]);
  if (live.covered === null || live.last === null) return { entries: [], asOf: null };
  const fraction = windowFraction(await curveSum(pool, setName, dayRanges(live.covered, live.last)), history.total, live.last - live.covered + 1);
  const baselines = await readBaselines(pool, setName, candidates(live.visits, DEFAULT_MIN_VISITS));
  const entries = rankAlerts(live.visits, (cik) => baselines.get(cik)?.mean, fraction, { minVisits: DEFAULT_MIN_VISITS, minScore: DEFAULT_MIN_SCORE }, UNUSUAL_ROWS);
  return { entries, asOf: live.asOf };
}

export interface UnusualRow {
  rank: number;
  label: string;
  visits: number;
  /** "×12" (visits over expected), or "new" for a company the set never saw. */
  ratio: string;
  score: number;
}

export interface UnusualPanel {
  title: string;
  rows: UnusualRow[];
  /** Shown instead of rows: why there is nothing (no history, filters differ, nothing unusual). */
  note: string | null;
}

/** What the panel shows for a read (null: not read yet). */
export function unusualPanel(read: UnusualRead | null, label: (cik: number) => string): UnusualPanel {
  const title = `unusual now, last ${UNUSUAL_WINDOW.replace('m', ' min')} (z ≥ ${DEFAULT_MIN_SCORE})`;
  if (read === null) return { title, rows: [], note: 'reading…' };
  if ('problem' in read) return { title, rows: [], note: read.problem };
  if (read.entries.length === 0) return { title, rows: [], note: read.asOf === null ? 'waiting for the stream' : 'nothing unusual' };
  return {
    title,
    note: null,
    rows: read.entries.map((e, i) => ({
      rank: i + 1,
      label: label(e.cik),
      visits: e.visits,
      ratio: e.new ? 'new' : e.expected > 0 ? `×${formatRatio(e.visits / e.expected)}` : '×∞',
      score: Math.round(e.score * 10) / 10,
    })),
  };
}

/** Table cells for the panel (rank, company, visits, ratio, z), labels cut to `labelWidth`. */
export function unusualCells(panel: UnusualPanel, labelWidth: number): { headers: string[]; data: string[][] } {
  const headers = ['#', 'company', 'visits', 'vs usual', 'z'];
  if (panel.note !== null) return { headers, data: [['', fitText(panel.note, labelWidth), '', '', '']] };
  return { headers, data: panel.rows.map((r) => [String(r.rank), fitText(r.label, labelWidth), String(r.visits), r.ratio, r.score.toFixed(1)]) };
}

function formatRatio(x: number): string {
  return x >= 100 ? String(Math.round(x)) : x >= 10 ? x.toFixed(0) : x.toFixed(1);
}

function fitText(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + '…';
}
