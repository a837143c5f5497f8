/**
 * PostgreSQL operations of `findoc batch` and `findoc bands`, one function per operation. The tables are
 * created by migrations/002_batch.sql; docs/postgres.md describes them and the protocol below.
 *
 * Claim / lease protocol (several batch processes, on one or many machines, one range):
 *
 *   openRun     a process registers its work under a run key (a hash of filter, --force, --raw and the
 *               days with their sources). The first process with that key queues the days (inserting
 *               jobs; resetting those that must be redone: failed, forced, source changed, raw missing);
 *               later processes with the same key join the open run and queue nothing. Serialized by an
 *               advisory lock on the key.
 *   claimDay    takes the earliest claimable job of its days — pending, or running with an expired lease
 *               (its worker is presumed dead) — with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
 *               claimers never take the same job, and stamps it with a fresh token and a lease.
 *   renewLease  extends the lease (heartbeat, every lease/3) while the token is still the claimer's; a false
 *               return means another process took the day over: the claimer abandons it.
 *   completeDay in ONE transaction: re-reads the job FOR UPDATE and goes on only if the token is still the
 *               claimer's; replaces the day's counts (and swaps in its raw partition); marks the job done.
 *   failDay / releaseDay  likewise fenced by the token.
 *
 * Why each day's effect happens exactly once: a job's effect (counts, raw rows, status done) is written only
 * by completeDay, atomically, and only by the holder of the current token. A worker that dies before
 * committing leaves nothing; one that dies after has finished the day. A slow worker whose lease expired
 * and whose day was taken over finds a new token and its commit is refused. Re-running replaces a day's
 * rows whole (ON CONFLICT DO UPDATE, partition swap), so processing a day again gives the same state.
 * Leases use the database's clock (now()), never the workers', so clock skew between machines is harmless.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { usageError } from '../core/errors.js';
import type { CandidateDay, DayRange, SetSelection } from '../core/day-sets.js';
import type { DayCountSummary } from '../core/day-counts.js';
import type { RejectSummary } from '../core/rejects.js';
import { RAW_COLUMNS } from '../core/raw-rows.js';
import type { CikCounts } from '../core/cik-tally.js';
import { storeDayCiks } from './attention-store.js';
import { SECONDS_PER_DAY } from '../core/visit.js';

type Queryable = pg.Pool | pg.ClientBase;

// ───────────────────────────── runs and jobs ─────────────────────────────

/** One day of a run's work: the file that holds it and the file's identity (name, size, mtime). */
export interface DayWork {
  day: string;
  source: string;
  fingerprint: string;
}

export interface OpenRunRequest {
  key: string;
  filter: string;
  force: boolean;
  raw: boolean;
  worker: string;
  days: readonly DayWork[];
}

export interface RunHandle {
  id: number;
  /** True when another process had opened this run: this one queued nothing. */
  joined: boolean;
  /** The database's clock when the run was opened by this process: jobs finished before it were skipped. */
  openedAt: Date;
}

