/**
 * findoc batch with the robots filter against batch without it and against DuckDB computing the same
 * causal classification with window functions (bench/lib/robots-duckdb.ts), on the same generated day, in
 * the same run (issue 14: batch with robots ≥ 0.8 of batch without, ≥ 0.5 of DuckDB).
 *
 *   npm run build && node --import tsx bench/robots.ts [--rows 2000000] [--runs 2] [--rule drt]
 *
 * batch runs as a user runs it (bin/findoc → dist/, --workers 1, --force, --no-set, own PostgreSQL schema,
 * dropped at the end); its rate is valid rows per second of its own wall time (its --json totals). Each
 * command runs --runs times, alternating, and the best run counts (the machine is shared). DuckDB's time
 * includes loading the CSV into its table, as batch's includes parsing. The day comes from
 * bench/lib/input.ts (findoc generate); its robot share depends on the generator's calibration.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { robotsReference } from './lib/robots-duckdb.js';
import { generatedDays } from './lib/input.js';
import { report } from './lib/report.js';
import { parseRobotRule } from '../src/core/robots.js';

const args = { rows: 2_000_000, runs: 2, rule: 'drt' };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '') as keyof typeof args;
  if (!(k in args)) throw new Error(`unknown flag ${process.argv[i]} (flags: --rows, --runs, --rule)`);
  (args as Record<string, number | string>)[k] = k === 'rule' ? process.argv[i + 1] : Number(process.argv[i + 1]);
}
const BIN = fileURLToPath(new URL('../bin/findoc', import.meta.url));
const schema = `bench_robots_${process.pid}`;

function batch(file: string, extra: string[]): { rate: number; visits: number; filtered: number } {
  const r = spawnSync(process.execPath, [BIN, 'batch', file, '--no-set', '--force', '--workers', '1', '--schema', schema, '--json', ...extra], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`batch ${extra.join(' ')} exited ${r.status}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return { rate: j.totals.rowsPerSecond, visits: j.totals.visits, filtered: j.days[0].filtered };
}

const days = await generatedDays({ rowsPerDay: args.rows, days: 1, format: 'csv' });
const file = days.files[0];
const rule = parseRobotRule(args.rule);
let plain = 0;
let robots = 0;
let duck = 0;
let robotVisits = 0;
try {
  for (let run = 0; run < args.runs; run++) {
    plain = Math.max(plain, batch(file, []).rate);
    const r = batch(file, ['--filter', 'robots', '--robots', args.rule]);
    robots = Math.max(robots, r.rate);
    const t = performance.now();
    const [ref] = await robotsReference(file, rule.limits, 'causal');
    duck = Math.max(duck, ref.visits / ((performance.now() - t) / 1000));
    if (ref.robotVisits !== r.filtered) throw new Error(`robot visits: batch ${r.filtered}, DuckDB ${ref.robotVisits}`);
    robotVisits = ref.robotVisits;
    console.error(`run ${run}: batch ${Math.round(plain)} rows/s, batch robots(${rule.name}) ${Math.round(r.rate)}, DuckDB ${Math.round(duck)} (best so far)`);
  }
} finally {
  spawnSync('psql', [process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/findoc', '-qc', `DROP SCHEMA IF EXISTS ${schema} CASCADE`]);
}
const note = `${args.rows} rows, robots(${rule.name}) drops ${((100 * robotVisits) / args.rows).toFixed(1)} %, best of ${args.runs}`;
report([
  { bench: 'robots', metric: 'batch_rows_per_s_robots', value: robots, unit: 'rows/s', reference: 'batch_no_filter', reference_value: plain, target: 'ratio >= 0.8', note },
  { bench: 'robots', metric: 'batch_rows_per_s_robots', value: robots, unit: 'rows/s', reference: 'duckdb_window_functions', reference_value: duck, target: 'ratio >= 0.5', note },
]);
