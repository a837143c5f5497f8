/**
 * findoc download, the pipeline's entry point: each requested day's zip is fetched from the SEC (or a
 * --base-url mirror), unzipped, checked and stored — gzip-compressed by default — in S3 or a folder,
 * streaming end to end (a 2017 day is ~250 MB zipped, 2–2.6 GB of CSV; no stage holds more than a few
 * chunks of it).
 *
 *   HTTP body ─▶ unzipFirstCsv (CRC-checked, README.txt skipped) ─▶ checkEdgarCsv (header, rows, SHA-256)
 *             ─▶ gzipParallel (blocks on the thread pool) ─▶ DayStore.write (S3 multipart upload, or temp
 *                file + rename)
 *
 * Per-day outcomes
 * ----------------
 *   stored   the day is now stored completely, with its completeness record (DayRecord);
 *   skipped  a complete record was already there (not mere existence: the stores verify the stored size
 *            against the record; --force downloads again);
 *   missing  the server answered 404/410: the SEC has not published that day;
 *   failed   with a reason and a failure kind (FailureKind below). Nothing is stored for a failed day.
 * One day's failure never stops the others, except a failing destination: when S3 or the folder cannot be
 * written, fetching more from the SEC would only waste its bandwidth and ours, so the run stops.
 *
 * Retries (src/core/retry.ts) restart a day from its first byte: the zip is a single deflate stream read
 * front to back, so there is no resuming in the middle. Every request, retries and redirects included,
 * first takes a slot from the shared RateLimiter.
 */
import { createHash } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Readable } from 'node:stream';
import { FindocError, badInput, isFindocError, type ErrorCode } from '../core/errors.js';
import { gzipParallel } from '../core/gzip.js';
import { unzipFirstCsv } from '../core/log-input.js';
import type { RateLimiter } from '../core/rate-limit.js';
import { monotonicClock, type Clock } from '../core/clock.js';
import { hostPort } from '../core/redact.js';
import { backoffMs, classifyStatus, isRetryableError, parseRetryAfter, type RetryPolicy } from '../core/retry.js';
import { isConnectFailure } from '../core/service-errors.js';
import { dayUrl, storedName } from '../core/sec-urls.js';
import { EDGAR_HEADER } from '../core/visit.js';
import type { DayRecord, DayStore } from '../core/day-store.js';

export type { DayRecord, DayStore } from '../core/day-store.js';

// ───────────────────────────── contracts with the adapters ─────────────────────────────

export interface HttpGetResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Readable;
}

/** src/adapters/http.ts HttpClient implements it. */
export interface HttpGetter {
  get(
    url: string,
    options: { userAgent?: string; connectTimeoutMs?: number; idleTimeoutMs?: number; signal?: AbortSignal },
  ): Promise<HttpGetResponse>;
}

// ───────────────────────────── the CSV check ─────────────────────────────

/** What checkEdgarCsv measured, complete once its generator has finished. */
export interface CsvStats {
  bytes: number;
  rows: number;
  sha256: string;
}

/** A header line longer than this is not the EDGAR header (which is 93 bytes). */
const MAX_HEADER_BYTES = 64 * 1024;
const LF = 0x0a;
const HEADER = Buffer.from(EDGAR_HEADER);

/**
 * Passes CSV bytes through unchanged after checking that the first line is the EDGAR header (a CRLF line
 * end tolerated); counts rows (line ends after the header, plus a last line without one) and hashes the
 * bytes. Nothing is yielded before the header is checked, so a wrong file fails before any byte is stored.
 * Throws FINDOC_BAD_INPUT naming `name`.
 */
