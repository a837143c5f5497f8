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
  type DayState,
  type DayWork,
  type RunHandle,
} from '../adapters/batch-store.js';
import { connectPostgres, migrate, postgresUnavailable } from '../adapters/postgres.js';
import { ObjectStore, type ObjectStore as S3Store } from '../adapters/s3.js';
import type { Config, S3Settings } from '../core/config.js';
import type { Shutdown } from '../core/shutdown.js';
import { formatDayList, type DayRange } from '../core/day-sets.js';
import { FindocError, interrupted, isFindocError } from '../core/errors.js';
import { formatRate } from '../core/format.js';
import { redactText } from '../core/redact.js';
import { asUnavailable, isUnreachable } from '../core/service-errors.js';
import type { VisitFilter } from '../core/filter.js';
import { isS3Url, resolveSources, type LogSource } from '../core/log-input.js';
import type { RejectReason } from '../core/rejects.js';
import { DayAborted, type DayJob, type DayJobResult } from './day-job.js';
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
  const plan = await planDays(opts, deps.store);
  const { work, days, localFailures } = plan;

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
  const loop = new DayLoop(opts, deps, plan, run, runner, worker, started);
  await loop.runToEnd();

  // ── the set, once every day of the range is in ──
  let set: SetReport | null = null;
  if (!loop.interrupted) {
    if (run) await finishRun(pool, run.id);
    if (opts.set) set = await computeSetBands(pool, opts.set.name);
  }
  return reportOf(loop, plan, run, set);
}

/** The run's days, from its inputs: one file per day; a file that cannot be placed fails its day here. */
interface DayPlan {
  /** The days to queue, in day order, with their sources' fingerprints. */
  work: DayWork[];
  days: string[];
  sourceOf: Map<string, LogSource>;
  /** Days (or files) that failed before any work: no date in the name, two files for one day. */
  localFailures: DayReport[];
}

async function planDays(opts: BatchOptions, store: S3Store | undefined): Promise<DayPlan> {
  const sources = await resolveSources(opts.inputs, { from: opts.from, to: opts.to, store });
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
    work.push({ day, source: source.name, fingerprint: await fingerprintOf(source, store) });
  }
  work.sort((a, b) => (a.day < b.day ? -1 : 1));
  return { work, days: work.map((w) => w.day), sourceOf, localFailures };
}

/**
 * Claim, process, commit: the main thread's loop over the run's days, and the state it shares with the
 * days in flight (progress, the first fatal error, a PostgreSQL outage and the claims it abandoned).
 */
class DayLoop {
  readonly inFlight = new Map<string, Promise<void>>();
  readonly progressRows = new Map<string, number>();
  rowsDone = 0;
  fatal: unknown = null;
  /** A PostgreSQL outage seen by a day or the loop, and the claims it abandoned (released once it is over). */
  outage: unknown = null;
  readonly abandoned: Claim[] = [];
  interrupted = false;
  doneCount = 0;
  failedCount = 0;
  processingStarted: number | null = null;
  processingEnded: number | null = null;
  readonly pool: pg.Pool;
  readonly log: (message: string) => void;
  readonly pollMs: number;
  readonly retryForMs: number;

  constructor(
    readonly opts: BatchOptions,
    readonly deps: BatchDeps,
    readonly plan: DayPlan,
    readonly run: RunHandle | null,
    readonly runner: DayRunner,
    readonly worker: string,
    readonly started: number,
  ) {
    this.pool = deps.pool;
    this.log = deps.log ?? (() => undefined);
    this.pollMs = opts.pollMs ?? Math.min(5000, Math.max(250, Math.floor(opts.leaseMs / 4)));
    this.retryForMs = opts.retryForMs ?? 120_000;
  }

  /** Runs the loop until every day is done or failed, the signal aborts or a fatal error (thrown). */
  async runToEnd(): Promise<void> {
    const { signal } = this.deps;
    const onAbort = () => {
      this.interrupted = true;
      for (const day of this.inFlight.keys()) this.runner.cancel(day);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      // The loop's own queries (claims, counts) meet an outage too: it is waited out the same way.
      for (;;) {
        try {
          await this.loop();
          break;
        } catch (e) {
          if (!(isPostgresDown(e) && this.retryForMs > 0) || this.fatal !== null) throw e;
          this.outage ??= e;
        }
      }
      if (this.fatal !== null || this.interrupted) for (const day of this.inFlight.keys()) this.runner.cancel(day);
      await Promise.all(this.inFlight.values());
      this.processingEnded = performance.now();
    } finally {
      signal?.removeEventListener('abort', onAbort);
      await this.runner.close();
    }
    if (this.fatal !== null) throw this.fatal;
  }

