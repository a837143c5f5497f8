/**
 * findoc sessions --filter robots: the sessions hold exactly the human visits of the independent DuckDB
 * classification (bench/lib/robots-duckdb.ts) on the real 2003-03-01, for each preset; --insight refuses
 * a filter (exit 64).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { robotsReference } from '../../bench/lib/robots-duckdb.js';
import { ROBOT_PRESETS } from '../../src/core/robots.js';
import { runCli } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';

const FILE = join(REAL, 'log20030301.csv');

describe('findoc sessions --filter robots', () => {
  for (const preset of ['drt', 'lm', 'ryans'] as const) {
    it(`${preset}: the sessions' requests are the reference's human visits`, async () => {
      const [ref] = await robotsReference(FILE, ROBOT_PRESETS[preset]);
      const r = await runCli(['sessions', FILE, '--inactivity', '30', '--filter', 'robots', '--robots', preset, '--json'], {}, { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const requests = r.stdout.split('\n').filter(Boolean).reduce((n, l) => n + (JSON.parse(l) as { requests: number }).requests, 0);
      assert.equal(requests, ref.visits - ref.robotVisits);
      assert.match(r.stderr, new RegExp(`${ref.robotVisits} visits filtered \\(robots\\(${preset}\\)\\)`));
    });
  }
  it('--insight with --filter exits 64', async () => {
    const r = await runCli(['sessions', FILE, '--inactivity', '30', '--insight', '--filter', 'robots']);
    assert.equal(r.code, 64, r.stderr);
  });
});
