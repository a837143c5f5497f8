/**
 * findoc generate: write SYNTHETIC days in the EDGAR log format (the stage: src/generate/). Flags →
 * GenerateOptions → run → summary.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { DEFAULT_DAY_VARIATION } from '../generate/calibration.js';
import { LOG_FORMATS, type LogFormat } from '../generate/encode.js';
import { parseHotBurst } from '../generate/hot-burst.js';
import { failureOf, progressLine, run, summaryLine } from '../generate/run.js';
import type { DayResult } from '../generate/write-days.js';
import { usageError } from '../core/errors.js';
import { requestedDays } from '../core/date-range.js';
import { parseInteger as integer } from '../core/integers.js';
import { Progress, formatBytes, info, printJson, printTable } from '../output.js';
import { onShutdown } from '../signals.js';
import { configOf, withExamples } from './context.js';

const DEFAULT_ROWS = 200_000;

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
      const options = { dates, rowsPerDay, seed, dayVariation, hot, format: opts.format, out: opts.out, toS3: opts.toS3, json: opts.json === true };
      const bar = new Progress();
      const report = await run(options, {
        config: () => configOf(command),
        stdoutIsTTY: process.stdout.isTTY === true,
        onShutdown: () => onShutdown(),
        progress: { update: (s, started) => bar.update(() => progressLine(s, dates.length, started)), done: () => bar.done() },
      });
      if (opts.json) printJson(report.summary);
      else if (report.destination === 'stdout') info(summaryLine(report));
      else {
        if (report.days.length > 0) printTable(['date', 'file (synthetic)', 'rows', 'hot rows', 'bytes', 'seconds'], report.days.map(row));
        info(summaryLine(report));
      }
      const failure = failureOf(report);
      if (failure) throw failure;
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