  private emit(): void {
    const { onProgress } = this.deps;
    if (!onProgress) return;
    const { days, localFailures } = this.plan;
    const rows = this.rowsDone + [...this.progressRows.values()].reduce((a, b) => a + b, 0);
    const s = (performance.now() - (this.processingStarted ?? this.started)) / 1000;
    onProgress({
      days: days.length + localFailures.length,
      daysDone: this.doneCount + localFailures.length,
      daysFailed: this.failedCount + localFailures.length,
      rows,
      rowsPerSecond: rows / Math.max(1e-3, s),
      current: [...this.inFlight.keys()],
    });
  }

  private async loop(): Promise<void> {
    const { days } = this.plan;
    const filter = this.opts.filter;
    while (this.run && !this.interrupted && this.fatal === null) {
      if (this.outage !== null) {
        await this.rideOut();
        continue;
      }
      await this.claimWhileFree();
      if (this.interrupted || this.fatal !== null) break;
      if (this.outage !== null) continue;
      if (this.inFlight.size === 0) {
        const open = await openJobs(this.pool, filter.name, days);
        await this.refreshCounts();
        if (open.pending + open.running === 0) break;
        // Other processes hold the remaining days: wait for them to finish, or for a dead one's lease
        // to expire so that a claim can take its day over.
        await wake(this.pollMs, this.deps.signal);
        continue;
      }
      await wake(this.pollMs, this.deps.signal, [...this.inFlight.values()]);
      if (this.outage !== null) continue;
      await this.refreshCounts();
    }
  }

  /** Claims days while a runner slot is free and days are left to claim. */
  private async claimWhileFree(): Promise<void> {
    while (this.inFlight.size < this.runner.slots && !this.interrupted && this.fatal === null && this.outage === null) {
      const claim = await claimDay(this.pool, this.opts.filter.name, this.plan.days, this.worker, this.opts.leaseMs);
      if (!claim) break;
      this.processingStarted ??= performance.now();
      const p = this.handle(claim)
        .catch((e: unknown) => {
          this.fatal ??= e;
        })
        .finally(() => {
          this.inFlight.delete(claim.day);
        });
      this.inFlight.set(claim.day, p);
      this.emit();
    }
  }

  private async refreshCounts(): Promise<void> {
    const states = await countStates(this.pool, this.opts.filter.name, this.plan.days);
    this.doneCount = states.done + states.failed;
    this.failedCount = states.failed;
    this.emit();
  }

  /** One claimed day: run it (renewing its lease), commit it with the claim's token, or say why not. */
  private async handle(claim: Claim): Promise<void> {
    const { opts, pool, log } = this;
    const source = this.plan.sourceOf.get(claim.day) as LogSource;
    if (claim.takenOverFrom) log(`${claim.day}: taken over from ${claim.takenOverFrom}, whose lease expired (attempt ${claim.attempts})`);
    const raw = opts.raw || claim.raw;
    const stage = raw ? rawStageName(claim.day, claim.token) : null;
    const lease = this.keepLease(claim);
    const dropStage = async () => {
      if (stage) await dropRawStages(pool, claim.day).catch(() => undefined);
    };
    try {
      if (raw) await dropRawStages(pool, claim.day);
      const filter = opts.filter;
      const job: DayJob = { day: claim.day, source, filterRules: [...filter.rules], robots: filter.robots ? { rule: filter.robots.rule.name, mode: filter.robots.mode } : null, strict: opts.strict, maxSamples: opts.maxSamples, rawStage: stage };
      this.progressRows.set(claim.day, 0);
      const result = await this.runner.run(job, (p) => {
        this.progressRows.set(claim.day, p.rows);
        this.emit();
      });
      lease.stop();
      await this.commit(claim, source, result, dropStage);
    } catch (e) {
      lease.stop();
      await dropStage();
      await this.dayFailed(claim, e, lease.lost());
    } finally {
      this.progressRows.delete(claim.day);
    }
  }

  /** Renews a claim's lease every third of it; a lease lost to another worker cancels the day. */
  private keepLease(claim: Claim): { stop(): void; lost(): boolean } {
    let lost = false;
    const heartbeat = setInterval(() => {
      renewLease(this.pool, claim, this.opts.leaseMs).then(
        (ok) => {
          if (!ok && !lost) {
            lost = true;
            this.log(`${claim.day}: lease lost to another worker; abandoning the day`);
            this.runner.cancel(claim.day);
          }
        },
        () => undefined, // a failed renewal is retried at the next beat; a lost database fails the commit
      );
    }, Math.max(100, Math.floor(this.opts.leaseMs / 3)));
    return { stop: () => clearInterval(heartbeat), lost: () => lost };
  }

