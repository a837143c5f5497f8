/**
 * findoc generate: write SYNTHETIC days in the EDGAR log format (core: src/core/synthetic/). Flags →
 * options → generateDays → summary.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { ObjectStore } from '../adapters/s3.js';
import { parseS3Url } from '../core/log-input.js';
import { DEFAULT_DAY_VARIATION } from '../generate/calibration.js';
import { parseDate } from '../generate/day-generator.js';
import { LOG_FORMATS, type LogFormat } from '../generate/encode.js';
import { parseHotBurst } from '../generate/hot-burst.js';
import { generateDays, syntheticNote, type Destination, type DayResult } from '../generate/write-days.js';
import { interrupted, usageError } from '../core/errors.js';
import { requestedDays } from '../core/date-range.js';
import { parseInteger as integer } from '../core/integers.js';
import { Progress, formatBytes, formatRate, info, printJson, printTable } from '../output.js';
import { onShutdown } from '../signals.js';
import { configOf, withExamples } from './context.js';

const DEFAULT_ROWS = 200_000;
/** A bound on one run's range, to catch a mistyped year (--from 2017 --to 2071). */

export function generateCommand() {
  const cmd = new Command('generate')
    .description(
      'write SYNTHETIC days in the EDGAR log format (made-up rows calibrated to real samples; NOT SEC data), one file a day',
    )
    .option('--date <YYYY-MM-DD>', 'one day')
    .option('--from <YYYY-MM-DD>', 'first day of a range (with --to)')
    .option('--to <YYYY-MM-DD>', 'last day of a range, inclusive')
    .option('--rows-per-day <n>', 'mean rows of a day (each day varies by --day-variation)', String(DEFAULT_ROWS))
    .option('--day-variation <fraction>', 'sd of a day\'s total around --rows-per-day; 0 = exactly that many', String(DEFAULT_DAY_VARIATION))
    .option('--seed <n>', 'PRNG seed: the same seed, options and day give byte-identical files', '1')
    .addOption(new Option('--format <format>', 'file format').choices(LOG_FORMATS).default('csv' as LogFormat))
    .option('--out <dir>', "local directory to write into (created if absent), or '-' for stdout (one day)")
    .option('--to-s3 <url>', 'S3 prefix to upload to, s3://bucket/prefix/ (the bucket is created if absent)')
    .option(
      '--hot <CIK@HH:MM:SS[+SECONDS][xFACTOR]>',
      'make a company spike, repeatable: from HH:MM:SS (UTC) for SECONDS (default 60) it gets FACTOR (default 5) times the visits of the day\'s busiest filer',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--json', 'print a JSON summary (files, rows, bytes, seconds)')
    .addHelpText(
      'after',
      `
The data is SYNTHETIC. Rows follow the exact format of the SEC's EDGAR Log File Data Set (header,
15 columns, floats, logYYYYMMDD names) and their statistics (daily curve, popular filers, heavy IPs,
status codes, sizes) are calibrated to real samples, but every row is made up. IPs, CIKs and accession
numbers are random; do not present the files as SEC data. See docs/synthetic.md.

Files are complete or absent: each is written under a temporary name and renamed at the end (S3: a
multipart upload that only appears when complete). Ctrl-C stops cleanly and removes the unfinished day.`,
    )
    .action(async (opts, command) => {
      const dates = requestedDays(opts);
      if (dates[0] < '1970-01-01') throw usageError(`${dates[0]} is before 1970: synthetic days start at 1970-01-01`);
      const rowsPerDay = integer('--rows-per-day', opts.rowsPerDay, 1, 1e10);
      const seed = integer('--seed', opts.seed, 0, Number.MAX_SAFE_INTEGER);
      const dayVariation = Number(opts.dayVariation);
      if (!(dayVariation >= 0 && dayVariation <= 0.45)) throw usageError(`--day-variation must be 0 … 0.45, got ${opts.dayVariation}`);
      const hot = opts.hot.map(parseHotBurst);
      const format = opts.format;

      if ((opts.out === undefined) === (opts.toS3 === undefined)) {
        throw usageError('say where to write: --out DIR, --out - (stdout) or --to-s3 s3://bucket/prefix/ (exactly one)');
      }
      let destination: Destination;
      let store: ObjectStore | undefined;
      if (opts.out === '-') {
        if (dates.length !== 1) throw usageError('--out - writes one day to stdout: use --date, or --out DIR for a range');
        if (opts.json) throw usageError('--json cannot be used with --out - (stdout carries the data)');
        if (format === 'csv' || process.stdout.isTTY !== true) destination = { kind: 'stdout' };
        else throw usageError(`refusing to write ${format} bytes to a terminal: redirect stdout or use --out DIR`);
      } else if (opts.out !== undefined) {
        destination = { kind: 'dir', dir: opts.out };
      } else {
        const { bucket, key } = parseS3Url(opts.toS3 as string);
        const prefix = key === '' || key.endsWith('/') ? key : key + '/';
        store = new ObjectStore(configOf(command).s3);
        destination = { kind: 's3', bucket, prefix, store };
      }

      const progress = new Progress();
      const shutdown = onShutdown();
      const started = performance.now();
      let result;
      try {
        result = await generateDays({ seed, dates, rowsPerDay, dayVariation, hot, format, destination }, shutdown.signal, {
          onChunk: (s) =>
            progress.update(() => {
              const pct = s.expectedRows > 0 ? Math.min(100, (100 * s.rows) / s.expectedRows) : 100;
              const rate = s.rows / Math.max(1e-3, (performance.now() - started) / 1000);
              return `day ${s.dayIndex + 1}/${dates.length} ${s.date}: ${pct.toFixed(0)}% ${formatRate(s.rows)} rows, ${formatBytes(s.bytes)} csv (${formatRate(rate)} rows/s)`;
            }),
        });
      } finally {
        progress.done();
        shutdown.dispose();
        store?.close();
      }

      const seconds = (performance.now() - started) / 1000;
      const totals = result.days.reduce((t, d) => ({ rows: t.rows + d.rows, bytes: t.bytes + d.bytes, csvBytes: t.csvBytes + d.csvBytes }), {
        rows: 0,
        bytes: 0,
        csvBytes: 0,
      });
      const summary = {
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
      if (opts.json) printJson(summary);
      else if (destination.kind === 'stdout') info(summaryLine(summary.days, totals.rows, totals.bytes, seconds));
      else {
        if (result.days.length > 0) printTable(['date', 'file (synthetic)', 'rows', 'hot rows', 'bytes', 'seconds'], result.days.map(row));
        info(summaryLine(summary.days, totals.rows, totals.bytes, seconds));
      }
      if (result.interrupted) throw interrupted('interrupted: the day being written was discarded; the days listed are complete');
    });
  return withExamples(cmd, [
    'findoc generate --date 2017-06-30 --out data/',
    'findoc generate --from 2017-06-01 --to 2017-06-07 --rows-per-day 2000000 --to-s3 s3://edgar-synthetic/logs/',
    'findoc generate --date 2017-06-30 --format zip --seed 42 --out /tmp/edgar',
    'findoc generate --date 2017-06-30 --hot 320193@14:30:00+300x10 --out - | head',
    'findoc generate --from 2017-01-02 --to 2017-01-31 --format csv.gz --out data/ --json | jq .rows',
  ]);
}

function row(d: DayResult): (string | number)[] {
  return [d.date, d.target, d.rows, d.hotRows, formatBytes(d.bytes), d.seconds.toFixed(1)];
}

function summaryLine(days: number, rows: number, bytes: number, seconds: number): string {
  return `generated ${days} synthetic day${days === 1 ? '' : 's'}: ${rows} rows, ${formatBytes(bytes)} in ${seconds.toFixed(1)} s (${formatRate(rows / Math.max(1e-9, seconds))} rows/s)`;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}