/** Opens (or joins) the run for this work and queues its days. */
export async function openRun(pool: pg.Pool, req: OpenRunRequest): Promise<RunHandle> {
  return transaction(pool, async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtext('findoc.batch_runs'), hashtext($1))`, [req.key]);
    const now = (await c.query<{ now: Date }>('SELECT now() AS now')).rows[0].now;
    const open = await c.query<{ id: string }>('SELECT id FROM batch_runs WHERE key = $1 AND finished_at IS NULL', [req.key]);
    if (open.rows.length > 0) return { id: Number(open.rows[0].id), joined: true, openedAt: now };
    const run = await c.query<{ id: string }>(
      `INSERT INTO batch_runs (key, filter, days, force, raw, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [req.key, req.filter, req.days.length, req.force, req.raw, req.worker],
    );
    const id = Number(run.rows[0].id);
    // A job is (re)queued when it is new, failed, forced, read from another file than the one given now,
    // missing its counts, or missing raw rows from this file when --raw asks for them. Jobs pending or
    // running for another run are left alone: whoever claims them processes them once.
    await c.query(
      `INSERT INTO batch_jobs AS j (day, filter, status, source, fingerprint, raw, run_id)
       SELECT t.day::date, $1, 'pending', t.source, t.fingerprint, $2, $3
         FROM unnest($4::text[], $5::text[], $6::text[]) AS t(day, source, fingerprint)
       ON CONFLICT (day, filter) DO UPDATE
          SET status = 'pending', source = EXCLUDED.source, fingerprint = EXCLUDED.fingerprint, raw = EXCLUDED.raw,
              run_id = EXCLUDED.run_id, attempts = 0, worker = NULL, token = NULL, lease_until = NULL,
              heartbeat_at = NULL, started_at = NULL, finished_at = NULL, error = NULL, enqueued_at = now()
        WHERE j.status = 'failed'
           OR (j.status = 'done' AND (
                $7::boolean
                OR j.fingerprint <> EXCLUDED.fingerprint
                OR NOT EXISTS (SELECT 1 FROM day_counts c WHERE c.day = j.day AND c.filter = j.filter)
                OR (EXCLUDED.raw AND NOT EXISTS (SELECT 1 FROM raw_days r WHERE r.day = j.day AND r.fingerprint = EXCLUDED.fingerprint))))`,
      [req.filter, req.raw, id, req.days.map((d) => d.day), req.days.map((d) => d.source), req.days.map((d) => d.fingerprint), req.force],
    );
    return { id, joined: false, openedAt: now };
  });
}

/** Marks a run finished (idempotent): the next process with the same key opens a new run. */
export async function finishRun(pool: Queryable, runId: number): Promise<void> {
  await pool.query('UPDATE batch_runs SET finished_at = now() WHERE id = $1 AND finished_at IS NULL', [runId]);
}

export interface Claim {
  day: string;
  filter: string;
  token: string;
  attempts: number;
  /** The job asks for raw rows (the run that queued it had --raw). */
  raw: boolean;
  /** Set when the day was taken over from a worker whose lease had expired. */
  takenOverFrom: string | null;
}

/** Claims the earliest claimable day among `days` for `filter`, or null when none is claimable now. */
export async function claimDay(pool: Queryable, filter: string, days: readonly string[], worker: string, leaseMs: number): Promise<Claim | null> {
  const r = await pool.query<{ day: string; token: string; attempts: number; raw: boolean; was: string; previous: string | null }>(
    `WITH next AS (
       SELECT day, filter, status AS was, worker AS previous
         FROM batch_jobs
        WHERE filter = $1 AND day = ANY($2::date[])
          AND (status = 'pending' OR (status = 'running' AND lease_until < now()))
        ORDER BY day
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
     UPDATE batch_jobs j
        SET status = 'running', worker = $3, token = gen_random_uuid(), attempts = j.attempts + 1,
            lease_until = now() + $4 * interval '1 millisecond', heartbeat_at = now(), started_at = now(),
            finished_at = NULL, error = NULL
       FROM next
      WHERE j.day = next.day AND j.filter = next.filter
     RETURNING to_char(j.day, 'YYYY-MM-DD') AS day, j.token::text AS token, j.attempts, j.raw, next.was, next.previous`,
    [filter, days, worker, leaseMs],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    day: row.day,
    filter,
    token: row.token,
    attempts: row.attempts,
    raw: row.raw,
    takenOverFrom: row.was === 'running' ? row.previous : null,
  };
}

/** Extends the lease; false when the claim is no longer this worker's (taken over, or reset). */
export async function renewLease(pool: Queryable, claim: Claim, leaseMs: number): Promise<boolean> {
  const r = await pool.query(
    `UPDATE batch_jobs SET lease_until = now() + $4 * interval '1 millisecond', heartbeat_at = now()
      WHERE day = $1 AND filter = $2 AND token = $3::uuid AND status = 'running'`,
    [claim.day, claim.filter, claim.token, leaseMs],
  );
  return r.rowCount === 1;
}

/** Puts a claimed day back to pending at once (Ctrl-C, a service outage): others need not wait for the lease. */
export async function releaseDay(pool: Queryable, claim: Claim): Promise<boolean> {
  const r = await pool.query(
    `UPDATE batch_jobs SET status = 'pending', token = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0)
      WHERE day = $1 AND filter = $2 AND token = $3::uuid AND status = 'running'`,
    [claim.day, claim.filter, claim.token],
  );
  return r.rowCount === 1;
}

