/**
 * One reachability check per service, used by `findoc doctor` (and by watch's status line later).
 * Each check uses the same adapter the commands use, with short timeouts, and never throws.
 */
import { SETTING_NAMES, type Config } from '../core/config.js';
import { isFindocError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { brokerAddress, createKafka, describeCluster } from './kafka/admin.js';
import { postgresAddress, connectPostgres } from './postgres.js';
import { connectRedis, redisAddress } from './redis.js';
import { ObjectStore } from './s3.js';

export type ServiceName = 'Kafka' | 'Redis' | 'PostgreSQL' | 'S3';

export interface ServiceHealth {
  service: ServiceName;
  address: string;
  ok: boolean;
  /** e.g. "1 broker", "PostgreSQL 15.19". */
  detail?: string;
  error?: string;
  /** The setting to change when it failed. */
  setting?: string;
  hint?: string;
  ms: number;
}

async function timed(
  service: ServiceName,
  address: string,
  setting: string,
  check: () => Promise<string>,
): Promise<ServiceHealth> {
  const start = performance.now();
  try {
    const detail = await check();
    return { service, address, ok: true, detail, ms: Math.round(performance.now() - start) };
  } catch (e) {
    const message = isFindocError(e) && e.cause instanceof Error ? e.cause.message : (e as Error)?.message ?? String(e);
    return {
      service,
      address,
      ok: false,
      error: redactText(message || (e as Error)?.name || 'failed'),
      setting,
      hint: `set ${setting}, or start the local stack: npm run stack:up`,
      ms: Math.round(performance.now() - start),
    };
  }
}

export async function checkServices(config: Config, timeoutMs = 3000): Promise<ServiceHealth[]> {
  return Promise.all([
    timed('Kafka', brokerAddress(config.kafka), SETTING_NAMES.kafka, async () => {
      const kafka = createKafka(config.kafka, { connectTimeoutMs: timeoutMs, retries: 0 });
      const c = await describeCluster(kafka, config.kafka);
      return `${c.brokers} broker${c.brokers === 1 ? '' : 's'}, controller ${c.controller ?? 'unknown'}`;
    }),
    timed('Redis', redisAddress(config.redis.url), SETTING_NAMES.redis, async () => {
      const redis = await connectRedis(config.redis.url, { connectTimeoutMs: timeoutMs });
      try {
        const infoText = await redis.info('server');
        return `Redis ${/redis_version:(\S+)/.exec(infoText)?.[1] ?? '?'}`;
      } finally {
        redis.disconnect();
      }
    }),
    timed('PostgreSQL', postgresAddress(config.postgres.url), SETTING_NAMES.postgres, async () => {
      const pool = await connectPostgres(config.postgres.url, { connectTimeoutMs: timeoutMs, max: 1 });
      try {
        const r = await pool.query<{ v: string; db: string }>(`SELECT current_setting('server_version') AS v, current_database() AS db`);
        return `PostgreSQL ${r.rows[0].v}, database ${r.rows[0].db}`;
      } finally {
        await pool.end();
      }
    }),
    timed('S3', config.s3.endpoint ? new ObjectStore(config.s3).address : 'AWS', SETTING_NAMES.s3, async () => {
      const store = new ObjectStore(config.s3);
      try {
        await Promise.race([
          store.ping(),
          new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
        ]);
        return `endpoint ${store.address}`;
      } finally {
        store.close();
      }
    }),
  ]);
}
