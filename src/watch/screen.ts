/**
 * The dashboard's terminal (blessed + blessed-contrib): lays out and paints a DashboardView
 * (src/watch/dashboard.ts), and turns keys into calls. It reads no service and computes nothing.
 *
 *   ┌ visits/s, last 5 min … ───────────────────────────┐┌ temperature ─────┐
 *   │  line chart: visits/s, p25, p75, p95               ││ HOT              │
 *   │                                                    ││ 212 visits/s …   │
 *   └────────────────────────────────────────────────────┘└──────────────────┘
 *   ┌ top 10, all time ─────────────┐┌ top 10, last 10 s ───────────────────┐
 *   │ 1  Apple Inc. (AAPL)    1.2k  ││ 1 ▲ Tesla, Inc. (TSLA)          42   │
 *   └───────────────────────────────┘└──────────────────────────────────────┘
 *   lag p0 0 · p1 3 … │ data age 0.4 s │ ingest 210/s │ q quit · p pause · w window · ? help
 *
 * Terminal restoration: blessed switches to the alternate screen, hides the cursor and puts the tty in raw
 * mode; destroy() undoes all three. The caller (run.ts) calls destroy() on every exit path — q, Esc, Ctrl-C
 * (a key in raw mode, not a signal), SIGTERM/SIGHUP, and errors — and destroy() is idempotent.
 *
 * Colours: off under NO_COLOR (DESIGN §3): every style is then 'default'/'normal' (no SGR colour codes),
 * and the level and the rising marks are told by words and glyphs alone.
 */
import blessed from 'blessed';
import contrib, { type LineElement, type LineSeries, type TableElement } from 'blessed-contrib';
import type { DashboardView, StatusPart, Tone, TopTable } from './dashboard.js';
import type { TemperatureLevel } from '../core/temperature.js';

export interface ScreenActions {
  quit(): void;
  togglePause(): void;
  nextWindow(): void;
}

export interface DashboardScreen {
  /** How many points the chart can show (one per braille dot column). */
  chartPoints(): number;
  /** Characters available for the lag part of the status line. */
  statusWidth(): number;
  render(view: DashboardView): void;
  /** Idempotent; restores the terminal. */
  destroy(): void;
  readonly destroyed: boolean;
}

const SGR: Record<Exclude<Tone, 'normal'>, string> = { good: '\x1b[32m', warn: '\x1b[33m', bad: '\x1b[1;31m', dim: '\x1b[90m' };
const RESET = '\x1b[0m';

const LEVEL_STYLE: Record<TemperatureLevel, { bg: string; fg: string }> = {
  hot: { bg: 'red', fg: 'white' },
  warm: { bg: 'yellow', fg: 'black' },
  normal: { bg: 'green', fg: 'black' },
  cold: { bg: 'blue', fg: 'white' },
  unknown: { bg: 'default', fg: 'default' },
};

const HELP = `findoc watch — live EDGAR attention

  q, Ctrl-C   quit (the terminal is restored)
  Esc         close this help; quit when no help is shown
  p           pause / resume (the screen freezes; no reads)
  w           top-10 window: 10 s → 1 min → 5 min → 1 h
  ?           this help

Temperature: the mean visits/s of the last 10 complete
seconds against the mean p25/p75/p95 of the same seconds
of the day in the day set (--set): cold < p25 ≤ normal
≤ p75 < warm ≤ p95 < hot. Trend: the last 10 s against
the 10 s before. ▲ = rising fastest: largest gain of
share of the window against the window before.`;

/** The widgets of the layout above, one blessed screen. */
interface Widgets {
  screen: blessed.Widgets.Screen;
  chart: LineElement;
  temperature: blessed.Widgets.BoxElement;
  topAll: TableElement;
  topWindow: TableElement;
  status: blessed.Widgets.BoxElement;
  help: blessed.Widgets.BoxElement;
}

/** Colour names as styles: 'default'/'normal' under NO_COLOR. */
interface Palette {
  colour: boolean;
  c: (name: string) => string;
  line: (name: string) => string;
}

export function createDashboardScreen(actions: ScreenActions, options: { colour: boolean }): DashboardScreen {
  const colour = options.colour;
  const palette: Palette = { colour, c: (name) => (colour ? name : 'default'), line: (name) => (colour ? name : 'normal') };
  const w = createWidgets(palette);
  let last: DashboardView | null = null;
  let destroyed = false;
  bindKeys(w, actions, () => {
    // blessed-contrib sizes a chart's canvas and a table's columns when attached: re-attach, repaint.
    w.chart.emit('attach');
    if (last && !destroyed) paint(w, last, palette);
  });
  return {
    chartPoints: () => Math.max(10, (w.chart.width as number) * 2 - 24),
    statusWidth: () => Math.max(20, Math.floor((w.screen.width as number) / 2)),
    render(view: DashboardView) {
      last = view;
      if (!destroyed) paint(w, view, palette);
    },
    destroy() {
      if (destroyed) return;
      destroyed = true;
      w.screen.destroy();
    },
    get destroyed() {
      return destroyed;
    },
  };
}