export async function* checkEdgarCsv(input: AsyncIterable<Buffer>, name: string, stats: CsvStats): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let lineEnds = 0;
  let last = -1;
  let head: Buffer[] | null = [];
  let headBytes = 0;
  const pass = (chunk: Buffer): Buffer => {
    hash.update(chunk);
    stats.bytes += chunk.length;
    for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) lineEnds++;
    last = chunk[chunk.length - 1];
    return chunk;
  };
  for await (const chunk of input) {
    if (chunk.length === 0) continue;
    if (head === null) {
      yield pass(chunk);
      continue;
    }
    head.push(chunk);
    headBytes += chunk.length;
    const held: Buffer = head.length === 1 ? chunk : Buffer.concat(head);
    const lf = held.indexOf(LF);
    if (lf === -1) {
      if (headBytes > MAX_HEADER_BYTES) throw wrongHeader(name, held);
      head = [held];
      continue;
    }
    checkHeader(held.subarray(0, lf), name);
    head = null;
    yield pass(held);
  }
  if (head !== null) {
    // No line end at all: the whole file is one line, which must be the header (a day without rows).
    const held = Buffer.concat(head);
    if (held.length === 0) throw badInput(`${name}: the CSV is empty`, 'an EDGAR log starts with its header line');
    checkHeader(held, name);
    yield pass(held);
  }
  stats.rows = Math.max(0, lineEnds - 1) + (last !== LF && last !== -1 && lineEnds > 0 ? 1 : 0);
  stats.sha256 = hash.digest('hex');
}

function checkHeader(line: Buffer, name: string): void {
  const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
  if (!line.subarray(0, end).equals(HEADER)) throw wrongHeader(name, line);
}

function wrongHeader(name: string, start: Buffer): FindocError {
  const shown = start.subarray(0, 120).toString('latin1').replace(/[^\x20-\x7e]/g, '?');
  return badInput(`${name}: not an EDGAR log: its first line is "${shown}"${start.length > 120 ? '…' : ''}`, `expected the header ${EDGAR_HEADER}`);
}

// ───────────────────────────── outcomes ─────────────────────────────

export type DayStatus = 'stored' | 'skipped' | 'missing' | 'failed';

/**
 * Why a day failed, which decides the exit code (exitCodeFor):
 *   bad-data      corrupt or truncated zip, no CSV member, not the EDGAR header (65)
 *   refused       an HTTP status that is neither success, missing nor retryable, e.g. 403 (69)
 *   unreachable   the host could not be reached after every attempt: no DNS answer, refused, no route (69)
 *   temporary     other network errors, timeouts, 429/5xx still failing after every attempt (75)
 *   destination   S3 or the folder failed; the run stopped (the destination error's own code)
 *   interrupted   Ctrl-C (130)
 *   internal      a bug (70)
 */
export type FailureKind = 'bad-data' | 'refused' | 'unreachable' | 'temporary' | 'destination' | 'interrupted' | 'internal';

export interface DayOutcome {
  date: string;
  url: string;
  status: DayStatus;
  /** Where the day is (stored, skipped) or would have gone. */
  target: string;
  /** Zip bytes received in the last attempt. */
  zipBytes: number;
  csvBytes: number;
  storedBytes: number;
  rows: number;
  sha256?: string;
  seconds: number;
  /** HTTP attempts made (0 for a skipped day). */
  attempts: number;
  /** Why it failed or is missing. */
  reason?: string;
  failure?: FailureKind;
}

