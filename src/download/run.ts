/**
 * The download stage's entry points: typed options in, a report out, the services passed in.
 *   run(options, deps)       opens the destination, the HTTP client and the shared RateLimiter, downloads
 *                            the days (downloadDays in download.ts) and closes what it opened;
 *   listDays(options, deps)  --list: the URLs to fetch, and which days the destination already holds.
 * src/commands/download.ts only turns flags into these options and prints the report.
 */
import { FolderDayStore, S3DayStore } from '../adapters/day-store.js';
import { HttpClient } from '../adapters/http.js';
import { ObjectStore } from '../adapters/s3.js';
import type { Config } from '../core/config.js';
import type { Shutdown } from '../core/shutdown.js';
import type { DayStore } from '../core/day-store.js';
import { FindocError, interrupted, usageError } from '../core/errors.js';
import { parseS3Url } from '../core/log-input.js';
import { RateLimiter } from '../core/rate-limit.js';
import { DEFAULT_RETRY } from '../core/retry.js';
import { dayUrl, storedName } from '../core/sec-urls.js';
import { formatBytes } from '../core/format.js';
import { REQUEST_WINDOW_MS, downloadDays, runVerdict, type DayOutcome, type DownloadProgress, type DownloadResult, type RunVerdict } from './download.js';

/** Where the days go: --to-s3 or --out (at most one). */
export interface DownloadTarget {
  toS3?: string;
  toDir?: string;
}

export interface DownloadOptions {
  dates: string[];
  baseUrl: string;
  target: DownloadTarget;
  gzip: boolean;
  gzipLevel: number;
  force: boolean;
  concurrency: number;
  maxRps: number;
  /** Retries per day after the first attempt. */
  retries: number;
  idleTimeoutMs: number;
  userAgent?: string;
  allowMissing: boolean;
}

export interface DownloadDeps {
  config: Pick<Config, 's3'>;
  /** Installs the Ctrl-C handlers; called once a clean stop is possible (core/shutdown.ts). */
  onShutdown: () => Shutdown;
  /** `started` is the run's start on performance.now()'s clock, for rates. */
  progress: { update(p: Readonly<DownloadProgress>, started: number): void; done(): void };
  onRetry?(date: string, attempt: number, delayMs: number, reason: string): void;
}

export interface DownloadReport {
  baseUrl: string;
  destination: string;
  gzip: boolean;
  result: DownloadResult;
  verdict: RunVerdict;
  totals: Totals;
  seconds: number;
}

export type Totals = ReturnType<typeof totalsOf>;

/** The store a target names; undefined when it names none. */
export function openDayStore(target: DownloadTarget, config: Pick<Config, 's3'>): DayStore | undefined {
  if (target.toS3 !== undefined && target.toDir !== undefined) throw usageError('use either --to-s3 or --out, not both');
  if (target.toDir !== undefined) return new FolderDayStore(target.toDir);
  if (target.toS3 === undefined) return undefined;
  const { bucket, key } = parseS3Url(target.toS3);
  return new S3DayStore(new ObjectStore(config.s3), bucket, key === '' || key.endsWith('/') ? key : key + '/');
}

export async function run(options: DownloadOptions, deps: DownloadDeps): Promise<DownloadReport> {
  const store = openDayStore(options.target, deps.config);
  if (!store) throw usageError('say where to store the days: --to-s3 s3://bucket/prefix/ or --out DIR');
  const http = new HttpClient({ maxSockets: options.concurrency });
  const shutdown = deps.onShutdown();
  const started = performance.now();
  let result: DownloadResult;
  try {
    const plan = {
      dates: options.dates,
      baseUrl: options.baseUrl,
      gzip: options.gzip,
      gzipLevel: options.gzipLevel,
      force: options.force,
      concurrency: options.concurrency,
      userAgent: options.userAgent,
      retry: { ...DEFAULT_RETRY, attempts: options.retries + 1 },
      idleTimeoutMs: options.idleTimeoutMs,
    };
    const limiter = new RateLimiter(options.maxRps, REQUEST_WINDOW_MS);
    const hooks = { onProgress: (p: Readonly<DownloadProgress>) => deps.progress.update(p, started), onRetry: deps.onRetry };
    result = await downloadDays(plan, { http, store, limiter }, hooks, shutdown.signal);
  } finally {
    deps.progress.done();
    shutdown.dispose();
    http.close();
    store.close?.();
  }
  const seconds = (performance.now() - started) / 1000;
  const verdict = runVerdict(result, options.allowMissing);
  return { baseUrl: options.baseUrl, destination: store.location, gzip: options.gzip, result, verdict, totals: totalsOf(result.days, seconds), seconds };
}

