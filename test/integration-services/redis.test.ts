import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connectRedis } from '../../src/adapters/redis.js';
import { FindocError } from '../../src/core/errors.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const config = stackConfig();
const prefix = `${uniqueName('it-redis')}:`;

// Adds ARGV[1] to a counter and records the offset it came from, atomically: the shape of the stream's
// exactly-once apply (counts and offsets change together or not at all).
const APPLY = `
local last = tonumber(redis.call('GET', KEYS[2]) or '-1')
if tonumber(ARGV[2]) <= last then return 0 end
redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
return 1
`;

describe('Redis adapter against the real server', () => {
  after(async () => {
    const redis = await connectRedis(config.redis.url);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('runs a Lua script through the client (EVALSHA with fallback)', async () => {
    const redis = await connectRedis(config.redis.url);
    try {
      redis.defineCommand('findocApply', { numberOfKeys: 2, lua: APPLY });
      const apply = (n: number, offset: number) =>
        (redis as unknown as { findocApply(...a: (string | number)[]): Promise<number> }).findocApply(`${prefix}count`, `${prefix}offset`, n, offset);
      assert.equal(await apply(5, 0), 1);
      assert.equal(await apply(7, 1), 1);
      assert.equal(await apply(7, 1), 0, 'a replayed offset must not count twice');
      assert.equal(await redis.get(`${prefix}count`), '12');
      // The script survives SCRIPT FLUSH (ioredis falls back to EVAL).
      await redis.script('FLUSH');
      assert.equal(await apply(1, 2), 1);
      assert.equal(await redis.get(`${prefix}count`), '13');
    } finally {
      redis.disconnect();
    }
  });

  it('an unreachable server is exit 69 naming the address, without the password', async () => {
    await assert.rejects(
      connectRedis('redis://:hunter2@127.0.0.1:1', { connectTimeoutMs: 500 }),
      (e: unknown) => e instanceof FindocError && e.exitCode === 69 && e.message.includes('127.0.0.1:1') && !e.message.includes('hunter2'),
    );
  });
});
