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
import { companyLabel } from '../core/companies.js';
import { usageError } from '../core/errors.js';
import type { Band, Temperature, VisitSeries } from '../core/temperature.js';
import { lastCompleteSecond, secondOfDay, temperature, visitsAt } from '../core/temperature.js';
import { SLIDING_WINDOW_SECONDS, TOP_WINDOWS, type SlidingWindowName } from '../core/windows.js';
import { unusualPanel, type UnusualPanel, type UnusualRead } from './unusual.js';

/** The sliding windows of the stream (windows.ts), in the order `w` cycles them. */
export type TopWindow = SlidingWindowName;
export const WINDOWS: readonly TopWindow[] = TOP_WINDOWS.filter((w): w is TopWindow => w !== 'all');
export const WINDOW_SECONDS: Readonly<Record<TopWindow, number>> = SLIDING_WINDOW_SECONDS;

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

/**
 * The "previous window" of rising fastest (risingFastest above): the W seconds before the window, for the
 * windows whose previous one is still within the hour of per-second per-CIK counts the stream keeps. For
 * 1 h it is not, so the 1 h table compares the whole hour with its last 5 minutes instead: "now" is
 * [T − 299, T], "before" the hour [T − 3599, T].
 */
export function risingComparison(window: TopWindow, T: number): { now?: { window: TopWindow; from: number; to: number }; before: { window: TopWindow; end: number; from: number; to: number } } {
  const w = WINDOW_SECONDS[window];
  if (window === '1h') return { now: { window: '5m', from: T - 299, to: T }, before: { window: '1h', end: T, from: T - w + 1, to: T } };
  return { before: { window, end: T - w, from: T - 2 * w + 1, to: T - w } };
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
  /** Set only when the stream reads several topics. */
  topic?: string;
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
  const each = `lag ${sorted.map((p) => `${p.topic ? p.topic + '/' : ''}p${p.partition} ${p.lag === null ? '?' : formatCount(p.lag)}`).join(' · ')}`;
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
  /** Whether every point has its band (else the band lines are left out rather than drawn with holes). */
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
  if (span <= 0) return out;
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
  }
  out.hasBands = out.p25.length > 0 && out.p25.every((y) => !Number.isNaN(y));
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

/**
 * The temperature box's lines (plain text; the view adds colour from `level`): the level, then a small
 * thermometer — the band lines from p95 down to p25 with the current rate placed among them — the day set,
 * the seconds measured and the trend. E.g.
 *
 *   HOT
 *   ▶ now   61.3/s
 *     p95   60.0
 *     p75   40.0
 *     p25   20.0
 *   set "default", same seconds
 *   of day 13:09:37–13:09:46
 *   → steady
 */