export interface DownloadPlan {
  dates: readonly string[];
  /** Normalised base URL (sec-urls.ts parseBaseUrl), or SEC_BASE_URL. */
  baseUrl: string;
  gzip: boolean;
  /** zlib level 1–9 for gzip. */
  gzipLevel: number;
  force: boolean;
  /** Days transferred at once. */
  concurrency: number;
  userAgent?: string;
  retry: RetryPolicy;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

/** Live counters for a progress display; the object is updated in place. */
export interface DownloadProgress {
  total: number;
  stored: number;
  skipped: number;
  missing: number;
  failed: number;
  inFlight: number;
  zipBytes: number;
  csvBytes: number;
}

export interface DownloadHooks {
  /** Called after every chunk and day; read the counters, do not keep a reference to render later. */
  onProgress?(progress: Readonly<DownloadProgress>): void;
  onDayEnd?(outcome: DayOutcome): void;
  onRetry?(date: string, attempt: number, delayMs: number, reason: string): void;
}

export interface DownloadDeps {
  http: HttpGetter;
  store: DayStore;
  limiter: RateLimiter;
  clock?: Clock;
  random?: () => number;
}

export interface DownloadResult {
  /** One outcome per requested day, in the order asked. */
  days: DayOutcome[];
  interrupted: boolean;
  /** The destination error that stopped the run, if any. */
  fatal?: FindocError;
}

/**
 * The window of the run's RateLimiter. The limiter counts starts on our clock, the server arrivals on its
 * own: connection setup and scheduling delays can bring two starts a second apart closer together on
 * arrival, so the window is 10% longer than a second and the server never sees more than the limit in
 * any second of its own (at 10 per window: ≈ 9.1 requests/s sustained).
 */
export const REQUEST_WINDOW_MS = 1100;

/** At most this many redirects per request chain; each one is a request through the limiter. */
const MAX_REDIRECTS = 5;
/** Bytes buffered before the store, so that unzipping and gzip run ahead while a part is uploaded. */
const STAGE_BUFFER_BYTES = 1 << 20;

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    readonly statusText: string,
    readonly retryAfterMs?: number,
  ) {
    super(`HTTP ${status}${statusText ? ' ' + statusText : ''} from ${url}`);
  }
}

/** The store failed: the run stops. */
class DestinationError extends Error {
  constructor(readonly error: FindocError) {
    super(error.message, { cause: error });
  }
}

// ───────────────────────────── the run ─────────────────────────────

/**
 * Prepares the store (bucket, folder), then downloads the planned days, `plan.concurrency` at a time, and
 * returns one outcome per day. Never throws for a day's failure; the first abort of `signal` stops the run
 * (in-flight days are abandoned, nothing partial is left), and the result says interrupted. A store that
 * cannot be prepared or written stops the run: result.fatal.
 */
export async function downloadDays(
  plan: DownloadPlan,
  deps: DownloadDeps,
  hooks: DownloadHooks = {},
  signal?: AbortSignal,
): Promise<DownloadResult> {
  const stop = new AbortController();
  const runSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  // Every in-flight request and backoff sleep listens to it: one per transfer, beyond Node's default 10.
  setMaxListeners(4 * plan.concurrency + 16, runSignal);
  const progress: DownloadProgress = { total: plan.dates.length, stored: 0, skipped: 0, missing: 0, failed: 0, inFlight: 0, zipBytes: 0, csvBytes: 0 };
  const days: (DayOutcome | undefined)[] = new Array(plan.dates.length);
  let fatal: FindocError | undefined;
  let next = 0;
  try {
    await deps.store.prepare();
  } catch (e) {
    fatal = asFindocError(e, 'FINDOC_INTERNAL');
    stop.abort(fatal);
  }

  const worker = async () => {
    while (!runSignal.aborted && next < plan.dates.length) {
      const i = next++;
      progress.inFlight++;
      try {
        days[i] = await downloadDay(plan.dates[i], plan, deps, hooks, progress, runSignal);
      } catch (e) {
        if (!(e instanceof DestinationError)) throw e;
        fatal ??= e.error;
        stop.abort(e);
        days[i] = failedOutcome(plan, plan.dates[i], deps.store, 'destination', e.error.message, 0);
      } finally {
        progress.inFlight--;
      }
      const outcome = days[i] as DayOutcome;
      if (fatal && outcome.failure === 'interrupted' && !signal?.aborted) {
        days[i] = { ...outcome, failure: 'destination', reason: `stopped: ${fatal.message}` };
      }
      count(progress, days[i] as DayOutcome);
      hooks.onDayEnd?.(days[i] as DayOutcome);
      hooks.onProgress?.(progress);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(plan.concurrency, plan.dates.length)) }, worker));

  const interrupted = signal?.aborted === true;
  const result = plan.dates.map(
    (date, i) =>
      days[i] ??
      failedOutcome(plan, date, deps.store, fatal ? 'destination' : 'interrupted', fatal ? `not attempted: ${fatal.message}` : 'not attempted (interrupted)', 0),
  );
  return { days: result, interrupted, fatal };
}