function createWidgets({ colour, c, line }: Palette): Widgets {
  const screen = blessed.screen({
    smartCSR: true,
    fullUnicode: true,
    // The braille chart needs a UTF-8 terminal anyway; without this, blessed falls back to the VT100
    // line-drawing charset whenever LANG does not say UTF-8, and "≤", "·", "│" come out as other letters.
    forceUnicode: true,
    title: 'findoc watch',
    autoPadding: true,
    warnings: false,
  });
  // @types/blessed types border.fg as a number; blessed takes colour names too.
  const border = { type: 'line', fg: c('cyan') } as never;

  const chart: LineElement = contrib.line({
    top: 0,
    left: 0,
    width: '70%',
    height: '55%',
    label: ' visits/s ',
    border,
    showLegend: colour,
    legend: { width: 12 },
    minY: 0,
    numYLabels: 4,
    xLabelPadding: 3,
    xPadding: 5,
    style: { line: line('yellow'), text: line('green'), baseline: line('white'), border: { fg: c('cyan') } },
  });
  const temperature = blessed.box({
    top: 0,
    left: '70%',
    width: '30%',
    height: '55%',
    label: ' temperature ',
    border,
    tags: false,
    padding: { left: 1, right: 1 },
    style: { border: { fg: c('cyan') } },
  });
  const table = (left: string, width: string): TableElement =>
    contrib.table({
      top: '55%',
      left,
      width,
      height: '45%-1',
      label: ' top 10 ',
      border,
      interactive: false,
      fg: c('white'),
      selectedFg: c('white'),
      selectedBg: 'default',
      columnSpacing: 1,
      columnWidth: [3, 20, 8],
      style: { border: { fg: c('cyan') } },
    });
  const topAll = table('0', '50%');
  const topWindow = table('50%', '50%');
  const status = blessed.box({ bottom: 0, left: 0, width: '100%', height: 1, tags: false });
  const help = blessed.box({
    top: 'center',
    left: 'center',
    width: 64,
    height: 18,
    label: ' help (? or Esc closes) ',
    content: HELP,
    border: { type: 'line', fg: c('yellow') } as never,
    padding: { left: 1, right: 1 },
    hidden: true,
    style: { border: { fg: c('yellow') } },
  });
  for (const x of [chart, temperature, topAll, topWindow, status, help]) screen.append(x);
  return { screen, chart, temperature, topAll, topWindow, status, help };
}

function bindKeys({ screen, help }: Widgets, actions: ScreenActions, onResize: () => void): void {
  // In raw mode Ctrl-C is a key ('C-c'), not SIGINT: it is handled here like q.
  screen.key(['q', 'C-c'], () => actions.quit());
  screen.key(['escape'], () => {
    if (help.visible) {
      help.hide();
      screen.render();
    } else actions.quit();
  });
  screen.key(['?'], () => {
    help.toggle();
    if (help.visible) help.setFront();
    screen.render();
  });
  screen.key(['p'], () => actions.togglePause());
  screen.key(['w'], () => actions.nextWindow());
  screen.on('resize', onResize);
}

function paint(w: Widgets, view: DashboardView, palette: Palette): void {
  const { colour } = palette;
  paintChart(w.chart, view, palette);

  const style = LEVEL_STYLE[view.level];
  const [word, ...rest] = view.temperature;
  const head = colour && view.level !== 'unknown' ? `\x1b[1;${bgCode(style.bg)};${fgCode(style.fg)}m ${word} ${RESET}` : `[ ${word} ]`;
  w.temperature.setContent([head, '', ...rest].join('\n'));

  paintTable(w.topAll, view.topAll, colour);
  paintTable(w.topWindow, view.topWindow, colour);

  const tone = (p: StatusPart) => (colour && p.tone !== 'normal' ? `${SGR[p.tone]}${p.text}${RESET}` : p.text);
  const sep = colour ? `${SGR.dim} │ ${RESET}` : ' | ';
  w.status.setContent(view.status.map(tone).join(sep));
  w.screen.render();
}

function paintChart(chart: LineElement, view: DashboardView, { line }: Palette): void {
  chart.setLabel(` ${fit(view.chartTitle, Math.max(10, (chart.width as number) - 6))} `);
  const c0 = view.chart;
  if (c0 && c0.x.length > 1) {
    chart.options.maxY = Math.max(1, c0.maxY * 1.15);
    const series: LineSeries[] = [];
    if (c0.hasBands) {
      series.push({ title: 'p95', x: c0.x, y: c0.p95, style: { line: line('red') } });
      series.push({ title: 'p75', x: c0.x, y: c0.p75, style: { line: line('green') } });
      series.push({ title: 'p25', x: c0.x, y: c0.p25, style: { line: line('blue') } });
    }
    series.push({ title: 'visits/s', x: c0.x, y: c0.visits, style: { line: line('yellow') } });
    // The first series gives the x labels; blessed-contrib draws series in order (visits last, on top).
    chart.setData(series);
  } else {
    // Nothing applied yet (the temperature box says "waiting for the stream"): an empty plot.
    chart.clear();
  }
}

function paintTable(t: TableElement, data: TopTable, colour: boolean): void {
  const inner = Math.max(10, (t.width as number) - 4);
  const visitsWidth = 8;
  const nameWidth = Math.max(4, inner - 3 - 2 - visitsWidth - 3);
  t.options.columnWidth = [3, 2, nameWidth, visitsWidth];
  t.setLabel(` ${fit(data.title, Math.max(8, (t.width as number) - 6))} `);
  t.setData({
    headers: ['#', '', 'company', 'visits'.padStart(visitsWidth)],
    data: data.rows.map((r) => [
      String(r.rank),
      r.rising ? (colour ? `${SGR.good}▲${RESET}` : '▲') : ' ',
      fit(r.label, nameWidth),
      String(r.visits).padStart(visitsWidth),
    ]),
  });
}

function fit(text: string, width: number): string {
  return text.length <= width ? text : text.slice(0, Math.max(0, width - 1)) + '…';
}

const ANSI_COLOURS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
function fgCode(name: string): number {
  return 30 + Math.max(0, ANSI_COLOURS.indexOf(name));
}
function bgCode(name: string): number {
  return 40 + Math.max(0, ANSI_COLOURS.indexOf(name));
}
