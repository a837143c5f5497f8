/**
 * findoc sessions: visitor sessions from log files (src/sessions/run.ts; the spec: the edgar-analytics
 * challenge, see docs/sessions.md).
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Command, Option } from '@commander-js/extra-typings';
import { connectRedis } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import { FindocError, interrupted, usageError } from '../core/errors.js';
import { fileDates } from '../core/date-range.js';
import { parseFilter } from '../core/filter.js';
import { MAX_INACTIVITY, MIN_INACTIVITY, parseInactivity } from '../core/sessions.js';
import { info } from '../output.js';
import { onShutdown } from '../signals.js';
import { writeLiveSessions } from '../sessions/live.js';
import { run } from '../sessions/run.js';
import { configOf, withExamples } from './context.js';

export function sessionsCommand() {
  const cmd = new Command('sessions')
    .description('visitor sessions (no gap over --inactivity seconds) from log files, as the edgar-analytics challenge defines them')
    .argument('[inputs...]', 'log files, folders or s3:// URLs (.csv, .csv.gz, .zip); several days are read in date order')
    .option('--date <YYYY-MM-DD>', 'only the file of this day (by the date in its name)')
    .option('--from <YYYY-MM-DD>', 'first day to read (by the date in the file name)')
    .option('--to <YYYY-MM-DD>', 'last day to read, inclusive')
    .option('--inactivity <seconds>', `inactivity period, an integer from ${MIN_INACTIVITY} to ${MAX_INACTIVITY} (required with inputs)`)
    .option('--live', 'the sessions findoc stream --sessions keeps in Redis: the ended ones, then the open ones as if the input ended now')
    .option('--follow', 'with --live: after the ended sessions, print each session as it ends, until Ctrl-C')
    .option('--redis-prefix <prefix>', 'with --live: namespace of the stream\'s Redis keys (as given to findoc stream)', 'findoc:')
    .addOption(new Option('--order <order>', 'sessions found at once: by their own expiry instant, then first request (expiry), or by first request only (first)').choices(['expiry', 'first'] as const).default('expiry' as const))
    .option('--insight', 'the challenge\'s rows: every row with a usable ip, date and time counts; bad lines skipped')
    .option('--out <file>', 'write the sessions to this file instead of stdout')
    .option('--filter <rules>', 'sessions of the visits the rules keep: robots, crawlers, errors (comma separated; not with --insight)')
    .option('--robots <rule>', 'robots rule (turns the robots filter on): drt (default), lm, ryans, or a spec (docs/robots.md); causal mode, as the stream')
    .option('--json', 'NDJSON: ip, first, last, durationSeconds, requests, documents, ciks (--live: open instead of documents and ciks)')
    .action(async (inputs, opts, command) => {
      if (opts.live) {
        if (inputs.length > 0) throw usageError('--live reads the stream\'s sessions from Redis: give no inputs with it');
        if (opts.insight || opts.out || opts.inactivity !== undefined || opts.filter !== undefined || opts.robots !== undefined) throw usageError('--live takes --redis-prefix and --json only (the inactivity is the stream\'s --sessions)');
        const redis = await connectRedis(configOf(command).redis.url, opts.follow ? { persistent: true } : {});
        const shutdown = opts.follow ? onShutdown() : null;
        try {
          const report = await writeLiveSessions(new StreamState(redis, opts.redisPrefix), process.stdout, opts.json === true, shutdown?.signal);
          if (report === null) {
            throw new FindocError('FINDOC_BAD_INPUT', `the Redis namespace "${opts.redisPrefix}" keeps no sessions`, {
              hint: `run findoc stream --sessions SECONDS --redis-prefix ${opts.redisPrefix} (or give the prefix of a stream that does)`,
            });
          }
          info(`sessions --live: ${report.ended} ended${opts.follow ? '' : ` and ${report.open} open`} (inactivity ${report.inactivity} s) in "${opts.redisPrefix}"`);
        } finally {
          shutdown?.dispose();
          redis.disconnect();
        }
        return;
      }
      if (opts.follow) throw usageError('--follow goes with --live');
      if (inputs.length === 0) throw usageError('give log files or folders to read (or --live for the stream\'s sessions)');
      if (opts.inactivity === undefined) throw usageError(`--inactivity is required with inputs: an integer from ${MIN_INACTIVITY} to ${MAX_INACTIVITY} (seconds)`);
      const inactivity = parseInactivity(opts.inactivity);
      if (inactivity === null) throw usageError(`--inactivity must be an integer from ${MIN_INACTIVITY} to ${MAX_INACTIVITY} (seconds), got "${opts.inactivity}"`);
      const filter = opts.filter !== undefined || opts.robots !== undefined ? parseFilter(opts.filter, false, { rule: opts.robots }) : undefined;
      if (filter && opts.insight) throw usageError('--insight follows the challenge, every row counts: drop --filter/--robots, or --insight');
      // --out: written beside the target under a temporary name and renamed at the end, so that a run that
      // fails leaves no partial file that looks complete (and an earlier file of that name untouched).
      const partial = opts.out ? `${opts.out}.partial-${process.pid}` : null;
      const shutdown = onShutdown();
      const out = partial ? createWriteStream(partial) : process.stdout;
      let report;
      try {
        report = await run(
          { inputs, ...fileDates(opts), inactivity, order: opts.order, insight: opts.insight === true, json: opts.json === true, filter },
          { out, signal: shutdown.signal },
        );
        if (partial) {
          out.end();
          await finished(out);
          renameSync(partial, opts.out!);
        }
      } catch (e) {
        if (partial) {
          // A write may still be in flight: its failure on the destroyed stream is moot, the file goes.
          out.on('error', () => undefined);
          out.destroy();
          rmSync(partial, { force: true });
          if (e instanceof FindocError && e.code === 'FINDOC_INTERRUPTED') throw interrupted(`interrupted: ${opts.out} was not written`);
        }
        throw e;
      } finally {
        shutdown.dispose();
      }
      info(`sessions: ${report.sessions} from ${report.rows} rows in ${report.files} file(s); ${report.skipped} line(s) skipped${filter ? `; ${report.filtered} visits filtered (${filter.name})` : ''}`);
    });
  return withExamples(cmd, [
    'findoc sessions log20170630.csv --inactivity 2',
    'findoc sessions logs/ --inactivity 1800 --insight --out sessionization.txt',
    'findoc sessions --live --redis-prefix live: --json | jq -c \'select(.open)\'',
  ]);
}
