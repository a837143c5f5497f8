/**
 * findoc replay: historical EDGAR logs into Kafka, in real time or faster (DESIGN §3.2; the stage:
 * src/replay/ — the loop and the record format in replay.ts, pacing in pacing.ts, the run in run.ts).
 * Flags → ReplayOptions → run → report.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { fileDates } from '../core/date-range.js';
import { MAX_DURATION_SECONDS, parseDuration } from '../core/durations.js';
import { usageError } from '../core/errors.js';
import { MAX_PARTITIONS, parseInteger } from '../core/integers.js';
import { parseTimeOfDay } from '../core/time-of-day.js';
import type { Pace } from '../replay/pacing.js';
import type { ReplayProgress } from '../replay/replay.js';
import { DEFAULT_TOPIC, progressLine, reportDocument, reportRows, run, type ReplayReport } from '../replay/run.js';
import { Progress, info, printJson, printTable } from '../output.js';
import { onShutdown } from '../signals.js';
import { configOf, withExamples } from './context.js';

export function replayCommand() {
  const cmd = new Command('replay')
    .description('send historical EDGAR log rows to Kafka, one record per visit, re-stamped to "now", in real time or faster')
    .argument('<inputs...>', 'log files or folders, s3://bucket/key or s3://bucket/prefix/ (.csv, .csv.gz, .zip)')
    .option('--date <YYYY-MM-DD>', 'only the file of this day (by the date in its name)')
    .option('--from <YYYY-MM-DD>', 'first day to replay (file date in the name)')
    .option('--to <YYYY-MM-DD>', 'last day to replay, inclusive')
    .option('--topic <name>', 'Kafka topic (created when absent)', DEFAULT_TOPIC)
    .option('--partitions <n>', 'partitions of the topic when replay creates it', '4')
    .addOption(new Option('--speed <n>', 'original gaps divided by n: 1 is real time, 60 an hour per minute (default 1)').conflicts(['rate', 'max']))
    .addOption(new Option('--rate <n>', 'n visits per second, evenly spaced').conflicts(['max']))
    .option('--max', 'as fast as the broker takes them')
    .addOption(new Option('--loop', 'start again at the end, forever (re-stamping continues forward)').conflicts(['keepTime']))
    .option('--keep-time', 'send the original date, time and timestamp of each row (no re-stamping): backfill a past day, check live against batch')
    .option('--limit <n>', 'stop after n visits')
    .option('--start-at <HH:MM:SS>', 'skip the visits before this time of the first day')
    .option('--strict', 'stop at the first rejected row (exit 65) instead of counting it')
    .option('--retry-for <duration>', 'how long to keep retrying while Kafka is away (broker restarting, leaders moving) before giving up with exit 75, e.g. 30s, 5m', '2m')
    .option('--json', 'print the summary as one JSON document')
    .addHelpText(
      'after',
      `
Each visit becomes one record: key = ip, value = the CSV row (SEC column order, no header) with date and
time re-stamped, timestamp = the re-stamped time in ms. --speed re-stamps so that the first visit happens
in the current second and later ones keep their original gaps (divided by the speed); --rate and --max
stamp each visit with the wall clock when it is sent. --keep-time sends every row with its own date, time
and timestamp, whatever the pace (--loop would resend the same event times, so it is refused with it).
Days are replayed in date order, rows in file order.
Rejected rows are never sent; they are counted and reported. Ctrl-C stops cleanly: what was accepted is
flushed and the summary says how many visits reached the topic. See docs/pipeline.md, "Replay".

Exit codes: 0 done (or stopped at --limit); 130 stopped by Ctrl-C, after the summary; 64 bad flags; 65 a rejected row with --strict, or an
unreadable file; 69 Kafka (or S3) unreachable at start; 75 Kafka went away for longer than --retry-for
(the message says how many visits were acknowledged: those are in the topic, each once).
A broker that restarts within --retry-for costs nothing: replay waits, resends the unacknowledged batches
with the same idempotent sequence numbers, and the topic holds every visit exactly once.`,
    )
    .action(async (inputs, opts, command) => {
      const config = configOf(command);
      const pace = paceOf(opts);
      const options = {
        inputs,
        topic: opts.topic,
        pace,
        partitions: parseInteger('--partitions', opts.partitions, 1, MAX_PARTITIONS),
        loop: opts.loop === true,
        keepTime: opts.keepTime === true,
        limit: opts.limit === undefined ? undefined : parseInteger('--limit', opts.limit, 1, Number.MAX_SAFE_INTEGER),
        startAt: opts.startAt === undefined ? undefined : parseTimeOfDay(opts.startAt, '--start-at'),
        ...fileDates(opts),
        strict: opts.strict === true,
        retryForMs: parseDuration(opts.retryFor, { flag: '--retry-for', unit: 'ms', bare: 's', min: 0, max: MAX_DURATION_SECONDS * 1000 }),
      };
      const bar = new Progress();
      const progress = { update: (p: ReplayProgress) => bar.update(() => progressLine(p)), done: () => bar.done() };
      const report = await run(options, { config, onShutdown: () => onShutdown(), progress });
      if (opts.json) printJson(reportDocument(report));
      else printReport(report);
    });
  return withExamples(cmd, [
    'findoc replay s3://edgar/logs/ --from 2017-06-30 --to 2017-06-30 --speed 10',
    'findoc replay ./logs/log20170630.zip --max --limit 1000000',
    'findoc replay ./logs/ --rate 500 --loop --topic edgar.demo',
    'findoc replay log20170630.csv.gz --start-at 09:30:00 --json',
    'findoc replay data/log20030301.csv --keep-time --max --topic past    # a past day with its own times',
  ]);
}

function paceOf(opts: { speed?: string; rate?: string; max?: true }): Pace {
  if (opts.max) return { mode: 'max' };
  if (opts.rate !== undefined) return { mode: 'rate', perSecond: positiveNumber(opts.rate, '--rate') };
  return { mode: 'speed', factor: opts.speed === undefined ? 1 : positiveNumber(opts.speed, '--speed') };
}

function positiveNumber(text: string, flag: string): number {
  const n = Number(text);
  if (!(Number.isFinite(n) && n > 0)) throw usageError(`${flag} must be a positive number, got ${text}`);
  return n;
}

function printReport(report: ReplayReport): void {
  printTable(['replay', ''], reportRows(report));
  const { samples } = report.summary.rejects.toJSON();
  if (samples.length > 0) info(`reject samples: ${samples.map((x) => `${x.file ?? ''}:${x.line} ${x.reason}`).join('; ')}`);
}
