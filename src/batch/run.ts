/**
 * `findoc batch`, the main thread: turns the inputs into days, queues them in PostgreSQL (joining other
 * processes working on the same range), claims days one at a time per free worker, keeps their leases
 * alive, commits each day's counts (and raw rows) atomically, and once every day of the range is done or
 * failed, (re)computes the day set's bands. The protocol and its guarantees are described above the code
 * implementing them in src/adapters/batch-store.ts; the tables in docs/postgres.md.
 *
 * Inputs → days: one file is one day, its file date (the logYYYYMMDD in its name; --from/--to select by
 * it). A file without a date in its name, or two files for one day (e.g. log20170630.csv and
 * log20170630.zip), cannot be placed: that day fails with the reason, and the others go on.
 *
 * Failures: a day whose file is bad (corrupt archive, not an EDGAR log, --strict and a rejected row) fails
 * with its reason and the run goes on with the other days. PostgreSQL going away (a restart, a failover)
 * is ridden out for up to `retryForMs`: the days in hand are abandoned (their work was never committed,
 * since a day commits in one transaction), the run waits for the database to answer again, releases those
 * days through their tokens and claims them again — a day is never counted twice, because completeDay
 * commits only with the claim's token. Past `retryForMs`, or when S3 stops answering, the run stops and the
 * days in hand are released for others to take at once.
 */
import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { createHash } from 'node:crypto';
import type pg from 'pg';
import {
  claimDay,
  completeDay,
  dayStates,
  defineSet,
  dropRawStages,
  failDay,
  finishRun,
  openJobs,
  openRun,
  rawStageName,
  releaseDay,
  renewLease,
  type Claim,
  type DayError,
  type DayWork,
} from '../adapters/batch-store.js';
import type { ObjectStore as S3Store } from '../adapters/s3.js';
import type { S3Settings } from '../core/config.js';
import type { DayRange } from '../core/day-sets.js';
import { FindocError, isFindocError } from '../core/errors.js';
import { redactText } from '../core/redact.js';
import { isUnreachable } from '../core/service-errors.js';
import type { VisitFilter } from '../core/filter.js';
import { resolveSources, type LogSource } from '../core/log-input.js';
import type { RejectReason } from '../core/rejects.js';
import { DayAborted, type DayJob } from './day-job.js';
import { computeSetBands, type SetReport } from './set-bands.js';
import { InlineRunner, ThreadRunner, type DayRunner } from './worker-pool.js';

export interface BatchOptions {
  inputs: string[];
  from?: string;
  to?: string;
  filter: VisitFilter;
  /** The day set to add the days to and (re)compute; null: store the days only. */
  set: { name: string; minVisits?: number; exclude?: DayRange[] } | null;
  raw: boolean;
  force: boolean;
  /** Worker threads; 0 parses in the main thread. */
  workers: number;
  /** Lease of a claimed day; renewed every third of it. */
  leaseMs: number;
  strict: boolean;
  /** Reject samples kept per day. */
  maxSamples: number;
  /** How often to look again when other processes hold the remaining days (default: lease/4, 250 ms … 5 s). */
  pollMs?: number;
  /** How long a PostgreSQL outage is waited out before the run gives up (default 2 min; 0: not at all). */
  retryForMs?: number;
}

export interface BatchDeps {
  pool: pg.Pool;
  /** For worker threads, which open their own connections (--raw). */
  postgres: { url: string; schema?: string };
  s3: S3Settings;
  /** Needed for s3:// inputs. */
  store?: S3Store;
  signal?: AbortSignal;
  /** This process in the job table: host:pid by default. */
  worker?: string;
  onProgress?: (p: BatchProgress) => void;
  /** Notices for stderr (takeovers, lost leases, failures as they happen). */
  log?: (message: string) => void;
}

export interface BatchProgress {
  days: number;
  /** Days finished (processed, skipped or failed, by any process). */
  daysDone: number;
  daysFailed: number;
  /** Visits read by this process so far, and per second. */
  rows: number;
  rowsPerSecond: number;
  /** Days this process is working on. */
  current: string[];
}

export type DayStatus = 'processed' | 'skipped' | 'failed' | 'pending';

export interface DayReport {
  day: string | null;
  status: DayStatus;
  /** Processed by this process (false: by another worker, or before this run). */
  here: boolean;
  worker: string | null;
  attempts: number;
  source: string | null;
  visits: number | null;
  validRows: number | null;
  rejected: number | null;
  rejects: Partial<Record<RejectReason, number>> | null;
  filtered: number | null;
  otherDay: number | null;
  busySeconds: number | null;
  rawRows: number | null;
  seconds: number | null;
  error: DayError | null;
}

