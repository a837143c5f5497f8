/**
 * findoc attention: one company against its own history (docs/alerts.md). Flags → options →
 * src/query/attention.ts → a short report or JSON.
 */
import { Command } from '@commander-js/extra-typings';
import { connectPostgres } from '../adapters/postgres.js';
import { connectRedis } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import { parseCompanyRef } from '../core/companies.js';
import { usageError } from '../core/errors.js';
import { run } from '../query/attention.js';
import { printJson, printTable } from '../output.js';
import { configOf, withExamples } from './context.js';

export function attentionCommand() {
  const cmd = new Command('attention')
    .description('one company\'s live visits (1m, 5m, 1h) against its own history in a day set: baseline, expected visits, score')
    .argument('<company>', 'a CIK (320193, 0000320193) or a ticker (AAPL; needs findoc companies sync)')
    .option('--set <name>', 'day set holding the history (see findoc batch --set)', 'default')
    .option('--redis-prefix <prefix>', 'namespace of the stream\'s Redis keys (as given to findoc stream)', 'findoc:')
    .option('--schema <name>', 'PostgreSQL schema of the batch tables (env FINDOC_PG_SCHEMA)')
    .option('--json', 'print {"cik","name","ticker","set","filter","asOf","baseline":{…},"windows":[{"window","visits","expected","score","coveredSeconds"}]}')
    .addHelpText(
      'after',
      `
baseline: the company's mean daily visits over the set's days (a day without a visit counts 0), and the
three hours of day the set's day curve puts most of them in. For each window: visits now, expected =
mean × the window's share of a day, score = (visits − expected) / √(expected + 1). See docs/alerts.md.
Exit 1 for an unknown ticker, 69 when the set has no history (findoc batch <logs> --set NAME), 78 when the
stream's filter is not the set's.`,
    )
    .action(async (company, opts, command) => {
      const config = configOf(command);
      const ref = parseCompanyRef(company);
      if (!ref) throw usageError(`"${company}" is neither a CIK nor a ticker`, 'e.g. findoc attention 320193 or findoc attention AAPL');
      const schema = config.postgres.schema;
      const pool = await connectPostgres(config.postgres.url, { schema, max: 3 });
      try {
        const redis = await connectRedis(config.redis.url);
        try {
          const r = await run({ company: ref, set: opts.set, redisPrefix: opts.redisPrefix }, { pool, state: new StreamState(redis, opts.redisPrefix), postgresUrl: config.postgres.url, schema });
          if (opts.json) {
            printJson(r);
            return;
          }
          const label = r.name ? `${r.name}${r.ticker ? ` (${r.ticker})` : ''}, CIK ${r.cik}` : `CIK ${r.cik}`;
          const b = r.baseline;
          process.stdout.write(`${label} — set ${r.set} (filter ${r.filter}), live as of ${r.asOf ?? 'never (no visits streamed yet)'}\n`);
          process.stdout.write(
            b.new
              ? `baseline: never seen in the set's ${b.days} days (new: expected 0)\n`
              : `baseline: ${b.dailyMean.toFixed(1)} visits a day (seen on ${b.daysSeen} of ${b.days} days); busiest hours ${b.busiestHours.map((h) => `${h.hour} (${h.expected.toFixed(1)})`).join(', ')}\n`,
          );
          printTable(['window', 'visits', 'expected', 'score', 'seconds counted'], r.windows.map((w) => [w.window, w.visits, w.expected.toFixed(1), w.score.toFixed(1), w.coveredSeconds]));
        } finally {
          redis.disconnect();
        }
      } finally {
        await pool.end().catch(() => undefined);
      }
    });
  return withExamples(cmd, ['findoc attention 320193', 'findoc attention AAPL --set 2017-h1', 'findoc attention 0000320193 --json | jq .windows']);
}
