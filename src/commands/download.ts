/**
 * findoc download: EDGAR daily log files from the SEC into S3 or a folder (the stage: src/download/,
 * URLs: src/core/sec-urls.ts, stores: src/adapters/day-store.ts). Flags → DownloadOptions → run → report.
 */
import { Command, Option } from '@commander-js/extra-typings';
import type { DayOutcome } from '../download/download.js';
import { failureOf, listDays, progressLine, reportDocument, run, summaryLine, type DownloadReport, type ListReport } from '../download/run.js';
import { usageError } from '../core/errors.js';
import { DEFAULT_RETRY } from '../core/retry.js';
import { SEC_BASE_URL, SEC_MAX_RPS, checkUserAgent, isSecHost, parseBaseUrl } from '../core/sec-urls.js';
import { requestedDays } from '../core/date-range.js';
import { parseInteger as integer } from '../core/integers.js';
import { parseDuration } from '../core/durations.js';
import { Progress, formatBytes, info, paint, printJson, printTable } from '../output.js';
import { onShutdown } from '../signals.js';
import { configOf, deprecated, withExamples } from './context.js';

/** Sent to hosts other than sec.gov when no User-Agent is configured. */
const FALLBACK_USER_AGENT = 'findoc (EDGAR log downloader)';

export function downloadCommand() {
  const cmd = new Command('download')
    .description('fetch EDGAR daily log zips from the SEC (or a mirror) and store each day, unzipped and gzipped, in S3 or a folder')
    .option('--date <YYYY-MM-DD>', 'one day')
    .option('--from <YYYY-MM-DD>', 'first day of a range (with --to)')
    .option('--to <YYYY-MM-DD>', 'last day of a range, inclusive')
    .option('--to-s3 <url>', 'store under an S3 prefix, s3://bucket/prefix/ (the bucket is created if absent)')
    .option('--out <dir>', 'store in a local folder (created if absent)')
    .addOption(new Option('--to-dir <dir>', 'deprecated: --out').hideHelp())
    .option('--base-url <url>', 'where the SEC tree is served (scheme, host and path prefix)', SEC_BASE_URL)
    .option('--user-agent <text>', 'User-Agent naming you and a contact email; required for sec.gov (env FINDOC_USER_AGENT)')
    .option('--concurrency <n>', 'days transferred at once', '2')
    .option('--max-rps <n>', `requests per second, all transfers together (at most ${SEC_MAX_RPS} for sec.gov)`, String(SEC_MAX_RPS))
    .option('--retries <n>', 'retries per day after 429, 5xx or a network error (with backoff and jitter)', String(DEFAULT_RETRY.attempts - 1))
    .option('--timeout <seconds>', 'give up on a request after this long without a byte (then retry)', '60')
    .option('--no-gzip', 'store plain logYYYYMMDD.csv instead of logYYYYMMDD.csv.gz')
    .option('--gzip-level <1-9>', 'gzip level: 1 is fastest (EDGAR logs ~6x smaller); 6, zlib\'s default, ~7.5x smaller for ~2.5x the CPU', '1')
    .option('--force', 'download and replace days already stored')
    .option('--allow-missing', 'days the SEC has not published (404) do not make the exit code non-zero')
    .option('--list', 'print the URLs that would be fetched, fetch nothing (dry run)')
    .option('--json', 'print the summary as one JSON document')
    .addHelpText(
      'after',
      `
Days are stored flat as logYYYYMMDD.csv.gz (or .csv), with a completeness record (S3 object metadata, or a
logYYYYMMDD.csv.gz.json sidecar in a folder). A day already stored completely is skipped, so an interrupted
run resumes where it stopped; a failed day leaves nothing behind. See docs/pipeline.md, "Download".

sec.gov rules are built in: a User-Agent with a contact email is required, and requests never exceed
${SEC_MAX_RPS} per second whatever --concurrency.

Exit codes: 0 every day stored or skipped; 65 a day missing (404; see --allow-missing) or its zip corrupt;
69 a day refused (e.g. 403) or S3 unreachable; 75 network failures after every retry (run again to
resume); 78 no User-Agent for sec.gov; 130 interrupted.`,
    )
    .action(async (opts, command) => {
      const config = configOf(command);
      const dates = requestedDays(opts);
      const baseUrl = parseBaseUrl(opts.baseUrl);
      const secHost = isSecHost(baseUrl);
      const target = { toS3: opts.toS3, toDir: opts.out ?? deprecated('--to-dir', '--out', opts.toDir, 'download') };
      if (opts.list) return printList(await listDays({ dates, baseUrl, gzip: opts.gzip, target }, { config }), opts.json === true);

      const userAgent = checkUserAgent(opts.userAgent ?? config.sec.userAgent, secHost, FALLBACK_USER_AGENT);
      const maxRps = integer('--max-rps', opts.maxRps, 1, 1000);
      if (secHost && maxRps > SEC_MAX_RPS) {
        throw usageError(`--max-rps ${maxRps} is above the SEC's fair-access limit of ${SEC_MAX_RPS} requests per second`, 'leave it at 10 or lower for sec.gov');
      }
      const concurrency = integer('--concurrency', opts.concurrency, 1, 64);
      const retries = integer('--retries', opts.retries, 0, 20);
      const idleTimeoutMs = parseDuration(opts.timeout, { flag: '--timeout', unit: 's', min: 0.001, max: 3600 }) * 1000;
      const gzipLevel = integer('--gzip-level', opts.gzipLevel, 1, 9);
      const [gzip, force, allowMissing] = [opts.gzip, opts.force === true, opts.allowMissing === true];
      const options = { dates, baseUrl, target, gzip, gzipLevel, force, concurrency, maxRps, retries, idleTimeoutMs, userAgent, allowMissing };
      const bar = new Progress();
      const report = await run(options, {
        config,
        onShutdown: () => onShutdown(),
        progress: { update: (p, started) => bar.update(() => progressLine(p, started)), done: () => bar.done() },
        onRetry: (date, attempt, delay, reason) => {
          if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
          info(`${date}: ${reason}; retry ${attempt} of ${retries} in ${(delay / 1000).toFixed(1)} s`);
        },
      });
      if (opts.json) printJson(reportDocument(report));
      else printReport(report);
      const failure = failureOf(report);
      if (failure) throw failure;
    });
  return withExamples(cmd, [
    'export FINDOC_USER_AGENT="Sample Company Name admin@example.com"',
    'findoc download --from 2017-06-01 --to 2017-06-30 --to-s3 s3://edgar/logs/',
    'findoc download --date 2003-03-01 --out data/edgar',
    'findoc download --from 2017-04-28 --to 2017-05-01 --out data/edgar --allow-missing --json | jq .totals',
    'findoc download --from 2017-01-01 --to 2017-01-31 --list',
    'findoc download --date 2003-03-01 --out /tmp/e --base-url http://127.0.0.1:8080/dera/data/Public-EDGAR-log-file-data',
  ]);
}

function printList(l: ListReport, json: boolean): void {
  if (json) return printJson({ baseUrl: l.baseUrl, destination: l.destination, days: l.days });
  for (const d of l.days) if (d.action === 'fetch') process.stdout.write(d.url + '\n');
  const skipped = l.days.filter((d) => d.action === 'skip').length;
  if (skipped > 0) info(`${skipped} day${skipped === 1 ? '' : 's'} already stored completely in ${l.destination} (not listed; --force fetches them again)`);
}

function printReport(report: DownloadReport): void {
  printTable(['date', 'status', 'csv', 'stored', 'rows', 'seconds', 'target / reason'], report.result.days.map(row));
  info(summaryLine(report));
}

const STATUS_COLOUR = { stored: 'green', skipped: 'grey', missing: 'yellow', failed: 'red' } as const;

function row(d: DayOutcome): (string | number)[] {
  const stored = d.status === 'stored' || d.status === 'skipped';
  return [
    d.date,
    paint(d.status, STATUS_COLOUR[d.status]),
    stored ? formatBytes(d.csvBytes) : '',
    stored ? formatBytes(d.storedBytes) : '',
    stored ? d.rows : '',
    d.seconds.toFixed(1),
    stored ? d.target : (d.reason ?? ''),
  ];
}
