/**
 * findoc batch with the robots filter against the real PostgreSQL of the local stack (own schema): the
 * per-second counts stored for the real 2003-03-01 file equal the independent DuckDB window-function
 * classification (bench/lib/robots-duckdb.ts), under the filter name that carries rule and mode; the CLI
 * refuses bad rules with exit 64. One run goes through a worker thread (the robots setting crosses the
 * thread boundary in the DayJob), the others parse in the test's thread.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { robotsReference } from '../../bench/lib/robots-duckdb.js';
import { readCountSlices } from '../../src/adapters/batch-store.js';
import { connectPostgres, migrate } from '../../src/adapters/postgres.js';
import { failureCode, runBatch, type BatchOptions, type BatchReport } from '../../src/batch/run.js';
import { parseFilter } from '../../src/core/filter.js';
import { ROBOT_PRESETS } from '../../src/core/robots.js';
import { runCli } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';
import { stackConfig, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const schema = uniqueSchema('it_batch_robots');
const FILE = join(REAL, 'log20030301.csv');
let pool: pg.Pool;

function batch(opts: Partial<BatchOptions> & Pick<BatchOptions, 'inputs' | 'filter'>): Promise<BatchReport> {
  return runBatch(
    { set: null, raw: false, force: false, workers: 0, leaseMs: 10_000, strict: false, maxSamples: 10, ...opts },
    { pool, postgres: { url: config.postgres.url, schema }, s3: config.s3 },
  );
}

describe('findoc batch --filter robots against PostgreSQL', () => {
  before(async () => {
    pool = await connectPostgres(config.postgres.url, { schema, max: 6 });
    await migrate(pool, schema);
  });
  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  const cases = [
    { rule: 'drt', mode: 'causal', workers: 1, name: 'robots(drt)' },
    { rule: 'lm', mode: 'causal', workers: 0, name: 'robots(lm)' },
    { rule: 'ryans', mode: 'causal', workers: 0, name: 'robots(ryans)' },
    { rule: 'drt', mode: 'day', workers: 0, name: 'robots-day(drt)' },
  ] as const;
  for (const c of cases) {
    it(`stored per-second counts of 2003-03-01 under ${c.name} equal the DuckDB reference`, async () => {
      const filter = parseFilter('robots', false, { rule: c.rule, mode: c.mode });
      assert.equal(filter.name, c.name);
      const r = await batch({ inputs: [FILE], filter, workers: c.workers, set: { name: `humans-${c.rule}-${c.mode}` } });
      assert.equal(failureCode(r), null, JSON.stringify(r.days));
      const [ref] = await robotsReference(FILE, ROBOT_PRESETS[c.rule], c.mode);
      assert.deepEqual(
        r.days.map((d) => [d.day, d.status, d.visits, d.filtered]),
        [['2003-03-01', 'processed', ref.visits - ref.robotVisits, ref.robotVisits]],
      );
      const [stored] = await readCountSlices(pool, c.name, ['2003-03-01']);
      assert.deepEqual(stored, ref.human);
      const set = (await pool.query('SELECT filter FROM day_sets WHERE name = $1', [`humans-${c.rule}-${c.mode}`])).rows[0];
      assert.equal(set.filter, c.name);
    });
  }

  it('the CLI refuses an unknown preset and a malformed spec with exit 64, naming the accepted forms', async () => {
    for (const bad of ['drtt', 'minute-requests=x', 'minute=5']) {
      const r = await runCli(['batch', FILE, '--no-set', '--schema', schema, '--robots', bad]);
      assert.equal(r.code, 64, r.stderr);
      assert.match(r.stderr, /drt, lm, ryans/);
      assert.match(r.stderr, /minute-requests=/);
    }
    const m = await runCli(['batch', FILE, '--no-set', '--schema', schema, '--filter', 'robots', '--robots-mode', 'weekly']);
    assert.equal(m.code, 64, m.stderr);
    assert.match(m.stderr, /Allowed choices are causal, day/);
  });
});
