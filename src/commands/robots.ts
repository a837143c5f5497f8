/**
 * findoc robots: the robot IPs of a day, from the live state `findoc stream --filter robots` keeps in Redis
 * (docs/robots.md, docs/redis.md).
 */
import { Command } from '@commander-js/extra-typings';
import { connectRedis } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import { configError } from '../core/errors.js';
import { parseDay } from '../core/date-range.js';
import { parseInteger } from '../core/integers.js';
import { robotsOfStates } from '../core/robots.js';
import { SECONDS_PER_DAY, dayStart, formatDay } from '../core/visit.js';
import { isoSecond } from '../core/windows.js';
import { info, printJson, printTable } from '../output.js';
import { configOf, withExamples } from './context.js';

export function robotsCommand() {
  const cmd = new Command('robots')
    .description('the robot IPs of a day, from the live robots state of findoc stream --filter robots')
    .option('--day <date>', 'YYYY-MM-DD (UTC; default: the day of the latest event applied)')
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
      const asked = opts.day === undefined ? null : parseDay(opts.day, '--day');
      const redis = await connectRedis(config.redis.url);
      try {
        const state = new StreamState(redis, opts.redisPrefix);
        const progress = await state.readProgress();
        if (progress.filter === null) {
          info(`no stream has applied anything to namespace "${opts.redisPrefix}" yet (is findoc stream running with this --redis-prefix?)`);
          if (opts.json) printJson({ prefix: opts.redisPrefix, filter: null, day: asked, ips: 0, robotIps: 0, robotVisits: 0, robots: [] });
          return;
        }
        if (!progress.filter.includes('robots(')) {
          throw configError(
            `the Redis namespace "${opts.redisPrefix}" counts under filter "${progress.filter}", which has no robots rule`,
            '--redis-prefix',
            'give the prefix of a stream run with --filter robots (findoc stream --filter robots --redis-prefix humans:)',
          );
        }
        const day = asked ?? (progress.latestSecond === null ? null : formatDay(progress.latestSecond));
        const states = day === null ? new Map<string, string>() : await state.readRobotStates(Math.floor(dayStart(day) / SECONDS_PER_DAY));
        const { robots, ips, unreadable } = robotsOfStates(states);
        if (unreadable > 0) info(`warning: ${unreadable} robots states of ${day} could not be read (written by another findoc version?)`);
        const shown = robots.slice(0, limit);
        const robotVisits = robots.reduce((a, r) => a + r.visits, 0);
        if (opts.json) {
          printJson({
            prefix: opts.redisPrefix,
            filter: progress.filter,
            day,
            ips,
            robotIps: robots.length,
            robotVisits,
            robots: shown.map((r) => ({ ip: r.ip, visits: r.visits, firstRobotAt: isoSecond(r.firstRobotSecond), limit: r.limit })),
          });
          return;
        }
        if (day === null || ips === 0) {
          info(`no robots state for ${day ?? 'any day'} in namespace "${opts.redisPrefix}" (days kept: ${(await state.robotDays()).map((d) => formatDay(d * SECONDS_PER_DAY)).join(', ') || 'none'})`);
          return;
        }
        process.stdout.write(`${day}, ${progress.filter}: ${robots.length.toLocaleString('en-US')} robot IPs of ${ips.toLocaleString('en-US')}, ${robotVisits.toLocaleString('en-US')} robot visits\n`);
        printTable(['#', 'ip', 'robot visits', 'first robot second (UTC)', 'limit crossed'], shown.map((r, i) => [i + 1, r.ip, r.visits, isoSecond(r.firstRobotSecond), r.limit]));
        if (robots.length > shown.length) process.stdout.write(`… and ${robots.length - shown.length} more (--limit)\n`);
      } finally {
        redis.disconnect();
      }
    });
  return withExamples(cmd, ['findoc robots --redis-prefix humans:', 'findoc robots --day 2003-03-01 --limit 50', 'findoc robots --json | jq \'.robots[] | select(.limit == "day-requests")\'']);
}
