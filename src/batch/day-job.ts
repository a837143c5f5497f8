/**
 * One day of `findoc batch`: read one log file (local or S3, plain/gzip/zip), parse it, count its visits per
 * second of the day (core/day-counts.ts) and, with --raw, stream its rows into a staging table with COPY.
 * Runs inside a worker thread (day-worker.ts) or, with --workers 0, in the main thread; either way it
 * holds a few input chunks and one COPY buffer at a time, never the day: memory does not depend on the
 * size of a day. Nothing here touches the job queue — the main thread owns claims and commits (run.ts).
 */
import type pg from 'pg';
import { loadRawStage } from '../adapters/batch-store.js';
import type { CikCounts } from '../core/cik-tally.js';
import { DayCounter, RobotsDayPass, type DayCountSummary } from '../core/day-counts.js';
import { FindocError } from '../core/errors.js';
import { filterOf, type FilterRule, type RobotsSetting } from '../core/filter.js';
import { readSource, type FileReport, type LogSource, type ObjectStore } from '../core/log-input.js';
import { RawRowEncoder } from '../core/raw-rows.js';
import type { RejectSummary } from '../core/rejects.js';
import { dayStart, type VisitBatch } from '../core/visit.js';

/** What the main thread sends for one day (structured-clone safe). */
export interface DayJob {
  day: string;
  source: LogSource;
  filterRules: FilterRule[];
  /** The robots rule and mode when filterRules has robots. */
  robots: RobotsSetting | null;
  strict: boolean;
  maxSamples: number;
  /** Load the day's raw rows into this (new) staging table; null without --raw. */
  rawStage: string | null;
}

export interface DayJobResult {
  counts: Int32Array;
  /** Visits per CIK of the counted visits (stored in day_cik_counts). */
  ciks: CikCounts;
  summary: DayCountSummary;
  parse: { validRows: number; rejected: number; lines: number; blankLines: number; bytes: number };
  rejects: RejectSummary;
  raw: { table: string; rows: number; sanitized: number } | null;
  seconds: number;
}

export interface DayProgress {
  /** Visits (valid rows) read so far. */
  rows: number;
  /** Decompressed bytes parsed so far (approximately: whole batches). */
  bytes: number;
}

export interface DayJobEnv {
  store?: ObjectStore;
  /** A PostgreSQL connection for the raw COPY (released by the job). */
  connect?: () => Promise<pg.PoolClient>;
  signal?: AbortSignal;
  onProgress?: (p: DayProgress) => void;
  /** Minimum time between onProgress calls (default 250 ms). */
  progressMs?: number;
}

export class DayAborted extends Error {
  constructor(day: string) {
    super(`processing of ${day} was stopped`);
    this.name = 'DayAborted';
  }
}

export async function runDayJob(job: DayJob, env: DayJobEnv = {}): Promise<DayJobResult> {
  const started = performance.now();
  const filter = filterOf(job.filterRules, job.robots);
  const dayRobots = filter.needsDayPass ? await robotsDayPass(job, filter, env) : undefined;
  const counter = new DayCounter(job.day, filter, { maxSamples: job.maxSamples, dayRobots });
  const reader = readSource(job.source, { store: env.store, strict: job.strict, maxSamples: job.maxSamples });
  const progressMs = env.progressMs ?? 250;
  let report: FileReport | undefined;
  let rows = 0;
  let bytes = 0;
  let lastProgress = 0;

  async function* batches(): AsyncGenerator<VisitBatch> {
    try {
      for (;;) {
        if (env.signal?.aborted) throw new DayAborted(job.day);
        const r = await reader.next();
        if (r.done) {
          report = r.value;
          return;
        }
        const batch = r.value;
        counter.add(batch);
        rows += batch.length;
        bytes += batch.buffer.length;
        if (env.onProgress) {
          const now = performance.now();
          if (now - lastProgress >= progressMs) {
            lastProgress = now;
            env.onProgress({ rows, bytes });
          }
        }
        yield batch;
      }
    } finally {
      // Early exit (an error in the COPY, an abort): close the file or S3 stream.
      await reader.return(undefined as never).catch(() => undefined);
    }
  }

  let raw: DayJobResult['raw'] = null;
  if (job.rawStage === null) {
    for await (const _ of batches()) {
      // counted in batches()
    }
  } else {
    if (!env.connect) throw new Error('raw loading needs a PostgreSQL connection');
    const encoder = new RawRowEncoder(job.day, dayStart(job.day));
    async function* encoded(): AsyncGenerator<Buffer> {
      for await (const batch of batches()) yield encoder.encode(batch);
    }
    const client = await env.connect();
    let loaded: number;
    try {
      loaded = await loadRawStage(client, job.day, job.rawStage, encoded());
    } finally {
      client.release();
    }
    if (report && loaded !== report.visits) {
      throw new FindocError('FINDOC_INTERNAL', `${job.source.name}: COPY loaded ${loaded} raw rows but the file has ${report.visits} visits`);
    }
    raw = { table: job.rawStage, rows: loaded, sanitized: encoder.sanitized };
  }
  if (!report) throw new DayAborted(job.day);
  env.onProgress?.({ rows: report.visits, bytes: report.bytes });
  return {
    counts: counter.counts,
    ciks: counter.ciks.toCounts(),
    summary: counter.summary(),
    parse: { validRows: report.visits, rejected: report.rejected, lines: report.lines, blankLines: report.blankLines, bytes: report.bytes },
    rejects: report.rejects.toJSON(),
    raw,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * Robots day mode: a first read of the day's file through a classifier (core/day-counts.ts RobotsDayPass),
 * so that the counting read drops every visit of the day's robot IPs. Reading twice keeps memory at the
 * per-IP state; rejects are reported by the second read only.
 */
async function robotsDayPass(job: DayJob, filter: ReturnType<typeof filterOf>, env: DayJobEnv) {
  const pass = new RobotsDayPass(job.day, filter);
  const reader = readSource(job.source, { store: env.store, strict: job.strict, maxSamples: job.maxSamples });
  try {
    for (;;) {
      if (env.signal?.aborted) throw new DayAborted(job.day);
      const r = await reader.next();
      if (r.done) break;
      pass.add(r.value);
    }
  } finally {
    await reader.return(undefined as never).catch(() => undefined);
  }
  return pass.classifier;
}