export function temperatureLines(t: Temperature, setName: string, missingBandsReason?: string): string[] {
  const lines = [TEMPERATURE_WORDS[t.level]];
  if (t.rate === null) return [...lines, 'waiting for the stream'];
  const now = `▶ now  ${formatRatePerSecond(t.rate).padStart(6)}/s`;
  if (t.band) {
    const marks: [string, number][] = [
      ['p95', t.band.p95],
      ['p75', t.band.p75],
      ['p25', t.band.p25],
    ];
    let placed = false;
    for (const [name, value] of marks) {
      // The rate goes above the first line it exceeds (above p95 = hot, …), matching classify().
      const above = name === 'p25' ? t.rate >= value : t.rate > value;
      if (!placed && above) {
        lines.push(now);
        placed = true;
      }
      lines.push(`  ${name}  ${formatRatePerSecond(value).padStart(6)}`);
    }
    if (!placed) lines.push(now);
    lines.push(`set "${setName}", same seconds`);
    lines.push(`of day ${clockTime(t.from as number)}–${clockTime(t.to as number)}`);
  } else {
    lines.push(now);
    lines.push(missingBandsReason ?? `no bands for "${setName}" at these seconds`);
  }
  if (t.trend.direction !== 'unknown') {
    const rel = t.trend.relative === null ? '' : ` (${t.trend.relative >= 0 ? '+' : ''}${(100 * t.trend.relative).toFixed(0)}%)`;
    lines.push(`${TREND_ARROWS[t.trend.direction]}${t.trend.direction === 'steady' ? '' : rel}, last 10 s`);
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

// ---------------------------------------------------------------------------------------------------------
// The whole screen

/** A service the dashboard reads, when it did not answer at the last refresh. */
export interface ServiceDown {
  service: string;
  address: string;
  /** Wall-clock ms of the first failed read in a row. */
  since: number;
  error: string;
}

/** Everything one refresh read (src/watch/source.ts). Fields keep their last value while a service is down. */
export interface WatchSnapshot {
  /** Wall-clock ms of the read. */
  now: number;
  /** T: the latest event second applied by the stream; null before any. */
  latest: number | null;
  /** Wall-clock ms of the stream's last apply (any process of the namespace); null before any. */
  lastApplyMs: number | null;
  /** Visits per second covering at least [T − span − 20, T]. */
  series: VisitSeries;
  bandAt: (secondOfDay: number) => Band | undefined;
  /** Why there are no bands, when there are none ("no day set "x": run findoc batch …"). */
  bandsNote?: string;
  setName: string;
  /** The stream's namespace (--redis-prefix), named while it is empty. */
  prefix?: string;
  topAll: readonly TopEntry[];
  window: TopWindow;
  topWindow: readonly TopEntry[];
  /**
   * Rising fastest (see risingFastest): visits of everyone "now" and "before", and the listed companies'
   * visits before. "Now" is the window itself unless `risingNow` gives the listed companies' visits over a
   * shorter recent part of it (the 1 h window: its last 5 minutes, src/watch/source.ts).
   */
  windowTotal: number;
  risingNow?: ReadonlyMap<number, number>;
  previous: ReadonlyMap<number, number>;
  previousTotal: number;
  names: ReadonlyMap<number, { name: string; ticker: string | null }>;
  partitions: readonly PartitionLag[];
  /** Visits applied per second of wall time by the stream, lately; null when unknown. */
  ingestRate: number | null;
  /** The filter the stream counts under (Redis meta) and the one the set's days were counted under (PostgreSQL). */
  streamFilter?: string | null;
  setFilter?: string | null;
  /** Human and robot visits of the namespace, when the stream has the robots rule. */
  shares?: { humans: number; robots: number } | null;
  /** stream --sessions: open sessions now, and the median duration of those ended in the last minutes. */
  sessions?: SessionsNow | null;
  /** The "unusual now" panel's last read (src/watch/unusual.ts); null or absent before the first. */
  unusual?: UnusualRead | null;
  down: readonly ServiceDown[];
}

export type Tone = 'normal' | 'good' | 'warn' | 'bad' | 'dim';

export interface StatusPart {
  text: string;
  tone: Tone;
  /** A shorter form, used when the full text does not fit the terminal (watch/layout.ts fitStatus). */
  short?: string;
  /** Left out first when the line does not fit. */
  optional?: boolean;
}

export interface TopTable {
  title: string;
  rows: TopRow[];
  /** Said in the table when it has no rows (a service down, nothing read yet), or under them. */
  note?: string | null;
}

export interface DashboardView {
  chartTitle: string;
  chart: ChartSeries | null;
  level: Temperature['level'];
  temperature: string[];
  topAll: TopTable;
  topWindow: TopTable;
  unusual: UnusualPanel;
  /** A service the panel reads is down: said in place of the rows, or under them (as last read). */
  unusualStale: string | null;
  status: StatusPart[];
}

export interface ViewOptions {
  span: number;
  maxPoints: number;
  paused: boolean;
  /** Characters available for the lag part of the status line. */
  lagWidth?: number;
}

const WINDOW_WORDS: Record<TopWindow, string> = { '10s': '10 s', '1m': '1 min', '5m': '5 min', '1h': '1 h' };

export function spanWords(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** "humans 63.1 % · robots 36.9 %", or null without the robots rule or before any visit. */
export interface SessionsNow {
  open: number;
  /** Sessions that ended in the last `minutes` minutes, and their median duration (s; NaN: none). */
  ended: number;
  medianSeconds: number;
  minutes: number;
}

/** "sessions 1,204 open · median 2 min 10 s (last 5 min)" — null without sessions. */
export function sessionsText(s: SessionsNow | null | undefined): string | null {
  if (!s) return null;
  const median = Number.isNaN(s.medianSeconds) ? 'none ended' : `median ${formatDuration(s.medianSeconds)}`;
  return `sessions ${s.open.toLocaleString('en-US')} open · ${median} (last ${s.minutes} min)`;
}

export function robotShares(shares: { humans: number; robots: number } | null | undefined): string | null {
  if (!shares || shares.humans + shares.robots === 0) return null;
  const robots = (100 * shares.robots) / (shares.humans + shares.robots);
  return `humans ${(100 - robots).toFixed(1)} % · robots ${robots.toFixed(1)} %`;
}

/**
 * Said on screen when the stream and the set count under different filters (the chart then compares
 * unlike with unlike, e.g. all visits against human bands); null when they agree or one is unknown.
 */
export function filterMismatch(stream: string | null | undefined, set: string | null | undefined): string | null {
  if (!stream || !set || stream === set) return null;
  return `filters differ: stream ${stream}, set ${set}`;
}

/** "Redis unreachable at 127.0.0.1:6379" when that service is down, else null. */
export function downText(down: readonly ServiceDown[], service: string): string | null {
  const d = down.find((x) => x.service === service);
  return d ? `${d.service} unreachable at ${d.address}` : null;
}

export function buildView(s: WatchSnapshot, o: ViewOptions): DashboardView {
  const label = (cik: number) => companyLabel(cik, s.names.get(cik));
  const t = temperature(s.series, lastCompleteSecond(s.latest, s.lastApplyMs, s.now), s.bandAt);
  const chart = s.latest === null ? null : chartSeries(s.series, s.latest, o.span, s.bandAt, o.maxPoints);
  const range = s.latest === null ? '' : ` ${clockTime(s.latest - o.span + 1)}–${clockTime(s.latest)} UTC`;
  // A service that is down is said where its data is missing, not only in the status line.
  const pgDown = downText(s.down, 'PostgreSQL');
  const redisDown = downText(s.down, 'Redis');
  const bandsNote = pgDown && !chart?.hasBands ? pgDown : s.bandsNote;
  const bands = chart?.hasBands
    ? ` vs p25/p75/p95 of "${s.setName}"${pgDown ? ` (${pgDown}: bands as last read)` : ''}`
    : bandsNote
      ? ` (${bandsNote})`
      : ` (no bands for "${s.setName}")`;
  // Nothing drawn because Redis never answered: the chart says why too.
  const chartNote = !chart && redisDown ? ` (${redisDown})` : '';
  const nowEntries = s.risingNow ? s.topWindow.map((e) => ({ cik: e.cik, visits: s.risingNow?.get(e.cik) ?? 0 })) : s.topWindow;
  const rising = risingFastest(nowEntries, s.windowTotal, s.previous, s.previousTotal);

  const status: StatusPart[] = [];
  if (o.paused) status.push({ text: 'PAUSED (p resumes)', tone: 'warn' });
  for (const d of s.down) {
    status.push({ text: `${d.service} unreachable at ${d.address} for ${formatDuration((s.now - d.since) / 1000)}, retrying`, tone: 'bad', short: `${d.service} unreachable` });
  }
  status.push({ text: formatLag(s.partitions, o.lagWidth ?? 60), tone: 'normal' });
  const age = s.latest === null ? null : s.now / 1000 - (s.latest + 1);
  status.push({ text: `data age ${formatDataAge(s.latest, s.now)}`, tone: age === null ? 'dim' : age > 60 ? 'warn' : 'normal' });
  status.push({ text: `ingest ${s.ingestRate === null ? '?' : formatRatePerSecond(s.ingestRate)}/s`, tone: 'normal', optional: true });
  const shares = robotShares(s.shares);
  if (shares) status.push({ text: shares, tone: 'normal', optional: true });
  const sessions = sessionsText(s.sessions);
  if (sessions) status.push({ text: sessions, tone: 'normal', optional: true });
  const mismatch = filterMismatch(s.streamFilter, s.setFilter);
  status.push({ text: 'q quit · p pause · w window · ? help', tone: 'dim' });

  const humans = s.streamFilter?.includes('robots(') ? 'human visits/s' : 'visits/s';
  // Under the thermometer: why the live part is missing or old (Redis down, an empty namespace), the
  // filters differing, and PostgreSQL down while the bands shown are the last read — the chart's title
  // says that too, but a title is cut on narrow terminals.
  const temperatureNotes = [
    ...(redisDown
      ? [redisDown, s.latest === null ? 'no visits read yet; retrying' : 'counts as last read; retrying']
      : s.latest === null && s.prefix !== undefined
        ? [`(nothing under "${s.prefix}" yet:`, 'is findoc stream running', 'with this --redis-prefix?)']
        : mismatch
          ? ['filters differ:', `stream ${s.streamFilter}`, `set ${s.setFilter}`]
          : []),
    ...(pgDown && chart?.hasBands ? [pgDown, 'bands as last read'] : []),
  ];
  // The tables are Redis's: when it is down they say so (with the last rows read, if any, kept).
  const tableNote = redisDown ?? (s.latest === null ? 'waiting for the stream' : null);
  // The unusual panel reads both services (the window from Redis, the history from PostgreSQL).
  const unusual = unusualPanel(s.unusual ?? null, label);
  const unusualDown = [redisDown, pgDown].filter((x): x is string => x !== null).join('; ') || null;
  return {
    chartTitle: `${humans}, last ${spanWords(o.span)}${range}${bands}${chartNote}${mismatch ? ' [filters differ]' : ''}`,
    chart,
    level: t.level,
    temperature: [...temperatureLines(t, s.setName, bandsNote), ...temperatureNotes],
    topAll: { title: 'top 10, all time', rows: topRows(s.topAll, label), note: tableNote },
    topWindow: { title: `top 10, last ${WINDOW_WORDS[s.window]} (w) · ▲ rising`, rows: topRows(s.topWindow, label, rising), note: tableNote },
    unusual,
    unusualStale: unusualDown ? (unusual.rows.length > 0 ? `${unusualDown}: as last read` : unusualDown) : null,
    status,
  };
}
