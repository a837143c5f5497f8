/**
 * findoc alerts: the companies read far more than usual right now, each against its own history in a day
 * set (docs/alerts.md). Flags → options → src/query/alerts.ts → table, JSON, or NDJSON with --follow.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { connectPostgres } from '../adapters/postgres.js';
import { connectRedis } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import { ALERT_WINDOWS, ALERT_WINDOW_SECONDS, DEFAULT_MIN_SCORE, DEFAULT_MIN_VISITS, parseAlertWindow, type AlertWindow } from '../core/attention.js';
import { interrupted, usageError } from '../core/errors.js';
import { parseInteger } from '../core/integers.js';
import { follow, run, type AlertsOptions } from '../query/alerts.js';
import { info, printJson, printJsonLine, printTable } from '../output.js';
import { onShutdown } from '../signals.js';
import { configOf, withExamples } from './context.js';

export function alertsCommand() {
  const cmd = new Command('alerts')
    .description('companies read far more than usual right now: live visits over a window against each company\'s own history in a day set')
    .option('--set <name>', 'day set holding the history (see findoc batch --set)', 'default')
    .addOption(new Option('--window <w>', 'the seconds ending at the latest event the stream applied').choices(ALERT_WINDOWS).default('5m' as AlertWindow))
    .option('--min-visits <n>', 'only companies with at least this many visits in the window', String(DEFAULT_MIN_VISITS))
    .option('--min-score <z>', 'only companies scoring at least this (Poisson standard deviations above expected)', String(DEFAULT_MIN_SCORE))
    .option('--limit <n>', 'how many companies (not with --follow)', '20')
    .option('--follow', 'NDJSON until Ctrl-C: a line when a company enters the list, one when it leaves')
    .option('--redis-prefix <prefix>', 'namespace of the stream\'s Redis keys (as given to findoc stream)', 'findoc:')
    .option('--schema <name>', 'PostgreSQL schema of the batch tables (env FINDOC_PG_SCHEMA)')
    .option('--json', 'print {"asOf","window","set","filter","complete","entries":[{"cik","name","ticker","visits","expected","score","new"}]}')
    .addHelpText(
      'after',
      `
For each company with visits in the window: expected = its mean daily visits in the set (days without a
visit count 0) × the share of a day's visits the set's days have in the window's seconds of day, and
score = (visits − expected) / √(expected + 1). Listed: at least --min-visits visits and a score of at least
--min-score, highest score first. A company the set never saw is "new" (expected 0). The stream and the
set must count under the same filter (exit 78 otherwise). See docs/alerts.md.

--follow prints one NDJSON line when a company enters the list and one when it leaves it: {"event":
"enter" or "leave","asOf","window","set","cik","name","ticker","visits","expected","score","new"}. A listed
company stays listed while it passes 3/4 of both thresholds (no flapping at the threshold). Ctrl-C prints
a last {"event":"end","asOf","window","set","listed"} and exits 130.

Exit 69 when PostgreSQL has no history for the set: compute it with findoc batch <logs> --set NAME.`,
    )
    .action(async (opts, command) => {
      const config = configOf(command);
      const window = parseAlertWindow(opts.window);
      const minScore = Number(opts.minScore);
      if (!Number.isFinite(minScore) || opts.minScore.trim() === '') throw usageError(`--min-score must be a number, got "${opts.minScore}"`);
      const options: AlertsOptions = {
        set: opts.set,
        window,
        minVisits: parseInteger('--min-visits', opts.minVisits, 0, Number.MAX_SAFE_INTEGER),
        minScore,
        limit: parseInteger('--limit', opts.limit, 1, 10_000),
        redisPrefix: opts.redisPrefix,
      };
      if (opts.follow && opts.json) throw usageError('--follow always prints NDJSON: drop --json');

      const schema = config.postgres.schema;
      const pool = await connectPostgres(config.postgres.url, { schema, max: 2 });
      try {
        const redis = await connectRedis(config.redis.url, opts.follow ? { persistent: true } : {});
        try {
          const deps = { pool, state: new StreamState(redis, opts.redisPrefix), postgresUrl: config.postgres.url, schema };
          if (opts.follow) {
            const shutdown = onShutdown();
            try {
              const end = await follow(options, deps, printJsonLine, shutdown.signal);
              printJsonLine({ event: 'end', asOf: end.asOf, window, set: options.set, listed: end.listed });
            } finally {
              shutdown.dispose();
            }
            throw interrupted('alerts --follow: stopped');
          }
          const report = await run(options, deps);
          if (opts.json) {
            printJson({
              asOf: report.asOf,
              window: report.window,
              set: report.set,
              filter: report.filter,
              complete: report.complete,
              entries: report.entries.map((e) => ({ cik: e.cik, name: e.name, ticker: e.ticker, visits: e.visits, expected: e.expected, score: e.score, new: e.new })),
            });
            return;
          }
          if (report.asOf === null) {
            info(`no visits in namespace "${opts.redisPrefix}" yet (is findoc stream running with this --redis-prefix?)`);
            return;
          }
          process.stdout.write(`unusual attention over the ${window} ending ${report.asOf} (set ${report.set}, filter ${report.filter})\n`);
          printTable(
            ['#', 'CIK', 'company', 'ticker', 'visits', 'expected', 'score', 'new'],
            report.entries.map((e, i) => [i + 1, e.cik, e.name ?? '', e.ticker ?? '', e.visits, e.expected.toFixed(1), e.score.toFixed(1), e.new ? 'new' : '']),
          );
          if (report.entries.length === 0) info(`no company with at least ${options.minVisits} visits and a score of at least ${options.minScore}`);
          if (report.coveredSeconds < ALERT_WINDOW_SECONDS[window]) info(`the stream has counted ${report.coveredSeconds} s of this ${window} window so far`);
        } finally {
          redis.disconnect();
        }
      } finally {
        await pool.end().catch(() => undefined);
      }
    });
  return withExamples(cmd, [
    'findoc alerts',
    'findoc alerts --set 2017-h1 --window 1h --min-score 6',
    'findoc alerts --json | jq \'.entries[] | select(.new | not)\'',
    'findoc alerts --follow | jq -c \'select(.event == "enter")\'',
  ]);
}
