/**
 * An INDEPENDENT reference for the robots filter (src/core/robots.ts): the same causal classification
 * written as DuckDB SQL with window functions, used by the tests (test/core/robots-reference.test.ts,
 * test/integration-services/batch-robots.test.ts) and available to the bench.
 *
 * How it computes, for one CSV file:
 *   1. the file is loaded into a table; `rowid` is then the file order (DuckDB keeps insertion order);
 *   2. rows the findoc parser would reject (bad ip, date, time or CIK) are left out;
 *   3. the first occurrence of each (ip, day, minute, cik) and of each (ip, day, cik) is flagged with
 *      row_number() in file order; running sums of the flags in file order give the distinct-CIK counts,
 *      running counts give the request counts (per calendar minute and per day);
 *   4. a visit "crosses" when any count is over its limit; an IP is a robot from its first crossing visit
 *      on (causal: a running bool_or in file order) or, in day mode, for the whole day when any of its
 *      visits crosses (bool_or over the whole (ip, day) partition).
 * The output is per day: the zero-filled human visits per second of day, the robot totals and the human
 * top 20 CIKs.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { readLogs } from './duckdb-logs.js';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type ReferenceLimits = Partial<Record<'minute-requests' | 'minute-ciks' | 'day-requests' | 'day-ciks', number>>;

export interface ReferenceDay {
  day: string;
  /** Human visits per second of day, 86,400 zero-filled counts. */
  human: Int32Array;
  visits: number;
  robotVisits: number;
  robotIps: number;
  /** The 20 CIKs with the most human visits, most first, ties by CIK ascending. */
  humanTop: { cik: number; visits: number }[];
}


/**
 * The classification over table `logs` (see the header) as CTEs ending in r(day, s, ip, robot), one row per
 * visit; limits absent from the rule are off.
 */
export function robotsCtes(limits: ReferenceLimits, mode: 'causal' | 'day'): string {
  const over: string[] = [];
  if (limits['minute-requests'] !== undefined) over.push(`min_req > ${limits['minute-requests']}`);
  if (limits['minute-ciks'] !== undefined) over.push(`min_ciks > ${limits['minute-ciks']}`);
  if (limits['day-requests'] !== undefined) over.push(`day_req > ${limits['day-requests']}`);
  if (limits['day-ciks'] !== undefined) over.push(`day_ciks > ${limits['day-ciks']}`);
  if (over.length === 0) throw new Error('a rule needs a limit');
  const robotWindow = mode === 'causal' ? 'PARTITION BY ip, day ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW' : 'PARTITION BY ip, day';
  return `
    WITH v AS (
      SELECT rowid AS rn, ip, date AS day, CAST(CAST(cik AS DOUBLE) AS BIGINT) AS cik,
             CAST(substr(time, 1, 2) AS INT) * 3600 + CAST(substr(time, 4, 2) AS INT) * 60 + CAST(substr(time, 7, 2) AS INT) AS s
        FROM logs
       WHERE regexp_full_match(ip, '(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){2}\\.[a-z]{3}')
         AND regexp_full_match(date, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
         AND regexp_full_match(time, '([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]')
         AND regexp_full_match(cik, '[0-9]{1,10}(\\.0+)?')),
    f AS (
      SELECT *, s // 60 AS minute,
             CASE WHEN row_number() OVER (PARTITION BY ip, day, s // 60, cik ORDER BY rn) = 1 THEN 1 ELSE 0 END AS new_min_cik,
             CASE WHEN row_number() OVER (PARTITION BY ip, day, cik ORDER BY rn) = 1 THEN 1 ELSE 0 END AS new_day_cik
        FROM v),
    c AS (
      SELECT *,
             count(*) OVER (PARTITION BY ip, day, minute ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS min_req,
             sum(new_min_cik) OVER (PARTITION BY ip, day, minute ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS min_ciks,
             count(*) OVER (PARTITION BY ip, day ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS day_req,
             sum(new_day_cik) OVER (PARTITION BY ip, day ORDER BY rn ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS day_ciks
        FROM f),
    r AS (SELECT day, s, ip, cik, bool_or(${over.join(' OR ')}) OVER (${robotWindow}) AS robot FROM c)`;
}

/**
 * Runs the reference over one log file (.csv, or a .zip holding one CSV, extracted with `unzip` to a
 * temporary directory). Rule limits are "more than N", as in src/core/robots.ts.
 */
export async function robotsReference(file: string, limits: ReferenceLimits, mode: 'causal' | 'day' = 'causal'): Promise<ReferenceDay[]> {
  let csv = file;
  let tmp: string | null = null;
  if (file.endsWith('.zip')) {
    tmp = mkdtempSync(join(tmpdir(), 'robots-ref-'));
    execFileSync('unzip', ['-q', '-j', file, '*.csv', '-d', tmp]);
    csv = join(tmp, execFileSync('ls', [tmp]).toString().trim().split('\n')[0]);
  }
  const duck = await DuckDBInstance.create(':memory:');
  const conn = await duck.connect();
  try {
    await conn.run(`CREATE TABLE logs AS SELECT * FROM ${readLogs(csv)}`);
    await conn.run(`CREATE TABLE classified AS ${robotsCtes(limits, mode)} SELECT * FROM r`);
    const rows = (
      await conn.runAndReadAll(
        'SELECT day, s, count(*) FILTER (WHERE NOT robot) AS human, count(*) FILTER (WHERE robot) AS robots FROM classified GROUP BY day, s',
      )
    ).getRowObjects();
    const ips = (await conn.runAndReadAll('SELECT day, count(DISTINCT ip) FILTER (WHERE robot) AS n FROM classified GROUP BY day')).getRowObjects();
    const tops = (
      await conn.runAndReadAll(
        `SELECT day, cik, n FROM (SELECT day, cik, count(*) AS n, row_number() OVER (PARTITION BY day ORDER BY count(*) DESC, cik) AS k
           FROM classified WHERE NOT robot GROUP BY day, cik) WHERE k <= 20 ORDER BY day, k`,
      )
    ).getRowObjects();
    const days = new Map<string, ReferenceDay>();
    for (const row of rows) {
      const day = String(row.day);
      let d = days.get(day);
      if (!d) {
        d = { day, human: new Int32Array(86_400), visits: 0, robotVisits: 0, robotIps: 0, humanTop: [] };
        days.set(day, d);
      }
      const human = Number(row.human);
      const robots = Number(row.robots);
      d.human[Number(row.s)] += human;
      d.visits += human + robots;
      d.robotVisits += robots;
    }
    for (const row of ips) {
      const d = days.get(String(row.day));
      if (d) d.robotIps = Number(row.n);
    }
    for (const row of tops) days.get(String(row.day))?.humanTop.push({ cik: Number(row.cik), visits: Number(row.n) });
    return [...days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
  } finally {
    conn.closeSync();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }
}
