/**
 * findoc top's query: the most visited filers over a window, from the live state `findoc stream` keeps in
 * Redis (src/adapters/stream-state.ts), with names from PostgreSQL's companies table when it can be
 * reached (`findoc companies sync` fills it). Reads only.
 */
import type pg from 'pg';
import { lookupCompanies } from '../adapters/companies-store.js';
import { connectPostgres } from '../adapters/postgres.js';
import { connectRedis } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import type { CompanyName } from '../core/companies.js';
import type { Config } from '../core/config.js';
import { isFindocError } from '../core/errors.js';
import { isoSecond, type TopWindowName } from '../core/windows.js';

export interface TopOptions {
  window: TopWindowName;
  limit: number;
  redisPrefix: string;
}

export interface TopDeps {
  config: Pick<Config, 'postgres' | 'redis'>;
  /** A notice for stderr (names not shown). */
  warn: (message: string) => void;
}

export interface TopShares {
  filter: string | null;
  visits: number;
  robots: number;
  robotShare: number | null;
}

export interface TopReport {
  window: TopWindowName;
  /** The latest event second the stream has applied (ISO), or null before any visit. */
  asOf: string | null;
  shares: TopShares;
  entries: { cik: number; visits: number }[];
  names: Map<number, CompanyName>;
}

export async function run(options: TopOptions, deps: TopDeps): Promise<TopReport> {
  const { config } = deps;
  const names = openNames(config.postgres.url, config.postgres.schema, deps.warn);
  try {
    const redis = await connectRedis(config.redis.url);
    let result;
    let shares: TopShares;
    try {
      const state = new StreamState(redis, options.redisPrefix);
      const [top, progress] = await Promise.all([state.readTop(options.window, options.limit), state.readProgress()]);
      result = top;
      const robots = progress.filter?.includes('robots(') === true;
      const seen = progress.visits + progress.robots;
      shares = { filter: progress.filter, visits: progress.visits, robots: progress.robots, robotShare: robots && seen > 0 ? progress.robots / seen : null };
    } finally {
      redis.disconnect();
    }
    const found = await names.lookup(result.entries.map((e) => e.cik));
    return { window: options.window, asOf: result.asOf === null ? null : isoSecond(result.asOf), shares, entries: result.entries, names: found };
  } finally {
    await names.close();
  }
}

/**
 * Names are optional: connecting starts at once (in parallel with Redis) and any failure to reach
 * PostgreSQL leaves names null, said once on stderr.
 */
function openNames(
  url: string,
  schema: string | undefined,
  warn: (message: string) => void,
): { lookup(ciks: number[]): Promise<Map<number, CompanyName>>; close(): Promise<void> } {
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
      warn(`names not shown: ${isFindocError(failure) ? failure.message : String((failure as Error)?.message ?? failure)}`);
      return new Map();
    },
    async close() {
      await (await pool)?.end().catch(() => undefined);
    },
  };
}
