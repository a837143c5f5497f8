/**
 * findoc sessions (file mode) against DuckDB computing the same sessions from the same file with window
 * functions, in the same run (issue 15: ≥ 1 M rows/s per core, ≥ 0.5 of DuckDB, peak RSS < 400 MB).
 *
 *   npm run build && node --import tsx bench/sessions.ts [--rows 17500000] [--runs 2] [--inactivity 1800]
 *
 * The input is a generated 2017-size day (bench/lib/input.ts, findoc generate; 17.5 M rows by default).
 * findoc runs as a user runs it (bin/findoc → dist/, --out to a file); its time is the whole process
 * (start-up included), its CPU the child's user + system seconds, its CPU and peak RSS as /usr/bin/time reports them. DuckDB's
 * time includes loading the CSV into its table, as findoc's includes parsing; DuckDB uses every core, so
 * its figure is per wall second. Each runs --runs times, alternating, and the best run counts (a shared
 * machine). The two must agree: the number of sessions and of requests in them, else the bench fails.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readLogs } from './lib/duckdb-logs.js';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatedDays } from './lib/input.js';
import { measure } from './lib/measure.js';
import { report } from './lib/report.js';

const args = { rows: 17_500_000, runs: 2, inactivity: 1800 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '') as keyof typeof args;
  if (!(k in args)) throw new Error(`unknown flag ${process.argv[i]} (flags: --rows, --runs, --inactivity)`);
  args[k] = Number(process.argv[i + 1]);
}
const BIN = fileURLToPath(new URL('../bin/findoc', import.meta.url));


/** Sessions by window functions: lag over ip ordered by time, a new session where the gap is over the period. */
async function duckSessions(file: string, inactivity: number): Promise<{ sessions: number; requests: number; ms: number }> {
  const t = performance.now();
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    await conn.run(`CREATE TABLE logs AS SELECT * FROM ${readLogs(file)}`);
    const row = (
      await conn.runAndReadAll(`
        WITH v AS (SELECT rowid AS rn, ip, epoch(CAST(date || ' ' || time AS TIMESTAMP)) AS t FROM logs),
        g AS (SELECT ip, t, CASE WHEN t - lag(t) OVER (PARTITION BY ip ORDER BY t, rn) <= ${inactivity} THEN 0 ELSE 1 END AS starts FROM v),
        s AS (SELECT ip, sum(starts) OVER (PARTITION BY ip ORDER BY t ROWS UNBOUNDED PRECEDING) AS session FROM g)
        SELECT count(DISTINCT (ip, session)) AS sessions, count(*) AS requests FROM s`)
    ).getRowObjects()[0];
    return { sessions: Number(row.sessions), requests: Number(row.requests), ms: performance.now() - t };
  } finally {
    conn.closeSync();
  }
}

const days = await generatedDays({ rowsPerDay: args.rows, days: 1, format: 'csv' });
const file = days.files[0];
const out = `${file}.sessions-${process.pid}.txt`;
let best = { rate: 0, perCore: 0, rss: 0 };
let duck = 0;
let sessions = 0;
try {
  for (let run = 0; run < args.runs; run++) {
    const m = await measure('/usr/bin/time', ['-f', '%U %S %M', process.execPath, BIN, 'sessions', file, '--inactivity', String(args.inactivity), '--out', out]);
    if (m.code !== 0) throw new Error(`findoc sessions exited ${m.code}: ${m.stderr}`);
    const [user, sys, maxKb] = m.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    const requests = lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(',') + 1)), 0);
    const rate = args.rows / (m.wallMs / 1000);
    const perCore = args.rows / (user + sys);
    const rss = maxKb / 1024; // findoc's own peak RSS, as /usr/bin/time reads it from wait4
    if (rate > best.rate) best = { rate, perCore, rss: Math.max(best.rss, rss) };
    best.rss = Math.max(best.rss, rss);
    const ref = await duckSessions(file, args.inactivity);
    if (ref.sessions !== lines.length || ref.requests !== requests) throw new Error(`sessions/requests: findoc ${lines.length}/${requests}, DuckDB ${ref.sessions}/${ref.requests}`);
    duck = Math.max(duck, args.rows / (ref.ms / 1000));
    sessions = lines.length;
    console.error(`run ${run}: findoc ${Math.round(rate)} rows/s (${Math.round(perCore)} per CPU-second, ${rss.toFixed(0)} MiB), DuckDB ${Math.round(args.rows / (ref.ms / 1000))} rows/s`);
  }
} finally {
  rmSync(out, { force: true });
}
const note = `${args.rows} rows, inactivity ${args.inactivity} s, ${sessions} sessions, best of ${args.runs}`;
report([
  { bench: 'sessions', metric: 'rows_per_cpu_s', value: best.perCore, unit: 'rows/s/core', target: '>= 1000000', note },
  { bench: 'sessions', metric: 'rows_per_s', value: best.rate, unit: 'rows/s', reference: 'duckdb_window_functions', reference_value: duck, target: 'ratio >= 0.5', note },
  { bench: 'sessions', metric: 'peak_rss', value: best.rss, unit: 'MiB', target: '< 400 MB', note },
]);
