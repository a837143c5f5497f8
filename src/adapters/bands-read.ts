/**
 * The two reads the dashboard makes of `findoc batch`'s tables (migration 002_batch.sql, docs/postgres.md):
 *
 *   day_sets(name, days, fingerprint, …)                one row per day set; fingerprint changes when the
 *                                                      set's bands are recomputed
 *   set_bands(set_name, p25, p50, p75, p95 float8[])   the 86,400 values of each percentile, index = second
 *                                                      of day + 1
 *
 * Both answer "nothing" rather than fail when the tables do not exist yet (no batch ran on this database or
 * schema): the dashboard then says which command fills them.
 */
import type pg from 'pg';

export const SECONDS_PER_DAY = 86_400;

/** PostgreSQL's "relation does not exist". */
const UNDEFINED_TABLE = '42P01';

export interface SetVersion {
  /** Member days at the last computation. */
  days: number;
  fingerprint: string | null;
}

export interface DayBands {
  p25: Float64Array;
  p50: Float64Array;
  p75: Float64Array;
  p95: Float64Array;
}

/** The set's size and fingerprint, or null when there is no such set. */
export async function readSetVersion(pool: pg.Pool, name: string): Promise<SetVersion | null> {
  try {
    const r = await pool.query<{ days: number; fingerprint: string | null }>('SELECT days, fingerprint FROM day_sets WHERE name = $1', [name]);
    return r.rows[0] ? { days: Number(r.rows[0].days), fingerprint: r.rows[0].fingerprint } : null;
  } catch (e) {
    if ((e as { code?: string }).code === UNDEFINED_TABLE) return null;
    throw e;
  }
}

/**
 * The whole day's bands of a set, or null when it has none. Sent as text and parsed here: 345,600 numbers
 * as four comma lists cost one string each, where the driver's array parser makes one per element.
 */
export async function readDayBands(pool: pg.Pool, name: string): Promise<DayBands | null> {
  let r;
  try {
    r = await pool.query<{ p25: string; p50: string; p75: string; p95: string }>(
      `SELECT array_to_string(p25, ',') AS p25, array_to_string(p50, ',') AS p50,
              array_to_string(p75, ',') AS p75, array_to_string(p95, ',') AS p95
         FROM set_bands WHERE set_name = $1`,
      [name],
    );
  } catch (e) {
    if ((e as { code?: string }).code === UNDEFINED_TABLE) return null;
    throw e;
  }
  const row = r.rows[0];
  if (!row) return null;
  return { p25: parseList(row.p25), p50: parseList(row.p50), p75: parseList(row.p75), p95: parseList(row.p95) };
}

function parseList(text: string): Float64Array {
  const out = new Float64Array(SECONDS_PER_DAY).fill(NaN);
  const parts = text.split(',');
  for (let i = 0; i < parts.length && i < SECONDS_PER_DAY; i++) out[i] = Number(parts[i]);
  return out;
}