export interface DayError {
  code: string;
  message: string;
  hint?: string;
}

/** Marks a claimed day failed with its reason (its stored counts, if any, stay but are not used by sets). */
export async function failDay(pool: Queryable, claim: Claim, error: DayError): Promise<boolean> {
  const r = await pool.query(
    `UPDATE batch_jobs SET status = 'failed', finished_at = now(), lease_until = NULL, error = $4::jsonb
      WHERE day = $1 AND filter = $2 AND token = $3::uuid AND status = 'running'`,
    [claim.day, claim.filter, claim.token, JSON.stringify(error)],
  );
  return r.rowCount === 1;
}

/** Everything stored for a processed day. */
export interface DayRecord {
  counts: Int32Array;
  /** Visits per CIK (day_cik_counts, migrations/003_attention.sql), replaced with the counts. */
  ciks?: CikCounts;
  summary: DayCountSummary;
  parse: { validRows: number; rejected: number; lines: number; bytes: number };
  rejects: RejectSummary;
  source: string;
  fingerprint: string;
  worker: string;
  seconds: number;
  /** The staging table holding the day's raw rows (batch --raw), already loaded and indexed. */
  rawStage?: { table: string; rows: number };
}

/**
 * Commits a processed day: counts replaced, raw partition swapped in, job done — all or nothing, and only
 * if the claim's token is still current. Returns false (nothing written) when it is not.
 */
export async function completeDay(pool: pg.Pool, claim: Claim, rec: DayRecord): Promise<boolean> {
  return transaction(pool, async (c) => {
    const job = await c.query<{ token: string | null; status: string }>(
      'SELECT token::text AS token, status FROM batch_jobs WHERE day = $1 AND filter = $2 FOR UPDATE',
      [claim.day, claim.filter],
    );
    if (job.rows[0]?.token !== claim.token || job.rows[0]?.status !== 'running') return false;
    const s = rec.summary;
    await c.query(
      `INSERT INTO day_counts (day, filter, counts, visits, filtered, other_day, valid_rows, rejected, lines, bytes,
                               rejects, other_days, busy_seconds, peak_second, peak_visits, source, fingerprint, worker, seconds)
       VALUES ($1, $2, $3::int4[], $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::jsonb, $13, $14, $15, $16, $17, $18, $19)
       ON CONFLICT (day, filter) DO UPDATE SET
         counts = EXCLUDED.counts, visits = EXCLUDED.visits, filtered = EXCLUDED.filtered, other_day = EXCLUDED.other_day,
         valid_rows = EXCLUDED.valid_rows, rejected = EXCLUDED.rejected, lines = EXCLUDED.lines, bytes = EXCLUDED.bytes,
         rejects = EXCLUDED.rejects, other_days = EXCLUDED.other_days, busy_seconds = EXCLUDED.busy_seconds,
         peak_second = EXCLUDED.peak_second, peak_visits = EXCLUDED.peak_visits, source = EXCLUDED.source,
         fingerprint = EXCLUDED.fingerprint, worker = EXCLUDED.worker, seconds = EXCLUDED.seconds,
         revision = nextval('day_counts_revision_seq'), loaded_at = now()`,
      [
        claim.day,
        claim.filter,
        intArrayLiteral(rec.counts),
        s.visits,
        s.filtered,
        s.otherDay,
        rec.parse.validRows,
        rec.parse.rejected,
        rec.parse.lines,
        rec.parse.bytes,
        JSON.stringify(rec.rejects),
        JSON.stringify({ byDate: s.otherDays, samples: s.otherDaySamples }),
        s.busySeconds,
        s.peakSecond,
        s.peakVisits,
        rec.source,
        rec.fingerprint,
        rec.worker,
        rec.seconds,
      ],
    );
    if (rec.ciks) await storeDayCiks(c, claim.day, claim.filter, rec.ciks);
    if (rec.rawStage) await swapRawPartition(c, claim.day, rec.rawStage.table, rec.source, rec.fingerprint, rec.rawStage.rows);
    await c.query(
      `UPDATE batch_jobs SET status = 'done', finished_at = now(), lease_until = NULL, heartbeat_at = now(), source = $3, fingerprint = $4
        WHERE day = $1 AND filter = $2`,
      [claim.day, claim.filter, rec.source, rec.fingerprint],
    );
    return true;
  });
}

