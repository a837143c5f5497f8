/**
 * The dashboard's model (findoc watch, DESIGN §3.5): pure functions that turn what was read from Redis and
 * PostgreSQL into what the terminal shows — chart series, temperature words, top-10 rows with "rising"
 * marks, and the status line. The view (src/watch/) only lays these out; this file is unit-tested without
 * a terminal or a service.
 *
 * Definitions beyond temperature.ts
 * ---------------------------------
 * window
 *   The top-10 window cycled by `w`: 10s → 1m → 5m → 1h → 10s (DESIGN §2 sliding windows ending at T).
 * rising fastest
 *   For the window W shown, a company's share now is visits(c, [T−W+1, T]) / visits([T−W+1, T]) and its
 *   previous share the same over the W seconds before, [T−2W+1, T−W]. Its gain is the difference in
 *   percentage points. Among the companies listed, at most RISING_MAX with a gain of at least
 *   RISING_MIN_GAIN points and at least RISING_MIN_VISITS visits now are marked, largest gain first. No
 *   marks when the previous window had no visits (nothing to compare with, e.g. a stream that just
 *   started).
 * data age
 *   Wall clock now minus the END of the latest event second applied (T + 1 s): 0 s means up to date. It is
 *   large when the stream is behind (or replaying the past); negative (events stamped in the future) shows
 *   as "ahead".
 * lag
 *   Per partition: the topic's high watermark minus the stream group's next offset, i.e. records produced
 *   and not yet applied. Shown per partition when they fit, else as a total.
 */
import type { Band, Temperature, VisitSeries } from './temperature.js';
import { secondOfDay, visitsAt } from './temperature.js';

export const WINDOWS = ['10s', '1m', '5m', '1h'] as const;
export type TopWindow = (typeof WINDOWS)[number];
export const WINDOW_SECONDS: Record<TopWindow, number> = { '10s': 10, '1m': 60, '5m': 300, '1h': 3600 };

export function nextWindow(w: TopWindow): TopWindow {
  return WINDOWS[(WINDOWS.indexOf(w) + 1) % WINDOWS.length];
}

export function isTopWindow(text: string): text is TopWindow {
  return (WINDOWS as readonly string[]).includes(text);
}

export interface TopEntry {
  cik: number;
  visits: number;
}

export const RISING_MAX = 3;
export const RISING_MIN_GAIN = 1; // percentage points
export const RISING_MIN_VISITS = 3;

export interface Rising {
  cik: number;
  /** Share gain in percentage points. */
  gain: number;
}

/**
 * Marks the companies rising fastest among `entries` (the window now, with the window's total visits),
 * given their visits over the previous window and that window's total.
 */
export function risingFastest(entries: readonly TopEntry[], total: number, previous: ReadonlyMap<number, number>, previousTotal: number): Rising[] {
  if (total <= 0 || previousTotal <= 0) return [];
  const out: Rising[] = [];
  for (const e of entries) {
    if (e.visits < RISING_MIN_VISITS) continue;
    const gain = (100 * e.visits) / total - (100 * (previous.get(e.cik) ?? 0)) / previousTotal;
    if (gain >= RISING_MIN_GAIN) out.push({ cik: e.cik, gain });
  }
  return out.sort((a, b) => b.gain - a.gain || a.cik - b.cik).slice(0, RISING_MAX);
}

// ---------------------------------------------------------------------------------------------------------
// Formatting

