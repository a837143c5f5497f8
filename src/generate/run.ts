/**
 * The generate stage's entry point: typed options in, a report out, the services passed in. It picks the
 * destination (a folder, stdout or an S3 prefix), writes the days (generateDays in write-days.ts) and
 * closes what it opened. src/commands/generate.ts only turns flags into GenerateOptions and prints.
 */
import { ObjectStore } from '../adapters/s3.js';
import type { Config } from '../core/config.js';
import type { Shutdown } from '../core/shutdown.js';
import { interrupted, usageError, type FindocError } from '../core/errors.js';
import { formatBytes, formatRate } from '../core/format.js';
import { parseS3Url } from '../core/log-input.js';
import type { LogFormat } from './encode.js';
import type { HotBurst } from './hot-burst.js';
import { generateDays, syntheticNote, type DayResult, type Destination, type GenerateDaysResult } from './write-days.js';

export interface GenerateOptions {
  dates: string[];
  rowsPerDay: number;
  seed: number;
  dayVariation: number;
  hot: HotBurst[];
  format: LogFormat;
  /** A folder, or '-' for stdout (exactly one of out and toS3). */
  out?: string;
  toS3?: string;
  json: boolean;
}

export interface ChunkProgress {
  dayIndex: number;
  date: string;
  rows: number;
  expectedRows: number;
  bytes: number;
}

export interface GenerateDeps {
  /** Read only for --to-s3: writing to a folder or stdout needs no configuration. */
  config: () => Pick<Config, 's3'>;
  stdoutIsTTY: boolean;
  /** Installs the Ctrl-C handlers; called once a clean stop is possible (core/shutdown.ts). */
  onShutdown: () => Shutdown;
  /** `started` is the run's start on performance.now()'s clock, for rates. */
  progress: { update(s: ChunkProgress, started: number): void; done(): void };
}

export interface GenerateReport {
  destination: Destination['kind'];
  days: DayResult[];
  interrupted: boolean;
  /** The --json document (its field order is part of the output). */
  summary: ReturnType<typeof summaryOf>;
  seconds: number;
}

/** Where the days go, from --out / --to-s3; usage errors for what cannot be. */
export function destinationOf(options: GenerateOptions, deps: Pick<GenerateDeps, 'config' | 'stdoutIsTTY'>): Destination {
  if ((options.out === undefined) === (options.toS3 === undefined)) {
    throw usageError('say where to write: --out DIR, --out - (stdout) or --to-s3 s3://bucket/prefix/ (exactly one)');
  }
  if (options.out === '-') {
    if (options.dates.length !== 1) throw usageError('--out - writes one day to stdout: use --date, or --out DIR for a range');
    if (options.json) throw usageError('--json cannot be used with --out - (stdout carries the data)');
    if (options.format === 'csv' || deps.stdoutIsTTY !== true) return { kind: 'stdout' };
    throw usageError(`refusing to write ${options.format} bytes to a terminal: redirect stdout or use --out DIR`);
  }
  if (options.out !== undefined) return { kind: 'dir', dir: options.out };
  const { bucket, key } = parseS3Url(options.toS3 as string);
  const prefix = key === '' || key.endsWith('/') ? key : key + '/';
  return { kind: 's3', bucket, prefix, store: new ObjectStore(deps.config().s3) };
}

export async function run(options: GenerateOptions, deps: GenerateDeps): Promise<GenerateReport> {
  const destination = destinationOf(options, deps);
  const store = destination.kind === 's3' ? (destination.store as ObjectStore) : undefined;
  const { seed, dates, rowsPerDay, dayVariation, hot, format } = options;
  const shutdown = deps.onShutdown();
  const started = performance.now();
  let result: GenerateDaysResult;
  try {
    result = await generateDays({ seed, dates, rowsPerDay, dayVariation, hot, format, destination }, shutdown.signal, {
      onChunk: (s) => deps.progress.update(s, started),
    });
  } finally {
    deps.progress.done();
    shutdown.dispose();
    store?.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { destination: destination.kind, days: result.days, interrupted: result.interrupted, summary: summaryOf(options, result, seconds), seconds };
}

function summaryOf(options: GenerateOptions, result: GenerateDaysResult, seconds: number) {
  const totals = result.days.reduce((t, d) => ({ rows: t.rows + d.rows, bytes: t.bytes + d.bytes, csvBytes: t.csvBytes + d.csvBytes }), {
    rows: 0,
    bytes: 0,
    csvBytes: 0,
  });
  const { seed, format, rowsPerDay, dayVariation, hot } = options;
  return {
    synthetic: true,
    note: syntheticNote(seed),
    seed,
    format,
    rowsPerDay,
    dayVariation,
    hot,
    interrupted: result.interrupted,
    days: result.days.length,
    rows: totals.rows,
    bytes: totals.bytes,
    csvBytes: totals.csvBytes,
    seconds: round3(seconds),
    rowsPerSecond: Math.round(totals.rows / Math.max(1e-9, seconds)),
    files: result.days.map((d) => ({ ...d, seconds: round3(d.seconds) })),
  };
}

/** The error the run ends with (interrupted), or undefined. */
export function failureOf(report: GenerateReport): FindocError | undefined {
  return report.interrupted ? interrupted('interrupted: the day being written was discarded; the days listed are complete') : undefined;
}

/** The progress bar's line. */
export function progressLine(s: ChunkProgress, days: number, started: number): string {
  const pct = s.expectedRows > 0 ? Math.min(100, (100 * s.rows) / s.expectedRows) : 100;
  const rate = s.rows / Math.max(1e-3, (performance.now() - started) / 1000);
  return `day ${s.dayIndex + 1}/${days} ${s.date}: ${pct.toFixed(0)}% ${formatRate(s.rows)} rows, ${formatBytes(s.bytes)} csv (${formatRate(rate)} rows/s)`;
}

export function summaryLine(r: GenerateReport): string {
  const { days, rows, bytes } = r.summary;
  const seconds = r.seconds;
  return `generated ${days} synthetic day${days === 1 ? '' : 's'}: ${rows} rows, ${formatBytes(bytes)} in ${seconds.toFixed(1)} s (${formatRate(rows / Math.max(1e-9, seconds))} rows/s)`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