function count(progress: DownloadProgress, outcome: DayOutcome): void {
  progress[outcome.status]++;
}

function failedOutcome(plan: DownloadPlan, date: string, store: DayStore, failure: FailureKind, reason: string, seconds: number, attempts = 0): DayOutcome {
  return {
    date,
    url: dayUrl(date, plan.baseUrl),
    status: 'failed',
    target: store.target(storedName(date, plan.gzip)),
    zipBytes: 0,
    csvBytes: 0,
    storedBytes: 0,
    rows: 0,
    seconds,
    attempts,
    reason,
    failure,
  };
}

/** One day, start to end. Throws only DestinationError. */
async function downloadDay(
  date: string,
  plan: DownloadPlan,
  deps: DownloadDeps,
  hooks: DownloadHooks,
  progress: DownloadProgress,
  signal: AbortSignal,
): Promise<DayOutcome> {
  const clock = deps.clock ?? monotonicClock;
  const started = clock.now();
  const seconds = () => (clock.now() - started) / 1000;
  const url = dayUrl(date, plan.baseUrl);
  const name = storedName(date, plan.gzip);
  const otherName = storedName(date, !plan.gzip);
  const { store } = deps;
  const base = { date, url, target: store.target(name), zipBytes: 0, csvBytes: 0, storedBytes: 0, rows: 0 };

  if (!plan.force) {
    // The day in the other format counts too: two copies of a day under one prefix would be read twice.
    const found = (await destination(() => store.find(name))) ?? (await destination(() => store.find(otherName)));
    if (found) return skippedOutcome(base, store, found, seconds());
  }

  const attempt = { zipBytes: 0 };
  for (let n = 1; ; n++) {
    try {
      attempt.zipBytes = 0;
      const record = await transferDay(date, url, name, plan, deps, progress, hooks, attempt, signal);
      await destination(() => store.remove(otherName));
      return {
        ...base,
        status: 'stored',
        zipBytes: attempt.zipBytes,
        csvBytes: record.csvBytes,
        storedBytes: record.storedBytes,
        rows: record.rows,
        sha256: record.sha256,
        seconds: seconds(),
        attempts: n,
      };
    } catch (e) {
      if (e instanceof DestinationError) throw e;
      const failed = (failure: FailureKind, reason: string): DayOutcome => ({
        ...base,
        status: 'failed',
        zipBytes: attempt.zipBytes,
        seconds: seconds(),
        attempts: n,
        reason,
        failure,
      });
      if (signal.aborted) return failed('interrupted', 'interrupted');
      const final = finalOutcome(e, plan, failed);
      if (final === 'missing') return { ...base, status: 'missing', seconds: seconds(), attempts: n, reason: `not published (HTTP ${(e as HttpStatusError).status})` };
      if (final) return final;
      const reason = e instanceof HttpStatusError ? `HTTP ${e.status}${e.statusText ? ' ' + e.statusText : ''}` : networkReason(e);
      if (n >= plan.retry.attempts) return failed(isConnectFailure(e) ? 'unreachable' : 'temporary', `${reason} (${n} attempt${n === 1 ? '' : 's'})`);
      const delay = backoffMs(n, plan.retry, e instanceof HttpStatusError ? e.retryAfterMs : undefined, deps.random);
      hooks.onRetry?.(date, n, delay, reason);
      await clock.sleep(delay, signal);
      if (signal?.aborted) return failed('interrupted', 'interrupted');
    }
  }
}

type OutcomeBase = Pick<DayOutcome, 'date' | 'url' | 'target' | 'zipBytes' | 'csvBytes' | 'storedBytes' | 'rows'>;