  private async commit(claim: Claim, source: LogSource, result: DayJobResult, dropStage: () => Promise<void>): Promise<void> {
    const committed = await completeDay(this.pool, claim, {
      counts: result.counts,
      ciks: result.ciks,
      summary: result.summary,
      parse: { validRows: result.parse.validRows, rejected: result.parse.rejected, lines: result.parse.lines, bytes: result.parse.bytes },
      rejects: result.rejects,
      source: source.name,
      fingerprint: this.plan.work.find((w) => w.day === claim.day)?.fingerprint ?? '',
      worker: this.worker,
      seconds: result.seconds,
      rawStage: result.raw ? { table: result.raw.table, rows: result.raw.rows } : undefined,
    });
    if (committed) {
      this.rowsDone += result.parse.validRows;
      if (result.raw && result.raw.sanitized > 0) {
        this.log(`${claim.day}: ${result.raw.sanitized} raw rows had NUL bytes or invalid UTF-8 in accession/extention, stored with U+FFFD`);
      }
    } else {
      this.log(`${claim.day}: another worker took the day over before this one committed; its result was discarded`);
      await dropStage();
    }
  }

  /** A day that did not commit: released (aborted, PostgreSQL or S3 away) or failed with its reason. */
  private async dayFailed(claim: Claim, e: unknown, lost: boolean): Promise<void> {
    const { pool } = this;
    if (e instanceof DayAborted) {
      if (!lost) await releaseDay(pool, claim).catch(() => undefined);
      return;
    }
    if (isPostgresDown(e) && this.retryForMs > 0) {
      // Nothing of the day was committed; it is released (and claimed again) once the database is back.
      this.log(`${claim.day}: PostgreSQL stopped answering (${errorText(e)}); the day will be retried`);
      this.abandoned.push(claim);
      this.outage ??= e;
      return;
    }
    if (isFindocError(e) && e.code === 'FINDOC_SERVICE_UNAVAILABLE') {
      await releaseDay(pool, claim).catch(() => undefined);
      this.fatal ??= e;
      return;
    }
    const error = dayError(e);
    this.log(`${claim.day}: failed: ${error.message}`);
    await failDay(pool, claim, error);
  }

  /** Waits out an outage: every day in flight stops, the database answers again, abandoned days are released. */
  private async rideOut(): Promise<void> {
    const { pool, log, retryForMs } = this;
    for (const day of this.inFlight.keys()) this.runner.cancel(day);
    await Promise.all(this.inFlight.values());
    const cause = this.outage;
    const deadline = Date.now() + retryForMs;
    log(`PostgreSQL unreachable (${errorText(cause)}); waiting up to ${Math.round(retryForMs / 1000)} s for it to answer again`);
    let wait = 250;
    for (;;) {
      if (this.interrupted) return;
      try {
        await pool.query('SELECT 1');
        break;
      } catch (e) {
        if (!isPostgresDown(e)) throw e;
        if (Date.now() + wait > deadline) {
          log(`PostgreSQL did not answer for ${Math.round(retryForMs / 1000)} s (--retry-for); giving up`);
          this.fatal = cause;
          return;
        }
        await wake(wait, this.deps.signal);
        wait = Math.min(2000, wait * 2);
      }
    }
    for (const claim of this.abandoned.splice(0)) await releaseDay(pool, claim);
    this.outage = null;
    log('PostgreSQL answers again; going on');
  }
}

// ── report ──
async function reportOf(loop: DayLoop, plan: DayPlan, run: RunHandle | null, set: SetReport | null): Promise<BatchReport> {
  const { opts, pool, worker } = loop;
  const { days } = plan;
  const filter = opts.filter;
  const states = days.length > 0 ? await dayStates(pool, filter.name, days) : [];
  const reports: DayReport[] = [...states.map((s) => dayReportOf(s, run, worker, plan.sourceOf)), ...plan.localFailures].sort((a, b) =>
    (a.day ?? '\uffff') < (b.day ?? '\uffff') ? -1 : (a.day ?? '\uffff') > (b.day ?? '\uffff') ? 1 : 0,
  );
  const seconds = (performance.now() - loop.started) / 1000;
  const processingSeconds = loop.processingStarted === null ? 0 : ((loop.processingEnded ?? performance.now()) - loop.processingStarted) / 1000;
  const count = (s: DayStatus) => reports.filter((r) => r.status === s).length;
  const rowsDone = loop.rowsDone;
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
    interrupted: loop.interrupted,
  };
}

