/**
 * PostgreSQL operations of the per-company history (migrations/003_attention.sql; docs/postgres.md,
 * "day_cik_counts"; docs/alerts.md): batch writes a day's visits per CIK with its counts and a set's
 * baselines and day curve with its bands; `findoc alerts` and `findoc attention` read them. One function
 * per operation. Reads never run DDL: on a schema without these tables they fail with PostgreSQL's
 * undefined_table (42P01), which the query stage turns into exit 69 naming `findoc batch`.
 */
import type pg from 'pg';
import type { CikCounts } from '../core/cik-tally.js';
import type { DayRange } from '../core/attention.js';

type Queryable = pg.Pool | pg.ClientBase;

/**
 * Replaces the visits per CIK of (day, filter), inside completeDay's transaction (batch-store.ts), so that
 * a day's counts and its per-CIK counts are always from the same file. Also records how many CIKs the
 * day has (day_counts.ciks): NULL there means a day loaded before per-CIK counts existed.
 */
export async function storeDayCiks(c: pg.ClientBase, day: string, filter: string, counts: CikCounts): Promise<void> {
  await c.query('DELETE FROM day_cik_counts WHERE day = $1 AND filter = $2', [day, filter]);
  if (counts.ciks.length > 0) {
    // Two array parameters, unnested together: one statement for ~100,000 rows, no per-row round trip.
    await c.query(
      `INSERT INTO day_cik_counts (day, filter, cik, visits)
       SELECT $1::date, $2, u.cik, u.visits FROM unnest($3::int8[], $4::int4[]) AS u(cik, visits)`,
      [day, filter, `{${Array.prototype.join.call(counts.ciks, ',')}}`, `{${Array.prototype.join.call(counts.visits, ',')}}`],
    );
  }
  await c.query('UPDATE day_counts SET ciks = $3 WHERE day = $1 AND filter = $2', [day, filter, counts.ciks.length]);
}

/** The fingerprint the set's attention rows were computed for, or null when they were never computed. */
export async function attentionFingerprint(c: Queryable, name: string): Promise<string | null> {
  const r = await c.query<{ fingerprint: string }>('SELECT fingerprint FROM set_attention WHERE set_name = $1', [name]);
  return r.rows[0]?.fingerprint ?? null;
}

/** Of the given member days, those that have per-CIK counts (day_counts.ciks is set). */
export async function daysWithCiks(c: Queryable, filter: string, days: readonly string[]): Promise<string[]> {
  const r = await c.query<{ day: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM day_counts WHERE filter = $1 AND day = ANY($2::date[]) AND ciks IS NOT NULL ORDER BY day`,
    [filter, days],
  );
  return r.rows.map((x) => x.day);
}

/**
 * Stores a set's day curve and recomputes its baselines (inside the transaction that holds the set's
 * row): m_c = Σ visits over `cikDays` / |cikDays|, zero-filled by construction (a sum over the days, divided
 * by all of them). No member: the set's attention rows are removed.
 */
export async function storeSetAttention(
  c: pg.ClientBase,
  set: { name: string; filter: string; fingerprint: string },
  days: number,
  cikDays: readonly string[],
  curve: Float64Array | null,
): Promise<void> {
  await c.query('DELETE FROM set_cik_baselines WHERE set_name = $1', [set.name]);
  if (curve === null) {
    await c.query('DELETE FROM set_attention WHERE set_name = $1', [set.name]);
    return;
  }
  let total = 0;
  for (let s = 0; s < curve.length; s++) total += curve[s];
  await c.query(
    `INSERT INTO set_attention (set_name, filter, days, cik_days, curve, total, fingerprint) VALUES ($1, $2, $3, $4, $5::float8[], $6, $7)
     ON CONFLICT (set_name) DO UPDATE SET filter = EXCLUDED.filter, days = EXCLUDED.days, cik_days = EXCLUDED.cik_days, curve = EXCLUDED.curve,
       total = EXCLUDED.total, fingerprint = EXCLUDED.fingerprint, computed_at = now()`,
    [set.name, set.filter, days, cikDays.length, `{${Array.prototype.join.call(curve, ',')}}`, total, set.fingerprint],
  );
  if (cikDays.length > 0) {
    await c.query(
      `INSERT INTO set_cik_baselines (set_name, cik, mean_visits, days_seen)
       SELECT $1, cik, sum(visits)::float8 / $4, count(*) FROM day_cik_counts
        WHERE filter = $2 AND day = ANY($3::date[]) GROUP BY cik`,
      [set.name, set.filter, cikDays, cikDays.length],
    );
  }
}

/** What a read needs to know about a set's history. */
export interface SetAttention {
  name: string;
  filter: string;
  /** Member days of the curve, and those with per-CIK counts (the baselines' divisor). */
  days: number;
  cikDays: number;
  /** Σ curve: the mean visits of a day. */
  total: number;
  computedAt: Date;
}

/** The set's attention row, or null when the set has none (no member, or computed before 003). */
export async function readSetAttention(q: Queryable, name: string): Promise<SetAttention | null> {
  const r = await q.query('SELECT set_name, filter, days, cik_days, total, computed_at FROM set_attention WHERE set_name = $1', [name]);
  const x = r.rows[0];
  if (!x) return null;
  return { name: x.set_name, filter: x.filter, days: x.days, cikDays: x.cik_days, total: Number(x.total), computedAt: x.computed_at };
}

/** Σ curve over the given ranges of seconds of day (core/attention.ts dayRanges), sliced in SQL. */
export async function curveSum(q: Queryable, name: string, ranges: readonly DayRange[]): Promise<number> {
  if (ranges.length === 0) return 0;
  const parts = ranges.map((_, j) => `coalesce((SELECT sum(x) FROM unnest(a.curve[$${2 * j + 2}:$${2 * j + 3}]) AS x), 0)`);
  const r = await q.query<{ sum: number }>(`SELECT ${parts.join(' + ')} AS sum FROM set_attention a WHERE a.set_name = $1`, [
    name,
    ...ranges.flatMap((g) => [g.from + 1, g.to + 1]),
  ]);
  return Number(r.rows[0]?.sum ?? 0);
}

/** The whole curve (86,400 means), e.g. for a company's busiest hours; null without one. */
export async function readCurve(q: Queryable, name: string): Promise<Float64Array | null> {
  const r = await q.query<{ curve: string }>('SELECT array_to_string(curve, \',\') AS curve FROM set_attention WHERE set_name = $1', [name]);
  if (!r.rows[0]) return null;
  return Float64Array.from(r.rows[0].curve.split(','), Number);
}

/** Baselines m_c of the given CIKs; a CIK the set never saw is absent from the map. */
export async function readBaselines(q: Queryable, name: string, ciks: readonly number[]): Promise<Map<number, { mean: number; daysSeen: number }>> {
  const out = new Map<number, { mean: number; daysSeen: number }>();
  if (ciks.length === 0) return out;
  const r = await q.query<{ cik: string; mean_visits: number; days_seen: number }>(
    'SELECT cik, mean_visits, days_seen FROM set_cik_baselines WHERE set_name = $1 AND cik = ANY($2::int8[])',
    [name, `{${ciks.join(',')}}`],
  );
  for (const x of r.rows) out.set(Number(x.cik), { mean: Number(x.mean_visits), daysSeen: x.days_seen });
  return out;
}
