/**
 * The robots filter as batch counts a day (core/day-counts.ts with core/robots.ts) against an independent
 * DuckDB computation of the same classification with window functions (bench/lib/robots-duckdb.ts), on the
 * real SEC sample files: per-second human counts and robot totals must be identical, for each preset and
 * both modes. The shares measured here are the ones quoted in docs/robots.md.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { robotsReference } from '../../bench/lib/robots-duckdb.js';
import { DayCounter, RobotsDayPass } from '../../src/core/day-counts.js';
import { parseFilter } from '../../src/core/filter.js';
import { readSource, resolveSources } from '../../src/core/log-input.js';
import { ROBOT_PRESETS } from '../../src/core/robots.js';

const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');

async function findocDay(file: string, rule: string, mode: 'causal' | 'day') {
  const [source] = await resolveSources([file]);
  const filter = parseFilter('robots', false, { rule, mode });
  let dayRobots;
  if (filter.needsDayPass) {
    const pass = new RobotsDayPass(source.date!, filter);
    for await (const b of readSource(source)) pass.add(b);
    dayRobots = pass.classifier;
  }
  const counter = new DayCounter(source.date!, filter, { dayRobots });
  for await (const b of readSource(source)) counter.add(b);
  return { counts: counter.counts, summary: counter.summary(), robots: counter.pass.classifier };
}

const FILES = [
  { file: 'log20030301.csv', modes: ['causal', 'day'] as const },
  { file: 'log20170101-every100th-row.zip', modes: ['causal'] as const },
];

describe('robots filter equals the DuckDB window-function reference on real SEC days', () => {
  for (const { file, modes } of FILES) {
    for (const preset of Object.keys(ROBOT_PRESETS) as (keyof typeof ROBOT_PRESETS)[]) {
      for (const mode of modes) {
        it(`${file}, ${preset}, ${mode}: identical per-second human counts and robot totals`, async () => {
          const [ref] = await robotsReference(join(REAL, file), ROBOT_PRESETS[preset], mode);
          const ours = await findocDay(join(REAL, file), preset, mode);
          assert.equal(ours.summary.visits + ours.summary.filtered, ref.visits, 'visits of the day');
          assert.equal(ours.summary.filtered, ref.robotVisits, 'robot visits');
          assert.ok(ref.robotVisits > 0 && ref.robotVisits < ref.visits);
          let diff = 0;
          for (let s = 0; s < 86_400; s++) if (ours.counts[s] !== ref.human[s]) diff++;
          assert.equal(diff, 0, 'seconds whose human count differs');
          if (ours.robots) {
            const day = Math.floor(Date.parse(ref.day) / 86_400_000);
            assert.equal(ours.robots.daySummary(day).robotIps, ref.robotIps, 'robot IPs');
          }
          console.log(`# ${file} ${preset} ${mode}: ${ref.robotVisits}/${ref.visits} robot visits = ${((100 * ref.robotVisits) / ref.visits).toFixed(2)} %, ${ref.robotIps} robot IPs`);
        });
      }
    }
  }
});