/** Jobs of `days` still to be done (pending or running), and the earliest lease expiry among the running. */
export async function openJobs(pool: Queryable, filter: string, days: readonly string[]): Promise<{ pending: number; running: number }> {
  const r = await pool.query<{ pending: number; running: number }>(
    `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*) FILTER (WHERE status = 'running')::int AS running
       FROM batch_jobs WHERE filter = $1 AND day = ANY($2::date[])`,
    [filter, days],
  );
  return r.rows[0];
}

/** The state of each day's job and its stored counts, for the run's summary. */
export interface DayState {
  day: string;
  status: 'pending' | 'running' | 'done' | 'failed' | 'missing';
  worker: string | null;
  attempts: number;
  finishedAt: Date | null;
  error: DayError | null;
  source: string | null;
  visits: number | null;
  filtered: number | null;
  otherDay: number | null;
  validRows: number | null;
  rejected: number | null;
  rejects: RejectSummary | null;
  seconds: number | null;
  busySeconds: number | null;
  rawRows: number | null;
}

export async function dayStates(pool: Queryable, filter: string, days: readonly string[]): Promise<DayState[]> {
  const r = await pool.query(
    `SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(j.status, 'missing') AS status, j.worker, coalesce(j.attempts, 0) AS attempts,
            j.finished_at, j.error, c.source, c.visits, c.filtered, c.other_day, c.valid_rows, c.rejected, c.rejects, c.seconds,
            c.busy_seconds, r.rows AS raw_rows
       FROM unnest($2::date[]) AS d(day)
       LEFT JOIN batch_jobs j ON j.day = d.day AND j.filter = $1
       LEFT JOIN day_counts c ON c.day = d.day AND c.filter = $1
       LEFT JOIN raw_days r ON r.day = d.day AND r.fingerprint = c.fingerprint
      ORDER BY d.day`,
    [filter, days],
  );
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return r.rows.map((x) => ({
    day: x.day,
    status: x.status,
    worker: x.worker,
    attempts: x.attempts,
    finishedAt: x.finished_at,
    error: x.error,
    source: x.source,
    visits: num(x.visits),
    filtered: num(x.filtered),
    otherDay: num(x.other_day),
    validRows: num(x.valid_rows),
    rejected: num(x.rejected),
    rejects: x.rejects,
    seconds: num(x.seconds),
    busySeconds: num(x.busy_seconds),
    rawRows: num(x.raw_rows),
  }));
}

// ───────────────────────────── raw rows ─────────────────────────────

/** Partition of raw_visits holding a day: raw_visits_YYYYMMDD. */
export function rawPartitionName(day: string): string {
  return `raw_visits_${day.replace(/-/g, '')}`;
}

/** Staging table a claim loads a day's raw rows into before the swap: raw_stage_YYYYMMDD_<token prefix>. */
export function rawStageName(day: string, token: string): string {
  return `raw_stage_${day.replace(/-/g, '')}_${token.replace(/-/g, '').slice(0, 12)}`;
}

const STAGE_NAME = /^raw_stage_\d{8}_[0-9a-f]{12}$/;

/**
 * Loads raw rows (COPY text, src/core/raw-rows.ts) into a new staging table, then indexes it like the
 * partitions, in one transaction: the table is complete or absent. COPY … FREEZE (the table is created in
 * the same transaction) writes the rows already frozen and all-visible, so the day needs no vacuum before
 * index-only scans. The CHECK on day lets ATTACH PARTITION skip its validation scan. Returns the rows
 * loaded.
 */
