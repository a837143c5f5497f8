/**
 * The dashboard's terminal (blessed + blessed-contrib): places the boxes where watch/layout.ts says for
 * the terminal's size, paints a DashboardView (src/watch/dashboard.ts) into them, and turns keys into
 * calls. It reads no service and computes nothing; what fits in a box is cut by layout.ts.
 *
 *   ┌ visits/s, last 5 min … ───────────────────────────┐┌ temperature ─────┐
 *   │  line chart: visits/s, p25, p75, p95               ││ HOT              │
 *   └────────────────────────────────────────────────────┘│ ▶ now  212/s …   │
 *   ┌ top 10, all time ────────┐┌ top 10, last 10 s ─────┐└──────────────────┘
 *   │  1   Apple Inc. (AAPL) … ││  1 ▲ Tesla, Inc. (TSLA)│┌ unusual now ─────┐
 *   └──────────────────────────┘└────────────────────────┘└──────────────────┘
 *   lag p0 0 · p1 3 … │ data age 0.4 s │ ingest 210/s │ q quit · p pause · w window · ? help
 *
 * Below 80×24 the boxes are hidden and one line says "terminal too small: W×H, needs 80×24"; they come
 * back on the resize that makes room. The chart draws no legend of its own (blessed-contrib's sits on
 * the top-right corner, over the newest seconds): the temperature box names the lines in their colours.
 *
 * Terminal restoration: blessed switches to the alternate screen, hides the cursor and puts the tty in raw
 * mode; destroy() undoes all three. The caller (run.ts) calls destroy() on every exit path — q, Esc, Ctrl-C
 * (a key in raw mode, not a signal), SIGTERM/SIGHUP, and errors — and destroy() is idempotent.
 *
 * Colours: off under NO_COLOR (DESIGN §3): every style is then 'default'/'normal' (no SGR colour codes),
 * and the level and the rising marks are told by words and glyphs alone.
 */
