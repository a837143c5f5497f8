/**
 * findoc robots' query: the robot IPs of a day, from the live state `findoc stream --filter robots` keeps
 * in Redis (docs/robots.md, docs/redis.md). Reads only.
 */
import { connectRedis } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import type { Config } from '../core/config.js';
import { configError } from '../core/errors.js';
import { robotsOfStates } from '../core/robots.js';
import { SECONDS_PER_DAY, dayStart, formatDay } from '../core/visit.js';

export interface RobotsOptions {
  /** YYYY-MM-DD, or null for the day of the latest event applied. */
  day: string | null;
  limit: number;
  redisPrefix: string;
  /** Read the days kept when the day has no robots state (the message lists them). */
  keptDaysWhenEmpty: boolean;
}

export interface RobotsDeps {
  config: Pick<Config, 'redis'>;
  /** A notice for stderr (unreadable states). */
  warn: (message: string) => void;
}

type Robot = ReturnType<typeof robotsOfStates>['robots'][number];

export interface RobotsReport {
  /** The stream's filter; null when no stream has applied anything under the prefix yet. */
  filter: string | null;
  day: string | null;
  ips: number;
  robots: Robot[];
  /** The first --limit robots. */
  shown: Robot[];
  robotVisits: number;
  /** YYYY-MM-DD days with robots state, when asked for and the day has none. */
  keptDays: string[] | null;
}

export async function run(options: RobotsOptions, deps: RobotsDeps): Promise<RobotsReport> {
  const asked = options.day;
  const redis = await connectRedis(deps.config.redis.url);
  try {
    const state = new StreamState(redis, options.redisPrefix);
    const progress = await state.readProgress();
    if (progress.filter === null) return { filter: null, day: asked, ips: 0, robots: [], shown: [], robotVisits: 0, keptDays: null };
    if (!progress.filter.includes('robots(')) {
      throw configError(
        `the Redis namespace "${options.redisPrefix}" counts under filter "${progress.filter}", which has no robots rule`,
        '--redis-prefix',
        'give the prefix of a stream run with --filter robots (findoc stream --filter robots --redis-prefix humans:)',
      );
    }
    const day = asked ?? (progress.latestSecond === null ? null : formatDay(progress.latestSecond));
    const states = day === null ? new Map<string, string>() : await state.readRobotStates(Math.floor(dayStart(day) / SECONDS_PER_DAY));
    const { robots, ips, unreadable } = robotsOfStates(states);
    if (unreadable > 0) deps.warn(`warning: ${unreadable} robots states of ${day} could not be read (written by another findoc version?)`);
    const shown = robots.slice(0, options.limit);
    const robotVisits = robots.reduce((a, r) => a + r.visits, 0);
    const empty = day === null || ips === 0;
    const keptDays = empty && options.keptDaysWhenEmpty ? (await state.robotDays()).map((d) => formatDay(d * SECONDS_PER_DAY)) : null;
    return { filter: progress.filter, day, ips, robots, shown, robotVisits, keptDays };
  } finally {
    redis.disconnect();
  }
}