export async function loadRawStage(client: pg.ClientBase, day: string, table: string, chunks: AsyncIterable<Buffer>): Promise<number> {
  if (!STAGE_NAME.test(table)) throw new Error(`bad staging table name ${table}`);
  await client.query('BEGIN');
  try {
    await client.query(`DROP TABLE IF EXISTS ${table}`);
    await client.query(`CREATE TABLE ${table} (LIKE raw_visits INCLUDING DEFAULTS, CONSTRAINT ${table}_day CHECK (day = '${day}'::date))`);
    const copy = client.query(copyFrom(`COPY ${table} (${RAW_COLUMNS.join(', ')}) FROM STDIN WITH (FREEZE)`));
    await pipeline(Readable.from(chunks, { objectMode: false, highWaterMark: 4 }), copy);
    const rows = Number(copy.rowCount);
    await client.query(`CREATE INDEX ${table}_cik_second ON ${table} (cik, second)`);
    await client.query('COMMIT');
    return rows;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Drops staging tables left for a day by earlier attempts (a crashed or taken-over worker). */
export async function dropRawStages(pool: Queryable, day: string, except?: string): Promise<string[]> {
  const r = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname LIKE $1`,
    [`raw_stage_${day.replace(/-/g, '')}_%`],
  );
  const dropped: string[] = [];
  for (const { name } of r.rows) {
    if (name === except || !STAGE_NAME.test(name)) continue;
    await pool.query(`DROP TABLE IF EXISTS ${name}`);
    dropped.push(name);
  }
  return dropped;
}

/** Inside completeDay's transaction: the staging table becomes the day's partition, replacing the old one. */
async function swapRawPartition(c: pg.ClientBase, day: string, stage: string, source: string, fingerprint: string, rows: number): Promise<void> {
  if (!STAGE_NAME.test(stage)) throw new Error(`bad staging table name ${stage}`);
  const part = rawPartitionName(day);
  await c.query(`DROP TABLE IF EXISTS ${part}`);
  await c.query(`ALTER TABLE ${stage} RENAME TO ${part}`);
  await c.query(`ALTER INDEX ${stage}_cik_second RENAME TO ${part}_cik_second`);
  await c.query(`ALTER TABLE ${part} RENAME CONSTRAINT ${stage}_day TO ${part}_day`);
  await c.query(`ALTER TABLE raw_visits ATTACH PARTITION ${part} FOR VALUES IN ('${day}')`);
  await c.query(
    `INSERT INTO raw_days (day, source, fingerprint, rows) VALUES ($1, $2, $3, $4)
     ON CONFLICT (day) DO UPDATE SET source = EXCLUDED.source, fingerprint = EXCLUDED.fingerprint, rows = EXCLUDED.rows, loaded_at = now()`,
    [day, source, fingerprint, rows],
  );
}

// ───────────────────────────── day sets and bands ─────────────────────────────

export interface DaySetRow {
  name: string;
  filter: string;
  minVisits: number;
  /** Inclusive ranges (stored as a datemultirange). */
  excludeDays: DayRange[];
  days: number;
  fingerprint: string | null;
  computedAt: Date | null;
}

/**
 * Creates the set, or checks that an existing one has the same filter (a set's bands mean one filter);
 * updates min-visits and exclusions when given, and adds candidate days.
 */
export async function defineSet(
  pool: pg.Pool,
  def: { name: string; filter: string; minVisits?: number; exclude?: DayRange[]; addDays: readonly string[] },
): Promise<DaySetRow> {
  return transaction(pool, async (c) => {
    await c.query(`INSERT INTO day_sets (name, filter) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [def.name, def.filter]);
    const row = await lockSet(c, def.name);
    if (!row) throw new Error(`set ${def.name} vanished`);
    if (row.filter !== def.filter) {
      throw usageError(
        `day set "${def.name}" holds days under filter "${row.filter}", not "${def.filter}"`,
        `name another set for this filter (e.g. --set ${def.name}-${def.filter.replace(/\+/g, '-')}), or run with the set's filter`,
      );
    }
    if (def.minVisits !== undefined) await c.query('UPDATE day_sets SET min_visits = $2, updated_at = now() WHERE name = $1', [def.name, def.minVisits]);
    if (def.exclude !== undefined) {
      await c.query('UPDATE day_sets SET exclude_days = $2::datemultirange, updated_at = now() WHERE name = $1', [def.name, multirangeLiteral(def.exclude)]);
    }
    await c.query(
      `INSERT INTO day_set_days (set_name, day) SELECT $1, d::date FROM unnest($2::text[]) AS d ON CONFLICT DO NOTHING`,
      [def.name, def.addDays],
    );
    return (await lockSet(c, def.name)) as DaySetRow;
  });
}

