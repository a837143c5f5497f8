import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { connectPostgres, listMigrations, migrate } from '../../src/adapters/postgres.js';
import { FindocError } from '../../src/core/errors.js';
import { stackConfig, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const schema = uniqueSchema('it_pg');

describe('PostgreSQL adapter against the real server', () => {
  after(async () => {
    const pool = await connectPostgres(config.postgres.url);
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('migrations run twice, and concurrently, without error, each applied once', async () => {
    const pools = await Promise.all([1, 2, 3].map(() => connectPostgres(config.postgres.url, { schema })));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p, schema)));
      const all = listMigrations().map((m) => m.name);
      assert.ok(all.length > 0);
      // Exactly one of the three concurrent runs applied each migration.
      assert.deepEqual(applied.flat().sort(), [...all].sort());
      assert.deepEqual(await migrate(pools[0], schema), []);
      const recorded = await pools[0].query<{ name: string }>('SELECT name FROM findoc_migrations ORDER BY id');
      assert.deepEqual(recorded.rows.map((r) => r.name), all);
      // The tables live in the test's own schema.
      const t = await pools[0].query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'companies'`, [schema]);
      assert.equal(t.rowCount, 1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('an unreachable server is exit 69 naming the address, without the password', async () => {
    await assert.rejects(
      connectPostgres('postgres://alice:s3cret@127.0.0.1:1/findoc', { connectTimeoutMs: 1000 }),
      (e: unknown) =>
        e instanceof FindocError &&
        e.exitCode === 69 &&
        e.message.includes('127.0.0.1:1') &&
        !JSON.stringify(e.toJSON()).includes('s3cret') &&
        !e.message.includes('s3cret'),
    );
  });
});
