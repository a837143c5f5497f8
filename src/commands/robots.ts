/**
 * findoc robots: the robot IPs of a day, from the live state `findoc stream --filter robots` keeps in Redis
 * (docs/robots.md, docs/redis.md; the query: src/query/robots.ts).
 */
import { Command, Option } from '@commander-js/extra-typings';
import { parseDay } from '../core/date-range.js';
import { parseInteger } from '../core/integers.js';
import { isoSecond } from '../core/windows.js';
import { run } from '../query/robots.js';
import { info, printJson, printTable } from '../output.js';
import { configOf, deprecated, withExamples } from './context.js';

export function robotsCommand() {
  const cmd = new Command('robots')
    .description('the robot IPs of a day, from the live robots state of findoc stream --filter robots')
    .option('--date <YYYY-MM-DD>', 'the day (UTC; default: the day of the latest event applied)')
    .addOption(new Option('--day <date>', 'deprecated: --date').hideHelp())
    .option('--limit <n>', 'how many IPs, most robot visits first', '20')
    .option('--redis-prefix <prefix>', 'namespace of the stream\'s Redis keys (as given to findoc stream)', 'findoc:')
    .option('--json', 'print {"prefix","filter","day","ips","robotIps","robotVisits","robots":[{"ip","visits","firstRobotAt","limit"}]}')
    .addHelpText(
      'after',
      `
An IP is a robot on a day from the visit with which one of its counts went over a limit of the stream's
rule (docs/robots.md); visits counts its robot visits (that one and every later one of the day), limit
is the one it crossed. Days are kept while the stream's latest event is within the day plus --retention.`,
    )
    .action(async (opts, command) => {
      const config = configOf(command);
      const limit = parseInteger('--limit', opts.limit, 1, 1_000_000);
      const date = opts.date ?? deprecated('--day', '--date', opts.day, 'robots');
      const asked = date === undefined ? null : parseDay(date, '--date');
      const prefix = opts.redisPrefix;
      const r = await run({ day: asked, limit, redisPrefix: prefix, keptDaysWhenEmpty: opts.json !== true }, { config, warn: info });
      if (r.filter === null) {
        info(`no stream has applied anything to namespace "${prefix}" yet (is findoc stream running with this --redis-prefix?)`);
        if (opts.json) printJson({ prefix, filter: null, day: asked, ips: 0, robotIps: 0, robotVisits: 0, robots: [] });
        return;
      }
      const { day, ips, robots, shown, robotVisits } = r;
      if (opts.json) {
        const list = shown.map((x) => ({ ip: x.ip, visits: x.visits, firstRobotAt: isoSecond(x.firstRobotSecond), limit: x.limit }));
        printJson({ prefix, filter: r.filter, day, ips, robotIps: robots.length, robotVisits, robots: list });
        return;
      }
      if (day === null || ips === 0) {
        info(`no robots state for ${day ?? 'any day'} in namespace "${prefix}" (days kept: ${(r.keptDays ?? []).join(', ') || 'none'})`);
        return;
      }
      process.stdout.write(`${day}, ${r.filter}: ${robots.length.toLocaleString('en-US')} robot IPs of ${ips.toLocaleString('en-US')}, ${robotVisits.toLocaleString('en-US')} robot visits\n`);
      printTable(['#', 'ip', 'robot visits', 'first robot second (UTC)', 'limit crossed'], shown.map((x, i) => [i + 1, x.ip, x.visits, isoSecond(x.firstRobotSecond), x.limit]));
      if (robots.length > shown.length) process.stdout.write(`… and ${robots.length - shown.length} more (--limit)\n`);
    });
  return withExamples(cmd, ['findoc robots --redis-prefix humans:', 'findoc robots --date 2003-03-01 --limit 50', 'findoc robots --json | jq \'.robots[] | select(.limit == "day-requests")\'']);
}