export interface BatchReport {
  filter: string;
  worker: string;
  run: { id: number; joined: boolean } | null;
  days: DayReport[];
  totals: {
    days: number;
    processed: number;
    processedHere: number;
    skipped: number;
    failed: number;
    pending: number;
    /** Visits counted over the days (stored counts). */
    visits: number;
    /** Valid rows read by this process, and its rate while it had days to work on. */
    rowsHere: number;
    rowsPerSecond: number;
    /** From the first claim to the last day done (all processes), and the whole run. */
    processingSeconds: number;
    seconds: number;
  };
  set: SetReport | null;
  interrupted: boolean;
}

/** What the caller's exit code should be, from a report: 0, 65 (a day's file was bad) or 75 (retry). */
export function failureCode(report: BatchReport): 'FINDOC_BAD_INPUT' | 'FINDOC_TEMPORARY' | null {
  const failed = report.days.filter((d) => d.status === 'failed');
  if (failed.length === 0) return null;
  return failed.some((d) => d.error?.code === 'FINDOC_BAD_INPUT' || d.error?.code === 'FINDOC_USAGE') ? 'FINDOC_BAD_INPUT' : 'FINDOC_TEMPORARY';
}

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}`;
}

export async function runBatch(opts: BatchOptions, deps: BatchDeps): Promise<BatchReport> {
  const started = performance.now();
  const { pool } = deps;
  const worker = deps.worker ?? defaultWorkerId();
  const log = deps.log ?? (() => undefined);
  const filter = opts.filter;

  // ── inputs → days ──
  const sources = await resolveSources(opts.inputs, { from: opts.from, to: opts.to, store: deps.store });
  const localFailures: DayReport[] = [];
  const byDay = new Map<string, LogSource[]>();
  for (const s of sources) {
    if (s.date === null) {
      localFailures.push(failedLocally(null, s.name, 'FINDOC_BAD_INPUT', `${s.name}: no logYYYYMMDD date in the file name, so its day is unknown`, 'rename it like the SEC does: logYYYYMMDD.csv'));
      continue;
    }
    byDay.set(s.date, [...(byDay.get(s.date) ?? []), s]);
  }
  const work: DayWork[] = [];
  const sourceOf = new Map<string, LogSource>();
  for (const [day, list] of byDay) {
    if (list.length > 1) {
      localFailures.push(
        failedLocally(day, list.map((s) => s.name).join(', '), 'FINDOC_BAD_INPUT', `${list.length} files hold ${day}: ${list.map((s) => s.name).join(', ')}`, 'name one file per day'),
      );
      continue;
    }
    const source = list[0];
    sourceOf.set(day, source);
    work.push({ day, source: source.name, fingerprint: await fingerprintOf(source, deps.store) });
  }
  work.sort((a, b) => (a.day < b.day ? -1 : 1));
  const days = work.map((w) => w.day);

  // ── the set first: a filter conflict is a usage error before any work ──
  if (opts.set) {
    await defineSet(pool, {
      name: opts.set.name,
      filter: filter.name,
      minVisits: opts.set.minVisits,
      exclude: opts.set.exclude,
      addDays: [...days, ...localFailures.flatMap((f) => (f.day ? [f.day] : []))],
    });
  }

  // ── queue (or join) ──
  const key = runKey(filter.name, opts.force, opts.raw, work);
  const run = days.length > 0 ? await openRun(pool, { key, filter: filter.name, force: opts.force, raw: opts.raw, worker, days: work }) : null;
  if (run?.joined) log(`joined run ${run.id}: other processes are working on the same days`);

  // ── claim, process, commit ──
  const runner: DayRunner =
    opts.workers <= 0
      ? new InlineRunner({ store: deps.store, connect: () => pool.connect() })
      : new ThreadRunner(Math.min(opts.workers, Math.max(1, days.length)), {
          s3: deps.s3,
          postgres: opts.raw ? deps.postgres : null,
        });
  const pollMs = opts.pollMs ?? Math.min(5000, Math.max(250, Math.floor(opts.leaseMs / 4)));
  const inFlight = new Map<string, Promise<void>>();
  const progressRows = new Map<string, number>();
  let rowsDone = 0;
  let fatal: unknown = null;
  /** A PostgreSQL outage seen by a day or the loop, and the claims it abandoned (released once it is over). */
  let outage: unknown = null;
  const abandoned: Claim[] = [];
  const retryForMs = opts.retryForMs ?? 120_000;
  let interrupted = false;
  let doneCount = 0;
  let failedCount = 0;
  let processingStarted: number | null = null;
  let processingEnded: number | null = null;

  const emit = () => {
    if (!deps.onProgress) return;
    const rows = rowsDone + [...progressRows.values()].reduce((a, b) => a + b, 0);
    const s = (performance.now() - (processingStarted ?? started)) / 1000;
    deps.onProgress({
      days: days.length + localFailures.length,
      daysDone: doneCount + localFailures.length,
      daysFailed: failedCount + localFailures.length,
      rows,
      rowsPerSecond: rows / Math.max(1e-3, s),
      current: [...inFlight.keys()],
    });
  };

  const handle = async (claim: Claim): Promise<void> => {
    const source = sourceOf.get(claim.day) as LogSource;
    if (claim.takenOverFrom) log(`${claim.day}: taken over from ${claim.takenOverFrom}, whose lease expired (attempt ${claim.attempts})`);
    const raw = opts.raw || claim.raw;
    const stage = raw ? rawStageName(claim.day, claim.token) : null;
    let lost = false;
    const heartbeat = setInterval(() => {
      renewLease(pool, claim, opts.leaseMs).then(
        (ok) => {
          if (!ok && !lost) {
            lost = true;
            log(`${claim.day}: lease lost to another worker; abandoning the day`);
            runner.cancel(claim.day);
          }
        },
        () => undefined, // a failed renewal is retried at the next beat; a lost database fails the commit
      );
    }, Math.max(100, Math.floor(opts.leaseMs / 3)));
    const dropStage = async () => {
      if (stage) await dropRawStages(pool, claim.day).catch(() => undefined);
    };
    try {
      if (raw) await dropRawStages(pool, claim.day);
      const job: DayJob = { day: claim.day, source, filterRules: [...filter.rules], robots: filter.robots ? { rule: filter.robots.rule.name, mode: filter.robots.mode } : null, strict: opts.strict, maxSamples: opts.maxSamples, rawStage: stage };
      progressRows.set(claim.day, 0);
      const result = await runner.run(job, (p) => {
        progressRows.set(claim.day, p.rows);
        emit();
      });
      clearInterval(heartbeat);
      const committed = await completeDay(pool, claim, {
        counts: result.counts,
        ciks: result.ciks,
        summary: result.summary,
        parse: { validRows: result.parse.validRows, rejected: result.parse.rejected, lines: result.parse.lines, bytes: result.parse.bytes },
        rejects: result.rejects,
        source: source.name,
        fingerprint: work.find((w) => w.day === claim.day)?.fingerprint ?? '',
        worker,
        seconds: result.seconds,
        rawStage: result.raw ? { table: result.raw.table, rows: result.raw.rows } : undefined,
      });
      if (committed) {
        rowsDone += result.parse.validRows;
        if (result.raw && result.raw.sanitized > 0) {
          log(`${claim.day}: ${result.raw.sanitized} raw rows had NUL bytes or invalid UTF-8 in accession/extention, stored with U+FFFD`);
        }
      } else {
        log(`${claim.day}: another worker took the day over before this one committed; its result was discarded`);
        await dropStage();
      }
    } catch (e) {
      clearInterval(heartbeat);
      await dropStage();
      if (e instanceof DayAborted) {
        if (!lost) await releaseDay(pool, claim).catch(() => undefined);
        return;
      }
      if (isPostgresDown(e) && retryForMs > 0) {
        // Nothing of the day was committed; it is released (and claimed again) once the database is back.
        log(`${claim.day}: PostgreSQL stopped answering (${errorText(e)}); the day will be retried`);
        abandoned.push(claim);
        outage ??= e;
        return;
      }
      if (isFindocError(e) && e.code === 'FINDOC_SERVICE_UNAVAILABLE') {
        await releaseDay(pool, claim).catch(() => undefined);
        fatal ??= e;
        return;
      }
      const error = dayError(e);
      log(`${claim.day}: failed: ${error.message}`);
      await failDay(pool, claim, error);
    } finally {
      progressRows.delete(claim.day);
    }
  };

  const onAbort = () => {
    interrupted = true;
    for (const day of inFlight.keys()) runner.cancel(day);
  };
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  if (deps.signal?.aborted) onAbort();
  /** Waits out an outage: every day in flight stops, the database answers again, abandoned days are released. */
  const rideOut = async (): Promise<void> => {
    for (const day of inFlight.keys()) runner.cancel(day);
    await Promise.all(inFlight.values());
    const cause = outage;
    const deadline = Date.now() + retryForMs;
    log(`PostgreSQL unreachable (${errorText(cause)}); waiting up to ${Math.round(retryForMs / 1000)} s for it to answer again`);
    let wait = 250;
    for (;;) {
      if (interrupted) return;
      try {
        await pool.query('SELECT 1');
        break;
      } catch (e) {
        if (!isPostgresDown(e)) throw e;
        if (Date.now() + wait > deadline) {
          log(`PostgreSQL did not answer for ${Math.round(retryForMs / 1000)} s (--retry-for); giving up`);
          fatal = cause;
          return;
        }
        await wake(wait, deps.signal);
        wait = Math.min(2000, wait * 2);
      }
    }
    for (const claim of abandoned.splice(0)) await releaseDay(pool, claim);
    outage = null;
    log('PostgreSQL answers again; going on');
  };
  const loop = async (): Promise<void> => {
    while (run && !interrupted && fatal === null) {
      if (outage !== null) {
        await rideOut();
        continue;
      }
      while (inFlight.size < runner.slots && !interrupted && fatal === null && outage === null) {
        const claim = await claimDay(pool, filter.name, days, worker, opts.leaseMs);
        if (!claim) break;
        processingStarted ??= performance.now();
        const p = handle(claim)
          .catch((e: unknown) => {
            fatal ??= e;
          })
          .finally(() => {
            inFlight.delete(claim.day);
          });
        inFlight.set(claim.day, p);
        emit();
      }
      if (interrupted || fatal !== null) break;
      if (outage !== null) continue;
      if (inFlight.size === 0) {
        const open = await openJobs(pool, filter.name, days);
        const states = await countStates(pool, filter.name, days);
        doneCount = states.done + states.failed;
        failedCount = states.failed;
        emit();
        if (open.pending + open.running === 0) break;
        // Other processes hold the remaining days: wait for them to finish, or for a dead one's lease
        // to expire so that a claim can take its day over.
        await wake(pollMs, deps.signal);
        continue;
      }
      await wake(pollMs, deps.signal, [...inFlight.values()]);
      if (outage !== null) continue;
      const states = await countStates(pool, filter.name, days);
      doneCount = states.done + states.failed;
      failedCount = states.failed;
      emit();
    }
  };
  try {
    // The loop's own queries (claims, counts) meet an outage too: it is waited out the same way.
    for (;;) {
      try {
        await loop();
        break;
      } catch (e) {
        if (!(isPostgresDown(e) && retryForMs > 0) || fatal !== null) throw e;
        outage ??= e;
      }
    }
    if (fatal !== null || interrupted) for (const day of inFlight.keys()) runner.cancel(day);
    await Promise.all(inFlight.values());
    processingEnded = performance.now();
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
    await runner.close();
  }
  if (fatal !== null) throw fatal;

  // ── the set, once every day of the range is in ──
  let set: SetReport | null = null;
  if (!interrupted) {
    if (run) await finishRun(pool, run.id);
    if (opts.set) set = await computeSetBands(pool, opts.set.name);
  }

  // ── report ──
  const states = days.length > 0 ? await dayStates(pool, filter.name, days) : [];
  const reports: DayReport[] = [
    ...states.map((s): DayReport => {
      const recent = s.finishedAt !== null && run !== null && s.finishedAt.getTime() >= run.openedAt.getTime();
      const status: DayStatus = s.status === 'failed' ? 'failed' : s.status === 'done' ? (recent ? 'processed' : 'skipped') : 'pending';
      return {
        day: s.day,
        status,
        here: status === 'processed' && s.worker === worker,
        worker: s.worker,
        attempts: s.attempts,
        source: s.source ?? sourceOf.get(s.day)?.name ?? null,
        visits: s.status === 'failed' ? null : s.visits,
        validRows: s.status === 'failed' ? null : s.validRows,
        rejected: s.status === 'failed' ? null : s.rejected,
        rejects: s.status === 'failed' ? null : (s.rejects?.byReason ?? null),
        filtered: s.status === 'failed' ? null : s.filtered,
        otherDay: s.status === 'failed' ? null : s.otherDay,
        busySeconds: s.status === 'failed' ? null : s.busySeconds,
        rawRows: s.status === 'failed' ? null : s.rawRows,
        seconds: s.status === 'failed' ? null : s.seconds,
        error: s.status === 'failed' ? s.error : null,
      };
    }),
    ...localFailures,
  ].sort((a, b) => ((a.day ?? '\uffff') < (b.day ?? '\uffff') ? -1 : (a.day ?? '\uffff') > (b.day ?? '\uffff') ? 1 : 0));
  const seconds = (performance.now() - started) / 1000;
  const processingSeconds = processingStarted === null ? 0 : ((processingEnded ?? performance.now()) - processingStarted) / 1000;
  const count = (s: DayStatus) => reports.filter((r) => r.status === s).length;
  return {
    filter: filter.name,
    worker,
    run: run ? { id: run.id, joined: run.joined } : null,
    days: reports,
    totals: {
      days: reports.length,
      processed: count('processed'),
      processedHere: reports.filter((r) => r.here).length,
      skipped: count('skipped'),
      failed: count('failed'),
      pending: count('pending'),
      visits: reports.reduce((t, r) => t + (r.status === 'failed' ? 0 : (r.visits ?? 0)), 0),
      rowsHere: rowsDone,
      rowsPerSecond: processingSeconds > 0 ? rowsDone / processingSeconds : 0,
      processingSeconds,
      seconds,
    },
    set,
    interrupted,
  };
}

/** PostgreSQL is down or restarting (a raw pg error, or the adapters' exit-69 error for PostgreSQL). */
function isPostgresDown(e: unknown): boolean {
  if (isFindocError(e)) return e.code === 'FINDOC_SERVICE_UNAVAILABLE' && e.details?.service === 'PostgreSQL';
  return isUnreachable(e);
}

function errorText(e: unknown): string {
  return redactText(String((e as Error)?.message ?? e));
}

async function countStates(pool: pg.Pool, filter: string, days: readonly string[]): Promise<{ done: number; failed: number }> {
  const r = await pool.query<{ done: number; failed: number }>(
    `SELECT count(*) FILTER (WHERE status = 'done')::int AS done, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM batch_jobs WHERE filter = $1 AND day = ANY($2::date[])`,
    [filter, days],
  );
  return r.rows[0];
}

function failedLocally(day: string | null, source: string, code: string, message: string, hint?: string): DayReport {
  return {
    day,
    status: 'failed',
    here: false,
    worker: null,
    attempts: 0,
    source,
    visits: null,
    validRows: null,
    rejected: null,
    rejects: null,
    filtered: null,
    otherDay: null,
    busySeconds: null,
    rawRows: null,
    seconds: null,
    error: { code, message, ...(hint ? { hint } : {}) },
  };
}

function dayError(e: unknown): DayError {
  if (isFindocError(e)) return { code: e.code, message: e.message, ...(e.details.hint ? { hint: e.details.hint } : {}) };
  const err = e as Error;
  return { code: 'FINDOC_INTERNAL', message: err?.message ?? String(e) };
}

/**
 * A source's identity when queued: its name, size and (local files) modification time. A day is redone
 * when this changes — a re-downloaded or repaired file — and skipped when it does not.
 */
export async function fingerprintOf(source: LogSource, store?: S3Store): Promise<string> {
  if (source.kind === 'file') {
    const path = source.path as string;
    try {
      const s = await stat(path);
      return `file:${resolve(path)}:${s.size}:${Math.floor(s.mtimeMs)}`;
    } catch (e) {
      throw new FindocError('FINDOC_USAGE', `cannot read input ${path}: ${(e as Error).message}`);
    }
  }
  let size = source.size;
  if (size === undefined && store) size = (await store.head(source.bucket as string, source.key as string))?.size;
  return `${source.name}:${size ?? '?'}`;
}

/** Identity of a batch invocation's work: processes with the same key share one run. */
export function runKey(filter: string, force: boolean, raw: boolean, work: readonly DayWork[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ v: 1, filter, force, raw }));
  for (const w of work) h.update(`\n${w.day}\t${w.fingerprint}`);
  return h.digest('hex');
}

/** Resolves after `ms`, on abort, or when one of `promises` settles — whichever comes first — leaving no timer or listener behind. */
function wake(ms: number, signal?: AbortSignal, promises: Promise<unknown>[] = []): Promise<void> {
  return new Promise((res) => {
    if (signal?.aborted) return res();
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', finish);
      res();
    };
    const timer = setTimeout(finish, ms);
    signal?.addEventListener('abort', finish, { once: true });
    for (const p of promises) p.then(finish, finish);
  });
}