function dayReportOf(s: DayState, run: RunHandle | null, worker: string, sourceOf: Map<string, LogSource>): DayReport {
  const recent = s.finishedAt !== null && run !== null && s.finishedAt.getTime() >= run.openedAt.getTime();
  const status: DayStatus = s.status === 'failed' ? 'failed' : s.status === 'done' ? (recent ? 'processed' : 'skipped') : 'pending';
  const failed = s.status === 'failed';
  return {
    day: s.day,
    status,
    here: status === 'processed' && s.worker === worker,
    worker: s.worker,
    attempts: s.attempts,
    source: s.source ?? sourceOf.get(s.day)?.name ?? null,
    visits: failed ? null : s.visits,
    validRows: failed ? null : s.validRows,
    rejected: failed ? null : s.rejected,
    rejects: failed ? null : (s.rejects?.byReason ?? null),
    filtered: failed ? null : s.filtered,
    otherDay: failed ? null : s.otherDay,
    busySeconds: failed ? null : s.busySeconds,
    rawRows: failed ? null : s.rawRows,
    seconds: failed ? null : s.seconds,
    error: failed ? s.error : null,
  };
}

// ── the command's entry point: the services opened and closed around runBatch ──

export interface BatchRunDeps {
  config: Pick<Config, 'postgres' | 's3'>;
  /** Installs the Ctrl-C handlers; called once a clean stop is possible (core/shutdown.ts). */
  onShutdown: () => Shutdown;
  progress: { update(p: BatchProgress): void; done(): void };
  log: (message: string) => void;
}

/** Connects to PostgreSQL (and S3 for s3:// inputs), runs the migrations, then runBatch; closes them after. */
export async function run(options: BatchOptions, deps: BatchRunDeps): Promise<BatchReport> {
  const { schema, url } = deps.config.postgres;
  const pool = await connectPostgres(url, { schema, max: Math.max(4, options.workers + 3) });
  const store = options.inputs.some(isS3Url) ? new ObjectStore(deps.config.s3) : undefined;
  const shutdown = deps.onShutdown();
  try {
    await migrate(pool, schema);
    return await runBatch(options, {
      pool,
      postgres: { url, schema },
      s3: deps.config.s3,
      store,
      signal: shutdown.signal,
      onProgress: (p) => deps.progress.update(p),
      log: deps.log,
    });
  } catch (e) {
    throw asUnavailable(e, (cause) => postgresUnavailable(url, cause));
  } finally {
    deps.progress.done();
    shutdown.dispose();
    store?.close();
    await pool.end().catch(() => undefined);
  }
}

/** The error the run ends with (interrupted, or days failed), or undefined when every day is in. */
export function failureOf(report: BatchReport): FindocError | undefined {
  if (report.interrupted) {
    return interrupted('interrupted: the days in progress were released; run the same command again to finish');
  }
  const code = failureCode(report);
  if (!code) return undefined;
  const failed = report.days.filter((d) => d.status === 'failed');
  return new FindocError(code, `${failed.length} day${failed.length === 1 ? '' : 's'} failed: ${failed.map((d) => d.day ?? d.source).join(', ')}`, {
    hint: 'see the errors above; fix or replace the files and run the same command again (done days are skipped)',
  });
}

/** The progress bar's line. */
export function progressLine(p: BatchProgress): string {
  return (
    `days ${p.daysDone}/${p.days}${p.daysFailed ? ` (${p.daysFailed} failed)` : ''} · ${formatRate(p.rows)} rows · ` +
    `${formatRate(p.rowsPerSecond)} rows/s${p.current.length ? ` · ${p.current.join(' ')}` : ''}`
  );
}

/** The lines under the table: the days, the rates, and the set (with the days it left out). */
export function summaryLines(r: BatchReport): string[] {
  const t = r.totals;
  const lines = [
    `filter ${r.filter}: ${t.days} days — ${t.processed} processed (${t.processedHere} here), ${t.skipped} skipped, ${t.failed} failed` +
      `${t.pending ? `, ${t.pending} pending` : ''}; ${t.visits} visits; this process read ${formatRate(t.rowsHere)} rows (${formatRate(t.rowsPerSecond)} rows/s); ${t.seconds.toFixed(1)} s in all`,
  ];
  if (r.set) {
    const s = r.set;
    lines.push(
      `set ${s.name} (filter ${s.filter}${s.minVisits ? `, min visits ${s.minVisits}` : ''}${s.excludeDays.length ? `, excluding ${formatDayList(s.excludeDays)}` : ''}): ` +
        `${s.days} days, bands ${s.recomputed ? 'recomputed' : 'already up to date'}`,
    );
    for (const l of s.leftOut) lines.push(`  left out ${l.day}: ${l.reason}${l.visits !== null ? ` (${l.visits} visits)` : ''}`);
  }
  return lines;
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
