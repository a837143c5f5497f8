/**
 * findoc sessions: visitor sessions from log files (src/sessions/run.ts; the spec: the edgar-analytics
 * challenge, see docs/sessions.md).
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Command } from '@commander-js/extra-typings';
import { usageError } from '../core/errors.js';
import { MAX_INACTIVITY, MIN_INACTIVITY, parseInactivity, type SessionOrder } from '../core/sessions.js';
import { info } from '../output.js';
import { run } from '../sessions/run.js';
import { withExamples } from './context.js';

export function sessionsCommand() {
  const cmd = new Command('sessions')
    .description('visitor sessions (no gap over --inactivity seconds) from log files, as the edgar-analytics challenge defines them')
    .argument('<inputs...>', 'log files, folders or s3:// URLs (.csv, .csv.gz, .zip); several days are read in date order')
    .requiredOption('--inactivity <seconds>', `inactivity period, an integer from ${MIN_INACTIVITY} to ${MAX_INACTIVITY}`)
    .option('--order <order>', 'sessions found at once: expiry (by own expiry instant, then first request) or first (first request only)', 'expiry')
    .option('--insight', 'the challenge\'s rows: every row with a usable ip, date and time counts; bad lines skipped')
    .option('--out <file>', 'write the sessions to this file instead of stdout')
    .option('--json', 'NDJSON: ip, first, last, durationSeconds, requests, documents, ciks')
    .action(async (inputs, opts) => {
      const inactivity = parseInactivity(opts.inactivity);
      if (inactivity === null) throw usageError(`--inactivity must be an integer from ${MIN_INACTIVITY} to ${MAX_INACTIVITY} (seconds), got "${opts.inactivity}"`);
      if (opts.order !== 'expiry' && opts.order !== 'first') throw usageError(`--order must be expiry or first, got "${opts.order}"`);
      // --out: written beside the target under a temporary name and renamed at the end, so that a run that
      // fails leaves no partial file that looks complete (and an earlier file of that name untouched).
      const partial = opts.out ? `${opts.out}.partial-${process.pid}` : null;
      const out = partial ? createWriteStream(partial) : process.stdout;
      let report;
      try {
        report = await run(
          { inputs, inactivity, order: opts.order as SessionOrder, insight: opts.insight === true, json: opts.json === true },
          { out },
        );
        if (partial) {
          out.end();
          await finished(out);
          renameSync(partial, opts.out!);
        }
      } catch (e) {
        if (partial) {
          out.destroy();
          rmSync(partial, { force: true });
        }
        throw e;
      }
      info(`sessions: ${report.sessions} from ${report.rows} rows in ${report.files} file(s); ${report.skipped} line(s) skipped`);
    });
  return withExamples(cmd, [
    'findoc sessions log20170630.csv --inactivity 2',
    'findoc sessions logs/ --inactivity 1800 --insight --out sessionization.txt',
  ]);
}
