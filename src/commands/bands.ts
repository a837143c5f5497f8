/**
 * findoc bands: the percentile bands of a day set, per second of the day (DESIGN §3.6), as computed by
 * findoc batch. Flags → the set and a range of seconds → run (src/query/bands.ts) → table or JSON.
 */
import { Command, Option } from '@commander-js/extra-typings';
import { usageError } from '../core/errors.js';
import { parseTimeOfDay } from '../core/time-of-day.js';
import { parseInteger } from '../core/integers.js';
import { SECONDS_PER_DAY } from '../core/visit.js';
import { run } from '../query/bands.js';
import { info, printJson, printTable } from '../output.js';
import { configOf, deprecated, withExamples } from './context.js';

export function bandsCommand() {
  const cmd = new Command('bands')
    .description('print the p25/p50/p75/p95 visits per second of a day set, for one second or a range of seconds of the day')
    .option('--set <name>', 'day set (see findoc batch --set)', 'default')
    .option('--at <HH:MM:SS>', 'one second of the day (UTC)')
    .option('--start-at <HH:MM:SS>', 'first second of a range (default 00:00:00)')
    .option('--end-at <HH:MM:SS>', 'last second of a range, inclusive (default 23:59:59)')
    .addOption(new Option('--from <HH:MM:SS>', 'deprecated: --start-at').hideHelp())
    .addOption(new Option('--to <HH:MM:SS>', 'deprecated: --end-at').hideHelp())
    .option('--every <seconds>', 'print every Nth second of the range (e.g. 3600 for hourly)', '1')
    .option('--schema <name>', 'PostgreSQL schema of the batch tables (env FINDOC_PG_SCHEMA)')
    .option('--json', 'print {"set","days","bands":[{"second","time","p25","p50","p75","p95"},…]}')
    .action(async (opts, command) => {
      const config = configOf(command);
      const startAt = opts.startAt ?? deprecated('--from', '--start-at', opts.from, 'bands');
      const endAt = opts.endAt ?? deprecated('--to', '--end-at', opts.to, 'bands');
      if (opts.at !== undefined && (startAt !== undefined || endAt !== undefined)) throw usageError('use either --at or --start-at/--end-at, not both');
      const from = opts.at !== undefined ? parseTimeOfDay(opts.at, '--at') : startAt !== undefined ? parseTimeOfDay(startAt, '--start-at') : 0;
      const to = opts.at !== undefined ? from : endAt !== undefined ? parseTimeOfDay(endAt, '--end-at') : SECONDS_PER_DAY - 1;
      if (to < from) throw usageError(`--end-at ${endAt} is before --start-at ${startAt ?? '00:00:00'}`);
      const every = parseInteger('--every', opts.every, 1, SECONDS_PER_DAY);
      const { set, bands } = await run({ set: opts.set, from, to, every }, { config });
      if (opts.json) printJson({ set: set.name, days: set.days, filter: set.filter, bands });
      else {
        printTable(['second', 'time', 'p25', 'p50', 'p75', 'p95'], bands.map((b) => [b.second, b.time, round(b.p25), round(b.p50), round(b.p75), round(b.p95)]));
        info(`set ${set.name}: ${set.days} days, filter ${set.filter}${set.computedAt ? `, computed ${set.computedAt.toISOString()}` : ''}`);
      }
      if (set.days === 0) info(`set ${set.name} has no days with stored counts yet: no bands`);
    });
  return withExamples(cmd, [
    'findoc bands --at 14:30:00',
    'findoc bands --set 2017-h1 --start-at 09:00:00 --end-at 09:05:00',
    'findoc bands --set 2017-h1 --every 3600',
    'findoc bands --set 2017-h1 --json | jq \'.bands[] | select(.p95 > 500)\'',
  ]);
}

/** Table cells: 4 decimals are plenty for people (8.949999999999999 → 8.95); --json keeps 9 (src/query/bands.ts). */
function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
