/**
 * What fits on watch's screen at W×H (issue 18 item 5: "watch reads at the sizes people use"): the boxes'
 * places, and the text of each box cut to its inside — pure, so every size is unit-tested
 * (test/watch/layout.test.ts) and the tmux tests only prove it on screen.
 *
 *   ┌ chart (W − side) ──────────────────────────┐┌ temperature (side) ┐
 *   │                                            ││                    │
 *   └────────────────────────────────────────────┘│                    │
 *   ┌ top 10, all time ──┐┌ top 10, last 10 s ───┐└────────────────────┘
 *   │ 10 rows            ││ 10 rows              │┌ unusual now ───────┐
 *   └────────────────────┘└──────────────────────┘└────────────────────┘
 *   status line (one row, "? help" always in it)
 *
 * Why this shape: the temperature needs ~26 columns to keep "of day 13:09:37–13:09:46" on one line and
 * ~12 rows for its thermometer and notes; the top tables need 13 rows for ten companies (border, header,
 * rows); a right column holding the temperature over the unusual panel gives both their height at 24
 * rows, where a band of three tables under a full-width chart would not. Below MIN_WIDTH × MIN_HEIGHT the
 * screen says so instead ("terminal too small"), and the dashboard comes back when the terminal grows.
 */
import type { StatusPart, TopTable } from './dashboard.js';
import type { UnusualPanel } from './unusual.js';

export const MIN_WIDTH = 80;
export const MIN_HEIGHT = 24;
/** Border, header line and ten rows. */
const TABLE_HEIGHT = 13;
/** Border, header line, five rows and one line for a note under them. */
const UNUSUAL_HEIGHT = 9;

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface BoxesLayout {
  tooSmall: false;
  chart: Rect;
  temperature: Rect;
  topAll: Rect;
  topWindow: Rect;
  unusual: Rect;
  status: Rect;
}

export interface TooSmallLayout {
  tooSmall: true;
  message: string;
}

export type Layout = BoxesLayout | TooSmallLayout;

export function tooSmallText(width: number, height: number): string {
  return `terminal too small: ${width}×${height}, needs ${MIN_WIDTH}×${MIN_HEIGHT}`;
}

/** The boxes at `width` × `height` character cells, or "too small". */
export function layoutFor(width: number, height: number): Layout {
  if (width < MIN_WIDTH || height < MIN_HEIGHT) return { tooSmall: true, message: tooSmallText(width, height) };
  const side = Math.min(48, Math.max(28, Math.floor(width * 0.3)));
  const main = width - side;
  const body = height - 1;
  const tables = TABLE_HEIGHT;
  const chartHeight = body - tables;
  const half = Math.floor(main / 2);
  const temperatureHeight = body - UNUSUAL_HEIGHT;
  return {
    tooSmall: false,
    chart: { left: 0, top: 0, width: main, height: chartHeight },
    topAll: { left: 0, top: chartHeight, width: half, height: tables },
    topWindow: { left: half, top: chartHeight, width: main - half, height: tables },
    temperature: { left: main, top: 0, width: side, height: temperatureHeight },
    unusual: { left: main, top: temperatureHeight, width: side, height: body - temperatureHeight },
    status: { left: 0, top: body, width, height: 1 },
  };
}

/** The inside of a bordered box (and of its left/right padding). */
export function inner(r: Rect, padding = 0): { width: number; height: number } {
  return { width: Math.max(0, r.width - 2 - 2 * padding), height: Math.max(0, r.height - 2) };
}

/** Cuts a text to `width` columns with an ellipsis. */
export function cut(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  return chars.length <= width ? text : chars.slice(0, Math.max(0, width - 1)).join('') + '…';
}

/**
 * Lines wrapped at spaces to `width` columns (a word longer than the width is cut), at most `height`
 * of them; the last kept line ends in "…" when lines were left out.
 */
export function wrapLines(lines: readonly string[], width: number, height: number): string[] {
  const out: string[] = [];
  for (const line of lines) {
    if ([...line].length <= width) {
      out.push(line);
      continue;
    }
    let current = '';
    for (const word of line.split(' ')) {
      const next = current === '' ? word : `${current} ${word}`;
      if ([...next].length <= width) current = next;
      else {
        if (current !== '') out.push(current);
        current = cut(word, width);
      }
    }
    if (current !== '') out.push(current);
  }
  if (out.length <= height) return out;
  const kept = out.slice(0, Math.max(0, height));
  if (kept.length > 0) kept[kept.length - 1] = cut(kept[kept.length - 1] + ' …', width);
  return kept;
}

function padStart(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - [...text].length)) + text;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/**
 * A top table's inside: a header, then as many rows as fit in `height` lines; when some do not, the last
 * line says how many are hidden. Every line is exactly `width` columns. A note (a service down, nothing
 * read yet) is shown in place of the rows when there are none, and under them when there is room.
 */