import blessed from 'blessed';
import contrib, { type LineElement, type LineSeries } from 'blessed-contrib';
import type { DashboardView, StatusPart, Tone } from './dashboard.js';
import { boxTitle, fitStatus, inner, layoutFor, topTableLines, unusualLines, wrapLines, type Layout, type Rect } from './layout.js';
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
share of the window against the window before.
Unusual now: companies read far more in the last 5 min
than their own history in the day set says (Poisson z).`;

/** The widgets of the layout above, one blessed screen. */
interface Widgets {
  screen: blessed.Widgets.Screen;
  chart: LineElement;
  temperature: blessed.Widgets.BoxElement;
  topAll: blessed.Widgets.BoxElement;
  topWindow: blessed.Widgets.BoxElement;
  unusual: blessed.Widgets.BoxElement;
  status: blessed.Widgets.BoxElement;
  help: blessed.Widgets.BoxElement;
  tooSmall: blessed.Widgets.BoxElement;
}

/** Colour names as styles: 'default'/'normal' under NO_COLOR. */
interface Palette {
  colour: boolean;
  c: (name: string) => string;
  line: (name: string) => string;
}

/** The chart's line colours; the temperature box writes the same names in them (the chart's legend). */
const LINE_COLOURS = { visits: 'yellow', p95: 'red', p75: 'green', p25: 'blue' } as const;

export function createDashboardScreen(actions: ScreenActions, options: { colour: boolean }): DashboardScreen {
  const colour = options.colour;
  const palette: Palette = { colour, c: (name) => (colour ? name : 'default'), line: (name) => (colour ? name : 'normal') };
  const w = createWidgets(palette);
  let layout = place(w);
  let last: DashboardView | null = null;
  let destroyed = false;
  bindKeys(w, actions, () => layout.tooSmall, () => {
    layout = place(w);
    if (last && !destroyed) paint(w, layout, last, palette);
    else w.screen.render();
  });
  w.screen.render();
  return {
    chartPoints: () => Math.max(10, (w.chart.width as number) * 2 - 24),
    statusWidth: () => Math.max(20, Math.floor((w.screen.width as number) / 2)),
    render(view: DashboardView) {
      last = view;
      if (!destroyed) paint(w, layout, view, palette);
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

function createWidgets({ c, line }: Palette): Widgets {
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
    width: 10,
    height: 10,
    label: ' visits/s ',
    border,
    // Never: it would cover the newest seconds (see the file's comment).
    showLegend: false,
    minY: 0,
    numYLabels: 4,
    xLabelPadding: 3,
    xPadding: 5,
    style: { line: line('yellow'), text: line('green'), baseline: line('white'), border: { fg: c('cyan') } },
  });
  const box = (label: string, padding = 0) =>
    blessed.box({
      top: 0,
      left: 0,
      width: 10,
      height: 3,
      label: ` ${label} `,
      border,
      tags: false,
      wrap: false,
      padding: { left: padding, right: padding },
      style: { border: { fg: c('cyan') } },
    });
  const temperature = box('temperature', 1);
  const topAll = box('top 10');
  const topWindow = box('top 10');
  const unusual = box('unusual now');
  const status = blessed.box({ bottom: 0, left: 0, width: '100%', height: 1, tags: false, wrap: false });
  const help = blessed.box({
    top: 'center',
    left: 'center',
    width: 64,
    height: 20,
    label: ' help (? or Esc closes) ',
    content: HELP,
    border: { type: 'line', fg: c('yellow') } as never,
    padding: { left: 1, right: 1 },
    hidden: true,
    style: { border: { fg: c('yellow') } },
  });
  const tooSmall = blessed.box({ top: 0, left: 0, width: '100%', height: '100%', tags: false, hidden: true });
  for (const x of [chart, temperature, topAll, topWindow, unusual, status, help, tooSmall]) screen.append(x);
  return { screen, chart, temperature, topAll, topWindow, unusual, status, help, tooSmall };
}

/** Puts every box where layoutFor() says for the screen's size now (or the "too small" line alone). */
function place(w: Widgets): Layout {
  const layout = layoutFor(w.screen.width as number, w.screen.height as number);
  const boxes = [w.chart, w.temperature, w.topAll, w.topWindow, w.unusual, w.status];
  if (layout.tooSmall) {
    for (const b of boxes) b.hide();
    w.help.hide();
    w.tooSmall.setContent(`${layout.message}\nq quits; the dashboard returns when the terminal grows`);
    w.tooSmall.show();
    return layout;
  }
  w.tooSmall.hide();
  const at = (b: blessed.Widgets.BoxElement, r: Rect) => {
    b.left = r.left;
    b.top = r.top;
    b.width = r.width;
    b.height = r.height;
    b.show();
  };
  at(w.chart, layout.chart);
  at(w.temperature, layout.temperature);
  at(w.topAll, layout.topAll);
  at(w.topWindow, layout.topWindow);
  at(w.unusual, layout.unusual);
  at(w.status, layout.status);
  // blessed-contrib sizes a chart's canvas when attached: re-attach at the new size.
  w.chart.emit('attach');
  return layout;
}

function bindKeys({ screen, help }: Widgets, actions: ScreenActions, tooSmall: () => boolean, onResize: () => void): void {
  // In raw mode Ctrl-C is a key ('C-c'), not SIGINT: it is handled here like q.
  screen.key(['q', 'C-c'], () => actions.quit());
  screen.key(['escape'], () => {
    if (help.visible) {
      help.hide();
      screen.render();
    } else actions.quit();
  });
  screen.key(['?'], () => {
    // The help box (64×20) would not fit on the too-small screen, which says what to do anyway.
    if (tooSmall()) return;
    help.toggle();
    if (help.visible) help.setFront();
    screen.render();
  });
  screen.key(['p'], () => actions.togglePause());
  screen.key(['w'], () => actions.nextWindow());
  screen.on('resize', onResize);
}

function paint(w: Widgets, layout: Layout, view: DashboardView, palette: Palette): void {
  if (layout.tooSmall) {
    w.screen.render();
    return;
  }
  const { colour } = palette;
  paintChart(w.chart, layout.chart, view, palette);
  paintTemperature(w.temperature, layout.temperature, view, colour);

  for (const [box, rect, table] of [
    [w.topAll, layout.topAll, view.topAll],
    [w.topWindow, layout.topWindow, view.topWindow],
  ] as const) {
    const i = inner(rect);
    box.setLabel(` ${boxTitle(table.title, rect.width - 5)} `);
    const lines = topTableLines(table, i.width, i.height, table.note);
    box.setContent(lines.map((l) => (colour ? l.replace('▲', `${SGR.good}▲${RESET}`) : l)).join('\n'));
  }

  const u = inner(layout.unusual);
  w.unusual.setLabel(` ${boxTitle(view.unusual.title, layout.unusual.width - 5)} `);
  w.unusual.setContent(unusualLines(view.unusual, u.width, u.height, view.unusualStale).join('\n'));

  const tone = (p: StatusPart) => (colour && p.tone !== 'normal' ? `${SGR[p.tone]}${p.text}${RESET}` : p.text);
  const sep = colour ? `${SGR.dim} │ ${RESET}` : ' | ';
  w.status.setContent(fitStatus(view.status, layout.status.width).map(tone).join(sep));
  w.screen.render();
}

function paintTemperature(box: blessed.Widgets.BoxElement, rect: Rect, view: DashboardView, colour: boolean): void {
  const style = LEVEL_STYLE[view.level];
  const [word, ...rest] = view.temperature;
  const head = colour && view.level !== 'unknown' ? `\x1b[1;${bgCode(style.bg)};${fgCode(style.fg)}m ${word} ${RESET}` : `[ ${word} ]`;
  const i = inner(rect, 1);
  // Wrapped at spaces to the box (never mid-timestamp); the blank line under the level only if there is room.
  const body = wrapLines(rest, i.width, i.height - 1);
  const lines = [head, ...(body.length + 2 <= i.height ? [''] : []), ...body];
  const named = (l: string) => {
    if (!colour) return l;
    const m = /^(\s*)(▶ now|p95|p75|p25)(.*)$/.exec(l);
    if (!m) return l;
    const key = m[2] === '▶ now' ? 'visits' : (m[2] as 'p95' | 'p75' | 'p25');
    return `${m[1]}\x1b[${fgCode(LINE_COLOURS[key])}m${m[2]}${RESET}${m[3]}`;
  };
  box.setContent(lines.map(named).join('\n'));
}

function paintChart(chart: LineElement, rect: Rect, view: DashboardView, { line }: Palette): void {
  // A label is drawn from the box's third column; one that reaches the right corner wraps onto the
  // next row, so it gets the width less five (two border columns, two spaces, the left offset).
  chart.setLabel(` ${boxTitle(view.chartTitle, Math.max(10, rect.width - 5))} `);
  const c0 = view.chart;
  if (c0 && c0.x.length > 1) {
    chart.options.maxY = Math.max(1, c0.maxY * 1.15);
    const series: LineSeries[] = [];
    if (c0.hasBands) {
      series.push({ title: 'p95', x: c0.x, y: c0.p95, style: { line: line(LINE_COLOURS.p95) } });
      series.push({ title: 'p75', x: c0.x, y: c0.p75, style: { line: line(LINE_COLOURS.p75) } });
      series.push({ title: 'p25', x: c0.x, y: c0.p25, style: { line: line(LINE_COLOURS.p25) } });
    }
    series.push({ title: 'visits/s', x: c0.x, y: c0.visits, style: { line: line(LINE_COLOURS.visits) } });
    // The first series gives the x labels; blessed-contrib draws series in order (visits last, on top).
    chart.setData(series);
  } else {
    // Nothing applied yet (the temperature box says "waiting for the stream"): an empty plot.
    chart.clear();
  }
}

const ANSI_COLOURS = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'];
function fgCode(name: string): number {
  return 30 + Math.max(0, ANSI_COLOURS.indexOf(name));
}
function bgCode(name: string): number {
  return 40 + Math.max(0, ANSI_COLOURS.indexOf(name));
}
