/**
 * Redis adapter: builds the ioredis client from the configuration (redis:// or rediss:// URLs) and maps
 * connection failures to exit 69. Lua scripts live as .lua files beside the code that loads them and are
 * registered with defineCommand (EVALSHA with an automatic EVAL fallback).
 */
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { SETTING_NAMES } from '../core/config.js';
import { serviceUnavailable, type FindocError } from '../core/errors.js';
import { hostPort, redactUrl } from '../core/redact.js';

export interface RedisClientOptions {
  /** Keep reconnecting forever (long-running stream/watch) or fail fast (query commands, doctor). */
  persistent?: boolean;
  connectTimeoutMs?: number;
}

export function redisAddress(url: string): string {
  return hostPort(url, 6379);
}

export function redisUnavailable(url: string, e: unknown): FindocError {
  return serviceUnavailable('Redis', redisAddress(url), SETTING_NAMES.redis, e);
}

export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    maxRetriesPerRequest: options.persistent ? null : 1,
    enableOfflineQueue: options.persistent ?? false,
    retryStrategy: options.persistent ? (times) => Math.min(100 * 2 ** times, 5000) : () => null,
    connectionName: 'findoc',
  });
  // ioredis emits 'error' on every failed reconnect; without a listener Node prints them. Callers see
  // failures through the rejected commands instead.
  redis.on('error', () => undefined);
  return redis;
}

/** Connects, or throws exit 69 naming the address (never the password). */
export async function connectRedis(url: string, options: RedisClientOptions = {}): Promise<Redis> {
  const redis = createRedis(url, options);
  // ioredis rejects connect() with a bare "Connection is closed."; the 'error' event has the reason.
  let lastError: unknown;
  const remember = (e: unknown) => (lastError = e);
  redis.on('error', remember);
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    const reason = (lastError as Error | undefined)?.message ?? (e as Error)?.message ?? String(e);
    throw redisUnavailable(url, new Error(reason.replace(url, redactUrl(url))));
  } finally {
    redis.off('error', remember);
  }
  return redis;
}

/** Loads a Lua script that sits beside the caller (pass import.meta.url). */
export function loadLua(callerUrl: string, file: string): string {
  return readFileSync(new URL(file, callerUrl), 'utf8');
}
