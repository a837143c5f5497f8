/** What fits on watch's screen at W×H (src/watch/layout.ts); the tmux tests (test/e2e/watch.test.ts) prove it on screen. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StatusPart, TopTable } from '../../src/watch/dashboard.js';
import { MIN_HEIGHT, MIN_WIDTH, boxTitle, fitStatus, inner, layoutFor, topTableLines, unusualLines, wrapLines, type BoxesLayout, type Rect } from '../../src/watch/layout.js';
import { unusualPanel } from '../../src/watch/unusual.js';

const SIZES: [number, number][] = [
  [80, 24],
  [90, 28],
  [100, 30],
  [120, 36],
  [120, 40],
  [160, 48],
  [250, 70],
];

function boxes(l: BoxesLayout): [string, Rect][] {
  return [
    ['chart', l.chart],
    ['temperature', l.temperature],
    ['topAll', l.topAll],
    ['topWindow', l.topWindow],
    ['unusual', l.unusual],
    ['status', l.status],
  ];
}

const full = (w: number, h: number): BoxesLayout => {
  const l = layoutFor(w, h);
  assert.equal(l.tooSmall, false, `${w}×${h}`);
  return l as BoxesLayout;
};

describe('layoutFor: the boxes at W×H', () => {
  it('below 80×24 the screen says it is too small, with the size it has and the size it needs', () => {
    for (const [w, h] of [
      [50, 14],
      [79, 24],
      [80, 23],
      [20, 5],
    ]) {
      const l = layoutFor(w, h);
      assert.ok(l.tooSmall, `${w}×${h}`);
      assert.equal(l.message, `terminal too small: ${w}×${h}, needs ${MIN_WIDTH}×${MIN_HEIGHT}`);
    }
  });

  it('from 80×24 up, every box lies inside the screen, none overlaps another, and they cover it', () => {
    for (const [w, h] of SIZES) {
      const l = full(w, h);
      const cells = new Array<string | null>(w * h).fill(null);
      for (const [name, r] of boxes(l)) {
        assert.ok(r.left >= 0 && r.top >= 0 && r.left + r.width <= w && r.top + r.height <= h, `${name} inside ${w}×${h}`);
        for (let y = r.top; y < r.top + r.height; y++)
          for (let x = r.left; x < r.left + r.width; x++) {
            assert.equal(cells[y * w + x], null, `${name} overlaps ${cells[y * w + x]} at ${x},${y} (${w}×${h})`);
            cells[y * w + x] = name;
          }
      }
      assert.ok(cells.every((c) => c !== null), `${w}×${h} fully covered`);
      assert.deepEqual(l.status, { left: 0, top: h - 1, width: w, height: 1 });
    }
  });

  it('room for what each box must show at every size: ten table rows, five unusual rows, a full temperature', () => {
    for (const [w, h] of SIZES) {
      const l = full(w, h);
      // Border + header + 10 rows.
      assert.ok(inner(l.topAll).height >= 11 && inner(l.topWindow).height >= 11, `${w}×${h}`);
      // Header + 5 rows (+ a note line).
      assert.ok(inner(l.unusual).height >= 6, `${w}×${h}`);
      // "of day 13:09:37–13:09:46" (24 columns) on one line, and the thermometer with its notes (12 lines).
      assert.ok(inner(l.temperature, 1).width >= 24, `${w}×${h}: ${inner(l.temperature, 1).width}`);
      assert.ok(inner(l.temperature).height >= 12, `${w}×${h}`);
      // A chart with a few rows of dots.
      assert.ok(inner(l.chart).height >= 8, `${w}×${h}`);
      // The company column of the top tables: "CIK 1234567" at 80 columns.
      assert.ok(inner(l.topAll).width - 13 >= 10, `${w}×${h}`);
    }
  });

  it('a wider terminal gives the chart and tables the width, a taller one gives the chart the rows', () => {
    assert.ok(full(160, 48).chart.width > full(80, 24).chart.width);
    assert.ok(full(160, 48).chart.height > full(80, 24).chart.height);
    assert.equal(full(160, 48).topAll.height, full(80, 24).topAll.height);
  });
});

describe('text cut to its box', () => {
  const table = (n: number): TopTable => ({
    title: 't',
    rows: Array.from({ length: n }, (_, i) => ({ rank: i + 1, label: i === 1 ? 'CREDIT SUISSE AG (GLDI)' : `CIK ${807641 + i}`, visits: 361 - i, rising: i === 1 })),
  });

  it('a top table: header, every row when they fit, each line exactly the box width', () => {
    const lines = topTableLines(table(10), 23, 11);
    assert.equal(lines.length, 11);
    assert.ok(lines.every((l) => [...l].length === 23), JSON.stringify(lines));
    assert.equal(lines[0], ' #   company    visits ');
    assert.equal(lines[1], ' 1   CIK 807641    361 ');
    assert.equal(lines[2], ' 2 ▲ CREDIT SU…    360 ');
    assert.equal(lines[10], ' 10  CIK 807650    352 ');
  });

  it('rows that do not fit: as many as fit, and the last line says how many are hidden', () => {
    const lines = topTableLines(table(10), 40, 6);
    assert.equal(lines.length, 6);
    assert.match(lines[4], /^ 4 /);
    assert.equal(lines[5].trimEnd(), ' +6 more not shown (taller terminal)');
  });

  it('no rows: the note (a service down) in their place, wrapped at spaces', () => {
    const lines = topTableLines({ title: 't', rows: [] }, 23, 11, 'Redis unreachable at 127.0.0.1:6399');
    assert.deepEqual(
      lines.slice(1).map((l) => l.trimEnd()),
      [' Redis unreachable at', ' 127.0.0.1:6399'],
    );
  });

  it('the unusual panel: z only where there is room, its note when nothing is listed, "as last read" under rows', () => {
    const read = { asOf: 1, entries: [{ cik: 807641, visits: 361, expected: 0, score: 40.2, new: true }] };
    const panel = unusualPanel(read, (c) => `CIK ${c}`);
    const narrow = unusualLines(panel, 28, 7);
    assert.ok(narrow.every((l) => [...l].length === 28), JSON.stringify(narrow));
    assert.doesNotMatch(narrow[0], / z$/);
    assert.match(narrow[1], /^ 1 CIK 807641 +361 +new$/);
    const wide = unusualLines(panel, 44, 7);
    assert.match(wide[0], / z$/);
    assert.match(wide[1], /new +40\.2$/);
    const stale = unusualLines(panel, 28, 7, 'PostgreSQL unreachable at 127.0.0.1:5499: as last read');
    assert.deepEqual(stale.slice(2).map((l) => l.trim()), ['PostgreSQL unreachable at', '127.0.0.1:5499: as last', 'read']);
    const none = unusualLines(unusualPanel({ problem: 'no history: findoc batch <logs> --set e2e' }, String), 28, 7);
    assert.deepEqual(none.slice(1).map((l) => l.trim()), ['no history: findoc batch', '<logs> --set e2e']);
    const down = unusualLines(unusualPanel(null, String), 28, 7, 'Redis unreachable at 127.0.0.1:6399');
    assert.deepEqual(down.slice(1).map((l) => l.trim()), ['Redis unreachable at', '127.0.0.1:6399']);
  });

  it('wrapLines keeps a timestamp range whole, cuts an over-long word, and says when lines were left out', () => {
    assert.deepEqual(wrapLines(['of day 13:09:37–13:09:46'], 24, 5), ['of day 13:09:37–13:09:46']);
    assert.deepEqual(wrapLines(['of day 13:09:37–13:09:46'], 20, 5), ['of day', '13:09:37–13:09:46']);
    assert.deepEqual(wrapLines(['abcdefghij'], 5, 5), ['abcd…']);
    assert.deepEqual(wrapLines(['a', 'b', 'c'], 5, 2), ['a', 'b …']);
  });

  it('boxTitle drops the ▲ key, then a parenthesis, then cuts', () => {
    assert.equal(boxTitle('top 10, last 10 s (w) · ▲ rising', 40), 'top 10, last 10 s (w) · ▲ rising');
    assert.equal(boxTitle('top 10, last 10 s (w) · ▲ rising', 21), 'top 10, last 10 s (w)');
    assert.equal(boxTitle('unusual now, last 5 min (z ≥ 4)', 24), 'unusual now, last 5 min');
    assert.equal(boxTitle('visits/s, last 5 min 13:09:03–13:14:02 UTC', 10), 'visits/s,…');
  });
});

describe('fitStatus: "? help" is always on the status line', () => {
  const parts: StatusPart[] = [
    { text: 'Redis unreachable at 127.0.0.1:6399 for 12 s, retrying', tone: 'bad', short: 'Redis unreachable' },
    { text: 'lag p0 0 · p1 0 · p2 0 · p3 0', tone: 'normal' },
    { text: 'data age 0.4 s', tone: 'normal' },
    { text: 'ingest 250/s', tone: 'normal', optional: true },
    { text: 'q quit · p pause · w window · ? help', tone: 'dim' },
  ];
  const width = (ps: StatusPart[]) => ps.reduce((a, p) => a + [...p.text].length, 0) + 3 * (ps.length - 1);

  it('everything when it fits', () => {
    assert.deepEqual(
      fitStatus(parts, 200).map((p) => p.text),
      parts.map((p) => p.text),
    );
  });

  it('at 80 columns: the short forms and the short help, within the width', () => {
    const fitted = fitStatus(parts, 80);
    assert.ok(width(fitted) <= 80, String(width(fitted)));
    assert.equal(fitted.at(-1)?.text, '? help');
    assert.equal(fitted[0].text, 'Redis unreachable');
    assert.ok(fitted.some((p) => p.text.startsWith('lag ')));
  });

  it('at 120 columns: the optional ingest rate goes before the service down is shortened', () => {
    const fitted = fitStatus(parts, 120).map((p) => p.text);
    assert.deepEqual(fitted, ['Redis unreachable at 127.0.0.1:6399 for 12 s, retrying', 'lag p0 0 · p1 0 · p2 0 · p3 0', 'data age 0.4 s', '? help']);
  });

  it('at every width from 6 to 200 the line fits and ends with the help', () => {
    for (let w = 6; w <= 200; w++) {
      const fitted = fitStatus(parts, w);
      assert.ok(width(fitted) <= w, `${w}: ${width(fitted)}`);
      assert.match(fitted.at(-1)?.text ?? '', /\? help$/);
    }
  });
});
