/**
 * findoc top: the most visited filers over a window, from the live state `findoc stream` keeps in Redis
 * (DESIGN §3.6; reads: src/adapters/stream-state.ts), with names from PostgreSQL's companies table when it
 * can be reached (`findoc companies sync` fills it).
 */
import { Command } from '@commander-js/extra-typings';
import type pg from 'pg';
import { lookupCompanies } from '../adapters/companies-store.js';
import { connectPostgres } from '../adapters/postgres.js';
import { connectRedis } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import type { CompanyName } from '../core/companies.js';
import { isFindocError, usageError } from '../core/errors.js';
import { TOP_WINDOWS, isoSecond, parseWindow } from '../core/windows.js';
import { parseInteger } from '../core/integers.js';
import { info, printJson, printTable } from '../output.js';
import { configOf, withExamples } from './context.js';

export function topCommand() {
  const cmd = new Command('top')
    .description('the most visited filers (CIKs) over a sliding window or all time, from the live counts in Redis')
    .option('--window <w>', `${TOP_WINDOWS.join(', ')}: the seconds ending at the latest event applied, or all time`, '10s')
    .option('--limit <n>', 'how many filers', '10')
    .option('--redis-prefix <prefix>', 'namespace of the stream\'s Redis keys (as given to findoc stream)', 'findoc:')
    .option('--schema <name>', 'PostgreSQL schema of the companies table (env FINDOC_PG_SCHEMA; default: the search_path)')
    .option('--json', 'print {"window","asOf","filter","visits","robots","robotShare","entries":[{"cik","name","visits"}]}')
    .addHelpText(
      'after',
      `
Sorted by visits, then by the smaller CIK. asOf is the latest event second the stream has applied; a 10s
window is the ten seconds ending there. Names come from PostgreSQL (findoc companies sync); without it,
names are null and top still answers.`,
    )
    .action(async (opts, command) => {
      const config = configOf(command);
      const window = parseWindow(opts.window);
      const limit = parseInteger('--limit', opts.limit, 1, 10_000);

      const names = openNames(config.postgres.url, config.postgres.schema);
      let result;
      let shares: { filter: string | null; visits: number; robots: number; robotShare: number | null };
      let found: Map<number, CompanyName>;
      try {
        const redis = await connectRedis(config.redis.url);
        try {
          const state = new StreamState(redis, opts.redisPrefix);
          const [top, progress] = await Promise.all([state.readTop(window, limit), state.readProgress()]);
          result = top;
          const robots = progress.filter?.includes('robots(') === true;
          const seen = progress.visits + progress.robots;
          shares = { filter: progress.filter, visits: progress.visits, robots: progress.robots, robotShare: robots && seen > 0 ? progress.robots / seen : null };
        } finally {
          redis.disconnect();
        }
        found = await names.lookup(result.entries.map((e) => e.cik));
      } finally {
        await names.close();
      }
      const asOf = result.asOf === null ? null : isoSecond(result.asOf);
      if (opts.json) {
        printJson({ window, asOf, ...shares, entries: result.entries.map((e) => ({ cik: e.cik, name: found.get(e.cik)?.name ?? null, visits: e.visits })) });
        return;
      }
      if (asOf === null) {
        info(`no visits in namespace "${opts.redisPrefix}" yet (is findoc stream running with this --redis-prefix?)`);
        return;
      }
      process.stdout.write(`top ${limit} over ${window === 'all' ? 'all time' : `the ${window} ending`} ${asOf}\n`);
      if (shares.robotShare !== null) process.stdout.write(`humans ${(100 * (1 - shares.robotShare)).toFixed(1)} % · robots ${(100 * shares.robotShare).toFixed(1)} % (${shares.filter})\n`);
      printTable(
        ['#', 'CIK', 'company', 'ticker', 'visits'],
        result.entries.map((e, i) => [i + 1, e.cik, found.get(e.cik)?.name ?? '', found.get(e.cik)?.ticker ?? '', e.visits]),
      );
    });
  return withExamples(cmd, ['findoc top', 'findoc top --window 1h --limit 20', 'findoc top --window all --json | jq .entries[0]']);
}

/**
 * Names are optional: connecting starts at once (in parallel with Redis) and any failure to reach
 * PostgreSQL leaves names null, said once on stderr.
 */
function openNames(url: string, schema: string | undefined): { lookup(ciks: number[]): Promise<Map<number, CompanyName>>; close(): Promise<void> } {
  let failure: unknown = null;
  const pool: Promise<pg.Pool | null> = connectPostgres(url, { schema, max: 1, connectTimeoutMs: 2000 }).catch((e) => {
    failure = e;
    return null;
  });
  return {
    async lookup(ciks) {
      const p = await pool;
      try {
        if (p) return await lookupCompanies(p, ciks);
      } catch (e) {
        failure = e;
      }
      info(`names not shown: ${isFindocError(failure) ? failure.message : String((failure as Error)?.message ?? failure)}`);
      return new Map();
    },
    async close() {
      await (await pool)?.end().catch(() => undefined);
    },
  };
}
