/**
 * findoc top as a user runs it (the built CLI) over a namespace of the stream's Redis state, with names from
 * a companies table in a PostgreSQL schema of its own, and without PostgreSQL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { connectPostgres, migrate, quoteIdent } from '../../src/adapters/postgres.js';
import { connectRedis } from '../../src/adapters/redis.js';
import { StreamState } from '../../src/adapters/stream-state.js';
import { filterOf } from '../../src/core/filter.js';
import { recordSet } from '../../src/core/stream-delta.js';
import { WRITE_PARTS } from '../../src/stream/features/index.js';
import { parseRecords } from '../../src/stream/parse.js';
import { formatDay, formatTime } from '../../src/core/visit.js';
import { runCli } from '../helpers/cli.js';
import { stackConfig, uniqueName, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const schema = uniqueSchema('e2e_top');
const prefix = `${uniqueName('e2e-top')}:`;
const T = Date.UTC(2017, 5, 30, 0, 1, 11) / 1000;
let redis: Redis;
let pool: pg.Pool;

/** visits: [seconds before T, cik, how many] */
async function fill(state: StreamState, visits: [number, number, number][]): Promise<void> {
  const rows: string[] = [];
  for (const [ago, cik, n] of visits) {
    for (let i = 0; i < n; i++) rows.push(`1.2.3.abc,${formatDay(T - ago)},${formatTime(T - ago)},0.0,${cik}.0,a,-index.htm,200.0,1.0,1.0,0.0,0.0,9.0,0.0,`);
  }
  const batch = parseRecords(
    recordSet(rows.map((value, offset) => ({ offset, value }))),
    { topic: 'visits', partition: 0, follows: null, filter: filterOf([]), nowSecond: T, maxFutureSeconds: 3600 },
  );
  await state.applyBatches([batch], 'all', 86_400);
}

describe('findoc top', () => {
  before(async () => {
    redis = await connectRedis(config.redis.url);
    // 320193 and 1608552 tie in the 10 s window; 51143 only counts all-time (it is 20 s old).
    await fill(new StreamState(redis, prefix, { parts: WRITE_PARTS }), [[0, 320193, 4], [9, 1608552, 4], [3, 886982, 1], [20, 51143, 9]]);
    pool = await connectPostgres(config.postgres.url, { schema });
    await migrate(pool, schema);
    await pool.query(`INSERT INTO companies (cik, name, ticker, source) VALUES (320193, 'Apple Inc.', 'AAPL', 'test'), (51143, 'INTERNATIONAL BUSINESS MACHINES CORP', 'IBM', 'test')`);
  });

  after(async () => {
    await new StreamState(redis, prefix).reset();
    redis.disconnect();
    await pool.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await pool.end();
  });

  it('--json prints the window, asOf and entries sorted by visits then CIK, with names and tickers from PostgreSQL (every field the table shows)', async () => {
    const r = await runCli(['top', '--json', '--redis-prefix', prefix, '--schema', schema]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      window: '10s',
      asOf: '2017-06-30T00:01:11Z',
      // The namespace's filter and totals: 4 + 4 + 1 + 9 visits, no robots rule.
      filter: 'all',
      visits: 18,
      robots: 0,
      robotShare: null,
      entries: [
        { cik: 320193, name: 'Apple Inc.', ticker: 'AAPL', visits: 4 },
        { cik: 1608552, name: null, ticker: null, visits: 4 },
        { cik: 886982, name: null, ticker: null, visits: 1 },
      ],
    });
    const all = JSON.parse((await runCli(['top', '--window', 'all', '--limit', '2', '--json', '--redis-prefix', prefix, '--schema', schema])).stdout);
    assert.deepEqual(all.entries, [
      { cik: 51143, name: 'INTERNATIONAL BUSINESS MACHINES CORP', ticker: 'IBM', visits: 9 },
      { cik: 320193, name: 'Apple Inc.', ticker: 'AAPL', visits: 4 },
    ]);
  });

  it('prints a table with names and tickers without --json', async () => {
    const r = await runCli(['top', '--window', '1m', '--redis-prefix', prefix, '--schema', schema]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /top 10 over the 1m ending 2017-06-30T00:01:11Z/);
    // Compact, numbers aligned right.
    assert.match(r.stdout, /├[─┼]+┤\n│ 1 │ +51143 │ INTERNATIONAL BUSINESS MACHINES CORP │ IBM +│ +9 │\n│ 2 │ +320193 │ Apple Inc\. +│ AAPL +│ +4 │\n/);
  });

  it('without PostgreSQL, names are null and top still answers (said once on stderr)', async () => {
    const r = await runCli(['top', '--json', '--redis-prefix', prefix], { DATABASE_URL: 'postgres://127.0.0.1:1/findoc' });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { entries: { name: null }[] };
    assert.equal(out.entries.length, 3);
    assert.ok(out.entries.every((e) => e.name === null));
    assert.equal(r.stderr.match(/names not shown: PostgreSQL at 127\.0\.0\.1:1 is unavailable/g)?.length, 1, r.stderr);
  });

  it('an empty namespace has no asOf and no entries', async () => {
    const empty = `${uniqueName('e2e-top-empty')}:`;
    const json = await runCli(['top', '--json', '--redis-prefix', empty]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { window: '10s', asOf: null, filter: null, visits: 0, robots: 0, robotShare: null, entries: [] });
    const table = await runCli(['top', '--redis-prefix', empty]);
    assert.equal(table.code, 0);
    assert.equal(table.stdout, '');
    assert.match(table.stderr, /no visits in namespace/);
  });

  it('bad flags exit 64; unreachable Redis exits 69 naming the address', async () => {
    assert.equal((await runCli(['top', '--window', '2m'])).code, 64);
    assert.equal((await runCli(['top', '--limit', '0'])).code, 64);
    assert.equal((await runCli(['top', '--redis-prefix', 'a{b}:'])).code, 64);
    const r = await runCli(['top'], { REDIS_URL: 'redis://127.0.0.1:1' });
    assert.equal(r.code, 69);
    assert.match(r.stderr, /Redis at 127\.0\.0\.1:1 is unavailable/);
  });
});
