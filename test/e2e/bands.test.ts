/**
 * findoc bands as a user runs it: the built CLI, after findoc batch has computed a set in the test's own
 * schema (FINDOC_PG_SCHEMA). The four tiny days make bands that can be checked by hand (see
 * test/core/percentiles.test.ts for the arithmetic).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectPostgres } from '../../src/adapters/postgres.js';
import { EDGAR_HEADER } from '../../src/core/visit.js';
import { runCli } from '../helpers/cli.js';
import { stackConfig, uniqueSchema } from '../helpers/services.js';

const config = stackConfig();
const schema = uniqueSchema('e2e_bands');
const env = { FINDOC_PG_SCHEMA: schema };
let dir: string;

interface BandsJson {
  set: string;
  days: number;
  filter: string;
  bands: Array<{ second: number; time: string; p25: number; p50: number; p75: number; p95: number }>;
}

describe('findoc bands', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'findoc-bands-'));
    const row = (time: string, day: string) => `1.2.3.abc,${day},${time},0.0,1000.0,x,y,200.0,1.0,0.0,0.0,0.0,0.0,0.0,`;
    [3, 0, 10, 1].forEach((n, i) => {
      const day = `2001-01-0${i + 1}`;
      const lines = [EDGAR_HEADER, ...Array.from({ length: n }, () => row('00:00:00', day))];
      if (i === 2) lines.push(...Array.from({ length: 8 }, () => row('12:00:00', day)));
      writeFileSync(join(dir, `log${day.replace(/-/g, '')}.csv`), lines.join('\n') + '\n');
    });
    const r = await runCli(['batch', dir, '--workers', '1'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /set default \(filter all\): 4 days, bands recomputed/);
  });

  after(async () => {
    const pool = await connectPostgres(config.postgres.url);
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json prints the documented shape for every second of the day', async () => {
    const r = await runCli(['bands', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as BandsJson;
    assert.deepEqual([out.set, out.days, out.filter, out.bands.length], ['default', 4, 'all', 86_400]);
    // second 0 over the days' counts 3, 0, 10, 1 (sorted 0 1 3 10)
    const b0 = out.bands[0];
    assert.deepEqual([b0.second, b0.time, b0.p50, b0.p75], [0, '00:00:00', 2, 4.75]);
    assert.ok(Math.abs(b0.p25 - 0.75) < 1e-12 && Math.abs(b0.p95 - 8.95) < 1e-12, JSON.stringify(b0));
    assert.deepEqual(out.bands[86_399], { second: 86_399, time: '23:59:59', p25: 0, p50: 0, p75: 0, p95: 0 });
  });

  it('--at one second, --start-at/--end-at a range, --every a sample', async () => {
    const at = JSON.parse((await runCli(['bands', '--at', '12:00:00', '--json'], env)).stdout) as BandsJson;
    assert.equal(at.bands.length, 1);
    assert.deepEqual([at.bands[0].second, at.bands[0].time, at.bands[0].p25, at.bands[0].p50, at.bands[0].p75], [43_200, '12:00:00', 0, 0, 2]);
    assert.equal(at.bands[0].p95, 6.8, 'rounded to 1e-9 (the double is 6.799999999999999)');
    const range = JSON.parse((await runCli(['bands', '--start-at', '11:59:59', '--end-at', '12:00:01', '--json'], env)).stdout) as BandsJson;
    assert.deepEqual(range.bands.map((b) => b.time), ['11:59:59', '12:00:00', '12:00:01']);
    // The old spellings work for one release, with a deprecation line.
    const old = await runCli(['bands', '--from', '11:59:59', '--to', '12:00:01', '--json'], env);
    assert.equal(old.code, 0, old.stderr);
    assert.deepEqual(JSON.parse(old.stdout), range);
    assert.match(old.stderr, /findoc bands: --from is deprecated here, use --start-at/);
    assert.match(old.stderr, /findoc bands: --to is deprecated here, use --end-at/);
    const hourly = JSON.parse((await runCli(['bands', '--every', '3600', '--json'], env)).stdout) as BandsJson;
    assert.deepEqual(hourly.bands.map((b) => b.second), Array.from({ length: 24 }, (_, h) => h * 3600));
  });

  it('prints a table without --json, and says which set it shows', async () => {
    const r = await runCli(['bands', '--start-at', '00:00:00', '--end-at', '00:00:01'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /second\s+│\s+time\s+│\s+p25\s+│\s+p50\s+│\s+p75\s+│\s+p95/);
    // Numbers aligned right, one line per row.
    assert.match(r.stdout, /│\s+0 │ 00:00:00 │\s+0\.75 │\s+2 │\s+4\.75 │\s+8\.95 │\n│\s+1 │ 00:00:01 │\s+0 │\s+0 │\s+0 │\s+0 │/);
    assert.match(r.stderr, /set default: 4 days, filter all/);
  });

  it('an unknown set or a bad time is a usage error (exit 64) that says what to do', async () => {
    const unknown = await runCli(['bands', '--set', 'nope'], env);
    assert.equal(unknown.code, 64);
    assert.match(unknown.stderr, /no day set named "nope" \(sets: default\)/);
    assert.match(unknown.stderr, /findoc batch <logs> --set nope/);
    for (const args of [['--at', '25:00:00'], ['--at', '12:00:00', '--start-at', '11:00:00'], ['--start-at', '12:00:00', '--end-at', '11:00:00']]) {
      const r = await runCli(['bands', ...args], env);
      assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('--help shows examples', async () => {
    const r = await runCli(['bands', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n\s+\$ findoc bands --at 14:30:00/);
  });
});

describe('findoc bands is a read: it never creates tables', () => {
  const empty = uniqueSchema('e2e_bands_empty');

  after(async () => {
    const pool = await connectPostgres(config.postgres.url);
    await pool.query(`DROP SCHEMA IF EXISTS ${empty} CASCADE`);
    await pool.end();
  });

  for (const [what, create] of [['a schema that does not exist', false], ['an empty schema', true]] as const) {
    it(`on ${what}: exit 69 naming the command that creates the tables, and no DDL`, async () => {
      const pool = await connectPostgres(config.postgres.url);
      try {
        if (create) await pool.query(`CREATE SCHEMA ${empty}`);
        const r = await runCli(['bands', '--set', 'h1'], { FINDOC_PG_SCHEMA: empty });
        assert.equal(r.code, 69, r.stderr);
        assert.match(r.stderr, new RegExp(`PostgreSQL at 127\\.0\\.0\\.1:5432, schema "${empty}" has no findoc tables yet`));
        assert.match(r.stderr, /hint: create them with: findoc batch <logs> --set h1 \(reads never create tables\)/);
        // What the read left behind, asked of the catalogue independently of findoc.
        const schemas = await pool.query('SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1', [empty]);
        const tables = await pool.query('SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1', [empty]);
        assert.deepEqual([schemas.rows[0].n, tables.rows[0].n], [create ? 1 : 0, 0]);
      } finally {
        await pool.end();
      }
    });
  }
});