export function topTableLines(table: TopTable, width: number, height: number, note?: string | null): string[] {
  const visitsWidth = Math.max(6, ...table.rows.map((r) => String(r.visits).length));
  const rankWidth = 2;
  // " 1 ▲ name … visits ": rank and mark share a column pair, a space each side of the table.
  const nameWidth = Math.max(1, width - (1 + rankWidth + 1 + 1 + 1 + visitsWidth + 1));
  const line = (rank: string, mark: string, name: string, visits: string) =>
    cut(padEnd(` ${padEnd(rank, rankWidth)}${mark} ${padEnd(cut(name, nameWidth), nameWidth)} ${padStart(visits, visitsWidth)} `, width), width);
  const out = [line('#', ' ', 'company', 'visits')];
  const room = Math.max(0, height - 1);
  const rows = table.rows;
  if (rows.length === 0) {
    if (note) out.push(...wrapLines([note], width - 1, room).map((l) => padEnd(` ${l}`, width)));
    return out;
  }
  const shown = rows.length <= room ? rows.length : Math.max(0, room - 1);
  for (const r of rows.slice(0, shown)) out.push(line(String(r.rank), r.rising ? '▲' : ' ', r.label, String(r.visits)));
  if (shown < rows.length) out.push(padEnd(cut(` +${rows.length - shown} more not shown (taller terminal)`, width), width));
  else if (note && out.length < height) out.push(...wrapLines([note], width - 1, height - out.length).map((l) => padEnd(` ${l}`, width)));
  return out;
}

/**
 * The unusual panel's inside: rank, company, visits ("now" when narrow), visits against usual, and z
 * when there is room (≥ 38 columns); the panel's note (no history, filters differ, nothing unusual) in place of the rows;
 * `stale` (a service down) under the rows, or in place of them when there are none.
 */
export function unusualLines(panel: UnusualPanel, width: number, height: number, stale?: string | null): string[] {
  const withZ = width >= 38;
  // Narrow (the 28 columns at 80×24): "now" over the visits column leaves the company its 11 characters.
  const visitsHeader = width >= 34 ? 'visits' : 'now';
  const visitsWidth = Math.max(visitsHeader.length + 1, ...panel.rows.map((r) => String(r.visits).length));
  const ratioWidth = Math.max(5, ...panel.rows.map((r) => [...r.ratio].length));
  const zWidth = withZ ? 6 : 0;
  const nameWidth = Math.max(1, width - (1 + 1 + 1 + 1 + visitsWidth + 1 + ratioWidth + (withZ ? 1 + zWidth : 0)));
  const line = (rank: string, name: string, visits: string, ratio: string, z: string) =>
    cut(
      padEnd(` ${padStart(rank, 1)} ${padEnd(cut(name, nameWidth), nameWidth)} ${padStart(visits, visitsWidth)} ${padStart(ratio, ratioWidth)}${withZ ? ' ' + padStart(z, zWidth) : ''}`, width),
      width,
    );
  const out = [line('#', 'company', visitsHeader, 'usual', 'z')];
  const room = Math.max(0, height - 1);
  const notes = [panel.rows.length === 0 ? (stale ?? panel.note) : panel.note, panel.rows.length > 0 ? stale : null].filter((x): x is string => !!x);
  const shown = Math.min(panel.rows.length, room);
  for (const r of panel.rows.slice(0, shown)) out.push(line(String(r.rank), r.label, String(r.visits), r.ratio, r.score.toFixed(1)));
  if (out.length < height && notes.length > 0) out.push(...wrapLines(notes, width - 1, height - out.length).map((l) => padEnd(` ${l}`, width)));
  return out;
}

/** The help hint's short form, kept when the full one does not fit: "? help" is always on screen. */
export const HELP_SHORT = '? help';

/**
 * The status line's parts that fit in `width` columns with `separator` columns between them. The last
 * part (the keys) is always kept, in its short form "? help" if need be. When the others do not all fit:
 * first the `optional` ones are left out, last first (ingest, shares, sessions: nice to know); then the
 * parts take their `short` forms (a service down becomes "Redis unreachable", which the panels say in
 * full); then the last ones are left out.
 */
export function fitStatus(parts: readonly StatusPart[], width: number, separator = 3): StatusPart[] {
  if (parts.length === 0) return [];
  const help = parts[parts.length - 1];
  let kept: StatusPart[] = parts.slice(0, -1).map((p) => ({ ...p }));
  const length = (ps: readonly StatusPart[], helpText: string) => ps.reduce((a, p) => a + [...p.text].length + separator, 0) + [...helpText].length;
  const tooLong = () => kept.length > 0 && length(kept, HELP_SHORT) > width;
  while (tooLong() && kept.some((p) => p.optional)) {
    const i = kept.map((p) => !!p.optional).lastIndexOf(true);
    kept = kept.filter((_, j) => j !== i);
  }
  while (tooLong()) {
    const long = kept.find((p) => p.short !== undefined && p.short !== p.text);
    if (long) long.text = long.short as string;
    else kept.pop();
  }
  const helpText = length(kept, help.text) <= width ? help.text : cut(HELP_SHORT, width);
  return [...kept.map(({ text, tone }) => ({ text, tone })), { text: helpText, tone: help.tone }];
}

/**
 * A box's title in `width` columns: whole if it fits, else without its last " · …" part (the ▲ key of the
 * window table) or its last " (…)" part, else cut.
 */
export function boxTitle(title: string, width: number): string {
  if ([...title].length <= width) return title;
  for (const shorter of [title.replace(/ · [^·]*$/, ''), title.replace(/ \([^()]*\)$/, '')]) {
    if (shorter !== title && [...shorter].length <= width) return shorter;
  }
  return cut(title, width);
}