function skippedOutcome(base: OutcomeBase, store: DayStore, found: DayRecord, seconds: number): DayOutcome {
  return {
    ...base,
    status: 'skipped',
    target: store.target(found.name),
    csvBytes: found.csvBytes,
    storedBytes: found.storedBytes,
    rows: found.rows,
    sha256: found.sha256,
    seconds,
    attempts: 0,
  };
}

/**
 * What an attempt's error ends the day with: 'missing' (404/410), a failed outcome that no retry can
 * change (refused, bad data, internal), or undefined when the error is worth retrying.
 */
function finalOutcome(e: unknown, plan: DownloadPlan, failed: (failure: FailureKind, reason: string) => DayOutcome): DayOutcome | 'missing' | undefined {
  if (e instanceof HttpStatusError) {
    const verdict = classifyStatus(e.status);
    if (verdict === 'missing') return 'missing';
    if (verdict !== 'retry') return failed('refused', refusedReason(e, plan));
  } else if (!isRetryableError(e)) {
    if (isFindocError(e) && e.code === 'FINDOC_BAD_INPUT') return failed('bad-data', e.message);
    return failed('internal', `internal error: ${(e as Error)?.message ?? String(e)}`);
  }
  return undefined;
}

/** Runs a store operation; its failures stop the run. */
async function destination<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw new DestinationError(asFindocError(e, 'FINDOC_INTERNAL'));
  }
}

function asFindocError(e: unknown, code: ErrorCode): FindocError {
  return isFindocError(e) ? e : new FindocError(code, (e as Error)?.message ?? String(e), {}, { cause: e });
}

function refusedReason(e: HttpStatusError, plan: DownloadPlan): string {
  const text = `refused: HTTP ${e.status}${e.statusText ? ' ' + e.statusText : ''}`;
  if (e.status === 403 && /(^|\.)sec\.gov$/i.test(new URL(e.url).hostname)) {
    return `${text} (the SEC refuses undeclared tools and clients over 10 requests/s; check the User-Agent "${plan.userAgent ?? ''}" and wait ~10 minutes)`;
  }
  return text;
}

function networkReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code && !err.message.includes(err.code) ? `${err.message} (${err.code})` : err.message;
}

/** One attempt: request (following redirects), stream, store. */
async function transferDay(
  date: string,
  url: string,
  name: string,
  plan: DownloadPlan,
  deps: DownloadDeps,
  progress: DownloadProgress,
  hooks: DownloadHooks,
  attempt: { zipBytes: number },
  signal: AbortSignal,
): Promise<DayRecord> {
  const response = await request(url, plan, deps, signal);
  const zipName = `log${date.replaceAll('-', '')}.zip`;
  const stats: CsvStats = { bytes: 0, rows: 0, sha256: '' };
  // The source's own error, told apart from the store's: the S3 adapter reports any failure of an upload,
  // its body's included, as an S3 error.
  let sourceError: unknown;
  async function* zipBytes(): AsyncGenerator<Buffer> {
    for await (const chunk of response.body) {
      attempt.zipBytes += (chunk as Buffer).length;
      progress.zipBytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  async function* csvBytes(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of checkEdgarCsv(unzipFirstCsv(zipBytes(), zipName), zipName, stats)) {
        progress.csvBytes += chunk.length;
        hooks.onProgress?.(progress);
        yield chunk;
      }
    } catch (e) {
      sourceError = e;
      throw e;
    }
  }
  const body = Readable.from(plan.gzip ? gzipParallel(csvBytes(), { level: plan.gzipLevel }) : csvBytes(), {
    objectMode: false,
    highWaterMark: STAGE_BUFFER_BYTES,
  });
  try {
    return await deps.store.write(name, body, (storedBytes) => ({
      name,
      date,
      sourceUrl: url,
      gzip: plan.gzip,
      csvBytes: stats.bytes,
      storedBytes,
      rows: stats.rows,
      sha256: stats.sha256,
      downloadedAt: new Date().toISOString(),
    }));
  } catch (e) {
    if (sourceError !== undefined) throw sourceError;
    if (signal.aborted) throw signal.reason;
    throw new DestinationError(asFindocError(e, 'FINDOC_INTERNAL'));
  } finally {
    body.destroy();
    response.body.destroy();
  }
}

