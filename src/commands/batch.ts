/**
 * findoc batch: historical per-second counts and percentile bands in PostgreSQL (DESIGN §3.4). Flags →
 * BatchOptions → run (src/batch/run.ts: the services around runBatch) → summary.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { failureOf, progressLine, run, summaryLines, type BatchProgress, type BatchReport } from '../batch/run.js';
import { defaultWorkers } from '../batch/worker-pool.js';
import { parseDayList } from '../core/day-sets.js';
import { fileDates } from '../core/date-range.js';
import { usageError } from '../core/errors.js';
import { parseFilter } from '../core/filter.js';
import { parseInteger as integer } from '../core/integers.js';
import { parseDuration } from '../core/durations.js';
import { Progress, info, paint, printJson, printTable } from '../output.js';
import { onShutdown } from '../signals.js';
import { configOf, withExamples } from './context.js';

export function batchCommand() {
  const cmd = new Command('batch')
    .description('store per-second visit counts of historical days in PostgreSQL and compute percentile bands over a day set')
    .argument('<inputs...>', 'log files, directories, s3://bucket/key or s3://bucket/prefix/ (.csv, .csv.gz, .zip; one file per day)')
    .option('--date <YYYY-MM-DD>', 'only the file of this day (by the date in its name)')
    .option('--from <YYYY-MM-DD>', 'first day to process (by the date in the file name)')
    .option('--to <YYYY-MM-DD>', 'last day to process, inclusive')
    .option('--set <name>', 'day set to add the days to and compute the bands of', 'default')
    .option('--no-set', 'store the days only; compute no bands')
    .option('--filter <rules>', 'visit filter rules, comma separated: robots, crawlers, errors (default: all visits)')
    .option('--robots <rule>', 'robots rule (turns the robots filter on): drt (default), lm, ryans, or minute-requests=N,minute-ciks=N,day-requests=N,day-ciks=N (docs/robots.md)')
    .addOption(new Option('--robots-mode <mode>', 'causal (the default: robot from the visit that crosses a limit, as the stream) or day (a robot IP is dropped for its whole day)').choices(['causal', 'day'] as const))
    .option('--exclude-crawlers', 'same as --filter crawlers')
    .option('--min-visits <n>', "leave days with fewer visits out of the set's bands (kept by the set for later runs)")
    .option('--exclude-days <list>', 'leave these days out of the set, e.g. 2005-09-23..2006-05-10,2017-04-28 (replaces the set\'s list; "" clears it)')
    .option('--raw', 'also load every valid row into raw_visits (one partition per day) with COPY')
    .option('--force', 'process days again even when their file has not changed')
    .option('--workers <n>', 'worker threads parsing days (default: cores − 1, at least 1; 0: parse in the main thread)', String(defaultWorkers()))
    .option('--lease <seconds>', 'a claimed day is taken over by another process when its worker has not renewed the lease for this long', '60')
    .option('--retry-for <duration>', 'wait this long for PostgreSQL when it stops answering mid-run (a restart), then give up with exit 69; 0: give up at once', '2m')
    .option('--schema <name>', 'PostgreSQL schema for the tables (env FINDOC_PG_SCHEMA; default: the search_path, usually public)')
    .option('--strict', 'fail a day at its first rejected row (exit 65)')
    .option('--json', 'print the summary as one JSON document')
    .addHelpText(
      'after',
      `
Each day (one file, named logYYYYMMDD.*) is stored once per filter as 86,400 zero-filled counts, replaced
when processed again; days already stored from the same file are skipped unless --force. Several batch
processes, on one or many machines, can run on the same range: they share the days through PostgreSQL
(each day is processed once; a day whose worker died is taken over after --lease). A PostgreSQL restart
mid-run is waited out for --retry-for: the days in hand were not committed and are processed again. When every day of
the range is in, the set's bands (p25/p50/p75/p95 per second of day, percentile_cont over its days)
are recomputed if its days changed. Tables: docs/postgres.md.

Exit codes: 0 every day stored; 65 a day's file was bad (corrupt, not a log, --strict); 75 a day failed
for another reason (retry); 69 PostgreSQL or S3 unreachable; 130 interrupted.`,
    )
    .action(async (inputs, opts, command) => {
      const config = configOf(command);
      const filter = parseFilter(opts.filter, opts.excludeCrawlers === true, { rule: opts.robots, mode: opts.robotsMode });
      const workers = integer('--workers', opts.workers, 0, 256);
      const leaseSeconds = parseDuration(opts.lease, { flag: '--lease', unit: 's', min: 0.5, max: 86_400 });
      const retryForSeconds = parseDuration(opts.retryFor, { flag: '--retry-for', unit: 's', min: 0, max: 86_400 });
      const minVisits = opts.minVisits === undefined ? undefined : integer('--min-visits', opts.minVisits, 0, Number.MAX_SAFE_INTEGER);
      const exclude = opts.excludeDays === undefined ? undefined : parseDayList(opts.excludeDays);
      if (opts.set === false && (minVisits !== undefined || exclude !== undefined)) {
        throw usageError('--min-visits and --exclude-days describe a set: drop --no-set');
      }
      const { from, to } = fileDates(opts);
      const [raw, force, strict] = [opts.raw === true, opts.force === true, opts.strict === true];
      const set = opts.set === false ? null : { name: opts.set, minVisits, exclude };
      const [leaseMs, retryForMs] = [Math.round(leaseSeconds * 1000), Math.round(retryForSeconds * 1000)];
      const options = { inputs, from, to, filter, set, raw, force, workers, leaseMs, retryForMs, strict, maxSamples: 10 };
      const bar = new Progress();
      const progress = { update: (p: BatchProgress) => bar.update(() => progressLine(p)), done: () => bar.done() };
      const log = (m: string) => {
        bar.done();
        info(m);
      };
      const report = await run(options, { config, onShutdown: () => onShutdown(), progress, log });
      if (opts.json) printJson(report);
      else printSummary(report);
      const failure = failureOf(report);
      if (failure) throw failure;
    });
  return withExamples(cmd, [
    'findoc batch s3://edgar/logs/ --from 2017-01-01 --to 2017-06-30 --set 2017-h1',
    'findoc batch s3://edgar/logs/ --from 2017-01-01 --to 2017-06-30 --set 2017-h1-humans --exclude-crawlers',
    'findoc batch s3://edgar/logs/ --from 2017-01-01 --to 2017-06-30 --set 2017-h1-humans --filter robots --robots drt',
    'findoc batch data/log20030301.csv --set research --filter robots,crawlers --robots lm --robots-mode day',
    'findoc batch data/ --set all-years --exclude-days 2005-09-23..2006-05-10 --min-visits 10000',
    'findoc batch data/log20170630.csv --raw --no-set',
    'findoc batch s3://edgar/logs/ --json | jq .totals',
  ]);
}

function printSummary(r: BatchReport): void {
  printTable(
    ['day', 'status', 'visits', 'rejected', 'filtered', 'other day', 'raw rows', 'seconds', 'worker / error'],
    r.days.map((d) => [
      d.day ?? '?',
      d.status === 'failed' ? paint('failed', 'red') : d.status === 'processed' ? paint('processed', 'green') : d.status,
      d.visits ?? '',
      d.rejected ?? '',
      d.filtered ?? '',
      d.otherDay ?? '',
      d.rawRows ?? '',
      d.seconds === null ? '' : d.seconds.toFixed(2),
      d.status === 'failed' ? (d.error?.message ?? '') : d.status === 'processed' ? (d.here ? 'this process' : (d.worker ?? '')) : '',
    ]),
  );
  for (const line of summaryLines(r)) info(line);
}