/** The set's row, locked until the transaction ends (FOR UPDATE), or null. */
export async function lockSet(c: pg.ClientBase, name: string): Promise<DaySetRow | null> {
  return readSetRow(c, name, true);
}

export async function getSet(pool: Queryable, name: string): Promise<DaySetRow | null> {
  return readSetRow(pool, name, false);
}

async function readSetRow(q: Queryable, name: string, lock: boolean): Promise<DaySetRow | null> {
  const r = await q.query(
    `SELECT name, filter, min_visits, exclude_days::text AS exclude_days, days, fingerprint, computed_at
       FROM day_sets WHERE name = $1 ${lock ? 'FOR UPDATE' : ''}`,
    [name],
  );
  const x = r.rows[0];
  if (!x) return null;
  return {
    name: x.name,
    filter: x.filter,
    minVisits: Number(x.min_visits),
    excludeDays: parseMultirange(x.exclude_days),
    days: x.days,
    fingerprint: x.fingerprint,
    computedAt: x.computed_at,
  };
}

export async function listSets(pool: Queryable): Promise<DaySetRow[]> {
  const r = await pool.query<{ name: string }>('SELECT name FROM day_sets ORDER BY name');
  const out: DaySetRow[] = [];
  for (const { name } of r.rows) {
    const s = await getSet(pool, name);
    if (s) out.push(s);
  }
  return out;
}

/** Every candidate day of a set with its job state and stored counts' visits and revision. */
export async function setCandidates(c: Queryable, name: string, filter: string): Promise<CandidateDay[]> {
  const r = await c.query(
    `SELECT to_char(s.day, 'YYYY-MM-DD') AS day, coalesce(j.status, 'not_loaded') AS state, c.visits, c.revision
       FROM day_set_days s
       LEFT JOIN batch_jobs j ON j.day = s.day AND j.filter = $2
       LEFT JOIN day_counts c ON c.day = s.day AND c.filter = $2
      WHERE s.set_name = $1
      ORDER BY s.day`,
    [name, filter],
  );
  return r.rows.map((x) => ({
    day: x.day,
    state: x.state,
    visits: x.visits === null ? null : Number(x.visits),
    revision: x.revision === null ? null : Number(x.revision),
  }));
}

/**
 * Counts of seconds [from, to) of the given days under a filter, in the order of `days`. Sliced in SQL
 * (counts[from+1 : to]) so that a set of thousands of days can be read a slice at a time.
 */