/** 0 → "0", 842 → "842", 12_345 → "12.3k", 1_234_567 → "1.23M". */
export function formatCount(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** A visits/s rate: one decimal below 100, whole above, k/M beyond. */
export function formatRatePerSecond(r: number): string {
  if (r < 100) return r.toFixed(1);
  return formatCount(r);
}

/** A duration in seconds for humans: "0.4 s", "42 s", "12 min 05 s", "3 h 07 min", "12 d 4 h". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(Math.floor(s % 60)).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** Data age (see above): "1.2 s", "3 min 05 s", "2 s ahead", or "no data". */
export function formatDataAge(latestSecond: number | null, nowMs: number): string {
  if (latestSecond === null) return 'no data';
  const age = nowMs / 1000 - (latestSecond + 1);
  if (age < -1) return `${formatDuration(-age)} ahead`;
  return formatDuration(age);
}

export interface PartitionLag {
  partition: number;
  /** null when the topic's end offset is not known. */
  lag: number | null;
}

/**
 * "lag p0 0 · p1 12 · p2 3.4k · p3 0" when it fits in `width` characters, else "lag 3.4k (4 partitions)".
 */
export function formatLag(partitions: readonly PartitionLag[], width = 60): string {
  if (partitions.length === 0) return 'lag ?';
  const known = partitions.filter((p) => p.lag !== null);
  const total = known.reduce((a, p) => a + (p.lag as number), 0);
  const sorted = [...partitions].sort((a, b) => a.partition - b.partition);
  const each = `lag ${sorted.map((p) => `p${p.partition} ${p.lag === null ? '?' : formatCount(p.lag)}`).join(' · ')}`;
  if (each.length <= width) return each;
  const unknown = partitions.length - known.length;
  return `lag ${formatCount(total)} (${partitions.length} partitions${unknown > 0 ? `, ${unknown} unknown` : ''})`;
}

/** HH:MM:SS of a Unix second (UTC). */
export function clockTime(unixSecond: number): string {
  const s = secondOfDay(unixSecond);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

// ---------------------------------------------------------------------------------------------------------
// The chart

export interface ChartSeries {
  /** One label per point: HH:MM:SS. */
  x: string[];
  visits: number[];
  /** Per point, NaN where the set has no band for that second. */
  p25: number[];
  p75: number[];
  p95: number[];
  /** Whether any band value is known (else the band lines are left out). */
  hasBands: boolean;
  maxY: number;
}

/**
 * The last `span` seconds ending at T, as chart series. Points are averaged into buckets so that at most
 * `maxPoints` remain (a 1-hour span on an 80-column chart would otherwise draw 3,600 points into ~140 dots).
 */
export function chartSeries(series: VisitSeries, latest: number, span: number, bandAt: (secondOfDay: number) => Band | undefined, maxPoints: number): ChartSeries {
  const bucket = Math.max(1, Math.ceil(span / Math.max(2, maxPoints)));
  const first = latest - span + 1;
  const out: ChartSeries = { x: [], visits: [], p25: [], p75: [], p95: [], hasBands: false, maxY: 0 };
  for (let start = first; start <= latest; start += bucket) {
    const end = Math.min(latest, start + bucket - 1);
    const n = end - start + 1;
    let v = 0;
    let p25 = 0;
    let p75 = 0;
    let p95 = 0;
    let banded = true;
    for (let s = start; s <= end; s++) {
      v += visitsAt(series, s);
      const b = bandAt(secondOfDay(s));
      if (!b) banded = false;
      else {
        p25 += b.p25;
        p75 += b.p75;
        p95 += b.p95;
      }
    }
    out.x.push(clockTime(end));
    out.visits.push(v / n);
    out.p25.push(banded ? p25 / n : NaN);
    out.p75.push(banded ? p75 / n : NaN);
    out.p95.push(banded ? p95 / n : NaN);
    if (banded) out.hasBands = true;
  }
  for (const arr of [out.visits, out.p95]) for (const y of arr) if (Number.isFinite(y) && y > out.maxY) out.maxY = y;
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Words

export const TEMPERATURE_WORDS: Record<Temperature['level'], string> = {
  cold: 'COLD',
  normal: 'NORMAL',
  warm: 'WARM',
  hot: 'HOT',
  unknown: 'UNKNOWN',
};

const TREND_ARROWS = { rising: '↑ rising', falling: '↓ falling', steady: '→ steady', unknown: '' } as const;

/** The temperature box's lines (plain text; the view adds colour from `level`). */
export function temperatureLines(t: Temperature, setName: string, missingBandsReason?: string): string[] {
  const lines = [TEMPERATURE_WORDS[t.level]];
  if (t.rate === null) return [...lines, 'waiting for the stream'];
  lines.push(`${formatRatePerSecond(t.rate)} visits/s (last 10 s)`);
  if (t.band) {
    lines.push(`p25 ${formatRatePerSecond(t.band.p25)} · p75 ${formatRatePerSecond(t.band.p75)} · p95 ${formatRatePerSecond(t.band.p95)}`);
    lines.push(`vs "${setName}" at ${clockTime(t.from as number)}–${clockTime(t.to as number)}`);
  } else {
    lines.push(missingBandsReason ?? `no bands for "${setName}" at these seconds`);
  }
  if (t.trend.direction !== 'unknown') {
    const rel = t.trend.relative === null ? '' : ` (${t.trend.relative >= 0 ? '+' : ''}${(100 * t.trend.relative).toFixed(0)}%)`;
    lines.push(`${TREND_ARROWS[t.trend.direction]}${t.trend.direction === 'steady' ? '' : rel}`);
  }
  return lines;
}

export interface TopRow {
  rank: number;
  label: string;
  visits: number;
  rising: boolean;
}

export function topRows(entries: readonly TopEntry[], label: (cik: number) => string, rising: readonly Rising[] = []): TopRow[] {
  const marked = new Set(rising.map((r) => r.cik));
  return entries.map((e, i) => ({ rank: i + 1, label: label(e.cik), visits: e.visits, rising: marked.has(e.cik) }));
}

/** Cuts a label to a column width with an ellipsis. */
export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + '…';
}
