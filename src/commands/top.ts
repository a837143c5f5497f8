/**
 * findoc top: the most visited filers over a window, from the live state `findoc stream` keeps in Redis,
 * with names from PostgreSQL when it can be reached (DESIGN §3.6; the query: src/query/top.ts).
 */
import { Command, Option } from '@commander-js/extra-typings';
import { TOP_WINDOWS, parseWindow } from '../core/windows.js';
import { parseInteger } from '../core/integers.js';
import { run } from '../query/top.js';
import { info, printJson, printTable } from '../output.js';
import { configOf, withExamples } from './context.js';

export function topCommand() {
  const cmd = new Command('top')
    .description('the most visited filers (CIKs) over a sliding window or all time, from the live counts in Redis')
    .addOption(new Option('--window <w>', 'the seconds ending at the latest event applied, or all time').choices(TOP_WINDOWS).default('10s'))
    .option('--limit <n>', 'how many filers', '10')
    .option('--redis-prefix <prefix>', 'namespace of the stream\'s Redis keys (as given to findoc stream)', 'findoc:')
    .option('--schema <name>', 'PostgreSQL schema of the companies table (env FINDOC_PG_SCHEMA; default: the search_path)')
    .option('--json', 'print {"window","asOf","filter","visits","robots","robotShare","entries":[{"cik","name","ticker","visits"}]}')
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
      const { asOf, shares, entries, names } = await run({ window, limit, redisPrefix: opts.redisPrefix }, { config, warn: info });
      if (opts.json) {
        printJson({ window, asOf, ...shares, entries: entries.map((e) => ({ cik: e.cik, name: names.get(e.cik)?.name ?? null, ticker: names.get(e.cik)?.ticker ?? null, visits: e.visits })) });
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
        entries.map((e, i) => [i + 1, e.cik, names.get(e.cik)?.name ?? '', names.get(e.cik)?.ticker ?? '', e.visits]),
      );
    });
  return withExamples(cmd, ['findoc top', 'findoc top --window 1h --limit 20', 'findoc top --window all --json | jq .entries[0]']);
}