/** The --json document (its field order is part of the output). */
export function reportDocument(r: DownloadReport): Record<string, unknown> {
  return {
    ok: r.verdict.exitCode === 0,
    exitCode: r.verdict.exitCode,
    baseUrl: r.baseUrl,
    destination: r.destination,
    gzip: r.gzip,
    interrupted: r.result.interrupted,
    error: r.result.fatal?.toJSON() ?? null,
    totals: r.totals,
    days: r.result.days.map((d) => ({ ...d, seconds: round3(d.seconds) })),
  };
}

/** The error the run ends with (exit code ≠ 0), or undefined when it succeeded. */
export function failureOf(r: DownloadReport): FindocError | undefined {
  const { verdict } = r;
  if (verdict.exitCode === 130) return interrupted(verdict.message ?? 'interrupted');
  if (verdict.exitCode === 0) return undefined;
  return new FindocError(verdict.code ?? 'FINDOC_INTERNAL', verdict.message ?? 'download failed', {
    hint: r.result.fatal?.details.hint ?? verdict.hint ?? 'the table lists each day with its reason; stored days are skipped when you run again',
  });
}

export interface ListedDay {
  date: string;
  url: string;
  target: string | null;
  action: 'fetch' | 'skip';
}

export interface ListReport {
  baseUrl: string;
  destination: string | null;
  days: ListedDay[];
}

/** --list: the URLs to fetch; with a destination, which days are already stored completely. */
export async function listDays(
  options: Pick<DownloadOptions, 'dates' | 'baseUrl' | 'gzip' | 'target'>,
  deps: Pick<DownloadDeps, 'config'>,
): Promise<ListReport> {
  const { dates, baseUrl, gzip } = options;
  const store = openDayStore(options.target, deps.config);
  const days: ListedDay[] = [];
  try {
    for (const date of dates) {
      const name = storedName(date, gzip);
      const found = store && ((await store.find(name)) ?? (await store.find(storedName(date, !gzip))));
      days.push({ date, url: dayUrl(date, baseUrl), target: store ? store.target(found?.name ?? name) : null, action: found ? 'skip' : 'fetch' });
    }
  } finally {
    store?.close?.();
  }
  return { baseUrl, destination: store?.location ?? null, days };
}

/** The progress bar's line. */
export function progressLine(p: Readonly<DownloadProgress>, started: number): string {
  const done = p.stored + p.skipped + p.missing + p.failed;
  const rate = p.csvBytes / Math.max(1e-3, (performance.now() - started) / 1000);
  return (
    `days ${done}/${p.total} (${p.stored} stored, ${p.skipped} skipped, ${p.missing} missing, ${p.failed} failed, ${p.inFlight} in flight) · ` +
    `zip ${formatBytes(p.zipBytes)} · csv ${formatBytes(p.csvBytes)} (${formatBytes(rate)}/s)`
  );
}

/** The line under the table. */
export function summaryLine({ totals, seconds }: DownloadReport): string {
  return (
    `${totals.stored} stored, ${totals.skipped} skipped, ${totals.missing} missing, ${totals.failed} failed of ${totals.days} days: ` +
    `${formatBytes(totals.csvBytes)} of CSV (${formatBytes(totals.storedBytes)} stored) in ${seconds.toFixed(1)} s`
  );
}

function totalsOf(days: DayOutcome[], seconds: number) {
  const t = { days: days.length, stored: 0, skipped: 0, missing: 0, failed: 0, zipBytes: 0, csvBytes: 0, storedBytes: 0, rows: 0, seconds: round3(seconds) };
  for (const d of days) {
    t[d.status]++;
    t.zipBytes += d.zipBytes;
    if (d.status === 'stored' || d.status === 'skipped') {
      t.csvBytes += d.csvBytes;
      t.storedBytes += d.storedBytes;
      t.rows += d.rows;
    }
  }
  return t;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