export async function readCountSlices(c: Queryable, filter: string, days: readonly string[], from = 0, to = SECONDS_PER_DAY): Promise<Int32Array[]> {
  const r = await c.query<{ day: string; counts: string }>(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, array_to_string(counts[$3:$4], ',') AS counts
       FROM day_counts WHERE filter = $1 AND day = ANY($2::date[])`,
    [filter, days, from + 1, to],
  );
  const byDay = new Map(r.rows.map((x) => [x.day, x.counts]));
  return days.map((d) => {
    const text = byDay.get(d);
    if (text === undefined) throw new Error(`no counts stored for ${d} (filter ${filter})`);
    return parseIntList(text, to - from);
  });
}

/**
 * Records a computation of a set (inside the transaction holding lockSet): the membership of each
 * candidate day, and — unless `bands` is "keep" (the fingerprint did not change) — the bands, replaced
 * whole (none when the set has no member).
 */
export async function storeSetComputation(
  c: pg.ClientBase,
  name: string,
  bands: { p25: Float64Array; p50: Float64Array; p75: Float64Array; p95: Float64Array } | null | 'keep',
  selection: SetSelection,
  fingerprint: string,
): Promise<void> {
  if (bands !== 'keep') {
    if (bands) {
      await c.query(
        `INSERT INTO set_bands (set_name, p25, p50, p75, p95) VALUES ($1, $2::float8[], $3::float8[], $4::float8[], $5::float8[])
         ON CONFLICT (set_name) DO UPDATE SET p25 = EXCLUDED.p25, p50 = EXCLUDED.p50, p75 = EXCLUDED.p75, p95 = EXCLUDED.p95, computed_at = now()`,
        [name, floatArrayLiteral(bands.p25), floatArrayLiteral(bands.p50), floatArrayLiteral(bands.p75), floatArrayLiteral(bands.p95)],
      );
    } else {
      await c.query('DELETE FROM set_bands WHERE set_name = $1', [name]);
    }
    await c.query('UPDATE day_sets SET days = $2, fingerprint = $3, computed_at = now(), updated_at = now() WHERE name = $1', [
      name,
      selection.members.length,
      fingerprint,
    ]);
  }
  const rows = [
    ...selection.members.map((m) => ({ day: m.day, included: true, reason: null, visits: m.visits, revision: m.revision })),
    ...selection.left.map((l) => ({ day: l.day, included: false, reason: l.reason, visits: l.visits, revision: null })),
  ];
  await c.query(
    `UPDATE day_set_days s SET included = t.included, reason = t.reason, visits = t.visits, revision = t.revision
       FROM unnest($2::date[], $3::boolean[], $4::text[], $5::bigint[], $6::bigint[]) AS t(day, included, reason, visits, revision)
      WHERE s.set_name = $1 AND s.day = t.day`,
    [name, rows.map((r) => r.day), rows.map((r) => r.included), rows.map((r) => r.reason), rows.map((r) => r.visits), rows.map((r) => r.revision)],
  );
}

export interface BandRow {
  second: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

/**
 * Bands of seconds from … to (inclusive) of a set, in order; empty when the set has no bands. Slices the
 * arrays in SQL (each is detoasted once), so a few minutes cost little more than one second.
 */
export async function readBands(pool: Queryable, name: string, from = 0, to = SECONDS_PER_DAY - 1): Promise<BandRow[]> {
  const r = await pool.query<BandRow>(
    `SELECT ($2 + u.i - 1)::int AS second, u.p25, u.p50, u.p75, u.p95
       FROM set_bands b, unnest(b.p25[$2 + 1 : $3 + 1], b.p50[$2 + 1 : $3 + 1], b.p75[$2 + 1 : $3 + 1], b.p95[$2 + 1 : $3 + 1])
            WITH ORDINALITY AS u(p25, p50, p75, p95, i)
      WHERE b.set_name = $1
      ORDER BY u.i`,
    [name, from, to],
  );
  return r.rows;
}

// ───────────────────────────── helpers ─────────────────────────────

export async function transaction<T>(pool: pg.Pool, f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const out = await f(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

/** '{1,2,3}': int4[] input (a JS array would cost a string per element in the driver). */
export function intArrayLiteral(values: ArrayLike<number>): string {
  return `{${Array.prototype.join.call(values, ',')}}`;
}

/** float8[] input; JavaScript's shortest round-trip form makes PostgreSQL read back the exact double. */
export function floatArrayLiteral(values: Float64Array): string {
  return `{${Array.prototype.join.call(values, ',')}}`;
}

function parseIntList(text: string, expected: number): Int32Array {
  const out = new Int32Array(expected);
  let k = 0;
  let v = 0;
  let any = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 44) {
      out[k++] = v;
      v = 0;
      any = false;
    } else {
      v = v * 10 + (ch - 48);
      any = true;
    }
  }
  if (any) out[k++] = v;
  if (k !== expected) throw new Error(`expected ${expected} counts, read ${k}`);
  return out;
}

/** [{from,to}] → '{[2005-09-23,2006-05-11)}' (canonical half-open form). */
export function multirangeLiteral(ranges: readonly DayRange[]): string {
  return `{${ranges.map((r) => `[${r.from},${r.to}]`).join(',')}}`;
}

/** '{[2005-09-23,2006-05-11),[2017-04-28,2017-04-29)}' → inclusive ranges. */
export function parseMultirange(text: string): DayRange[] {
  const out: DayRange[] = [];
  for (const m of text.matchAll(/\[(\d{4}-\d{2}-\d{2}),(\d{4}-\d{2}-\d{2})\)/g)) {
    const to = new Date(Date.parse(m[2] + 'T00:00:00Z') - 86_400_000).toISOString().slice(0, 10);
    out.push({ from: m[1], to });
  }
  return out;
}