/** GET through the limiter, following redirects; resolves with a 2xx response or throws HttpStatusError. */
async function request(url: string, plan: DownloadPlan, deps: DownloadDeps, signal: AbortSignal): Promise<HttpGetResponse> {
  let current = url;
  for (let redirects = 0; ; redirects++) {
    await deps.limiter.acquire(signal);
    const response = await deps.http.get(current, {
      userAgent: plan.userAgent,
      connectTimeoutMs: plan.connectTimeoutMs,
      idleTimeoutMs: plan.idleTimeoutMs,
      signal,
    });
    const verdict = classifyStatus(response.status);
    if (verdict === 'ok') return response;
    response.body.resume(); // drain a small error page so that the socket can be reused
    const location = header(response.headers, 'location');
    if (verdict === 'redirect' && location && redirects < MAX_REDIRECTS) {
      current = new URL(location, current).href;
      continue;
    }
    const retryAfter = parseRetryAfter(header(response.headers, 'retry-after'));
    throw new HttpStatusError(response.status, current, STATUS_TEXT[response.status] ?? '', retryAfter);
  }
}

function header(headers: HttpGetResponse['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  410: 'Gone',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

// ───────────────────────────── exit code ─────────────────────────────

export interface RunVerdict {
  /** 0 when every day is stored or skipped (or missing, with allowMissing). */
  exitCode: number;
  /** One line for stderr when exitCode ≠ 0. */
  message?: string;
  code?: ErrorCode;
  hint?: string;
}

/**
 * The exit code of a run (documented in docs/pipeline.md), most urgent first:
 *   130 interrupted — run the same command again to resume;
 *   the destination's error code (69 unreachable, 75, 78) when the store failed and the run stopped;
 *   69 a day refused by the server (e.g. 403), or the server not reached after every attempt;
 *   70 an internal error;
 *   65 bad data (corrupt zip, wrong header), or a day missing (404) without allowMissing;
 *   75 only temporary failures (network, 429/5xx after every retry) — running again resumes;
 *   0 otherwise.
 */
export function runVerdict(result: DownloadResult, allowMissing: boolean): RunVerdict {
  const failed = result.days.filter((d) => d.status === 'failed');
  const missing = result.days.filter((d) => d.status === 'missing');
  const kinds = new Set(failed.map((d) => d.failure));
  const counts = (): string => {
    const parts: string[] = [];
    if (failed.length) parts.push(`${failed.length} failed`);
    if (missing.length && !allowMissing) parts.push(`${missing.length} missing (not published)`);
    return `${parts.join(', ')} of ${result.days.length} day${result.days.length === 1 ? '' : 's'}`;
  };
  if (result.interrupted) return { exitCode: 130, message: `interrupted: ${counts()}; run the same command again to resume` };
  if (result.fatal) return { exitCode: result.fatal.exitCode, code: result.fatal.code, message: `stopped: ${result.fatal.message}` };
  const verdict = (code: ErrorCode, exitCode: number): RunVerdict => ({ exitCode, code, message: counts() });
  if (kinds.has('unreachable')) {
    const first = failed.find((d) => d.failure === 'unreachable')!;
    return { exitCode: 69, code: 'FINDOC_SERVICE_UNAVAILABLE', message: `${counts()}: ${hostPort(first.url)} could not be reached (${first.reason})`, hint: 'check the network (or --base-url); stored days are skipped when you run again' };
  }
  if (kinds.has('refused')) return verdict('FINDOC_SERVICE_UNAVAILABLE', 69);
  if (kinds.has('internal')) return verdict('FINDOC_INTERNAL', 70);
  if (kinds.has('bad-data') || (missing.length > 0 && !allowMissing)) return verdict('FINDOC_BAD_INPUT', 65);
  if (kinds.size > 0) return verdict('FINDOC_TEMPORARY', 75);
  return { exitCode: 0 };
}
