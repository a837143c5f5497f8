/**
 * The one output format of every benchmark (bench/README.md): a table for people, then one JSON line per
 * figure for scripts, e.g.
 *   {"bench":"stream","metric":"visits_per_s","value":123456,"reference":"kcat","reference_value":400000,"ratio":0.31}
 * Ratios against a reference measured in the same run are the figures to compare across machines.
 */
import Table from 'cli-table3';

export interface Figure {
  bench: string;
  metric: string;
  value: number;
  unit?: string;
  reference?: string;
  reference_value?: number;
  /** value / reference_value, filled in by report() when both are there. */
  ratio?: number;
  /** Target from the issue, e.g. ">= 1500000" or "ratio >= 0.5", printed beside the figure. */
  target?: string;
  note?: string;
}

function fmt(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '';
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  return String(Math.round(n * 1000) / 1000);
}

/** Integers from 1000 up, 3 decimals below: what the table shows, so the JSON lines carry no false precision. */
function tidy(n: number | undefined): number | undefined {
  if (n === undefined || !Number.isFinite(n)) return n;
  return Math.abs(n) >= 1000 ? Math.round(n) : Math.round(n * 1000) / 1000;
}

/** Prints the figures as a table and then (unless json is false) one JSON line each, on stdout. */
export function report(figures: Figure[], options: { json?: boolean } = {}): void {
  const rows = figures.map((f) => ({
    ...f,
    value: tidy(f.value) as number,
    reference_value: tidy(f.reference_value),
    ratio: f.ratio ?? (f.reference_value ? Math.round((f.value / f.reference_value) * 1000) / 1000 : undefined),
  }));
  const table = new Table({ head: ['bench', 'metric', 'value', 'unit', 'reference', 'ref. value', 'ratio', 'target'] });
  for (const f of rows) {
    table.push([f.bench, f.metric, fmt(f.value), f.unit ?? '', f.reference ?? '', fmt(f.reference_value), fmt(f.ratio), f.target ?? '']);
  }
  process.stdout.write(table.toString() + '\n');
  if (options.json === false) return;
  for (const f of rows) process.stdout.write(JSON.stringify(f) + '\n');
}

/** Peak resident set size of this process so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
