/**
 * What is worth retrying when fetching from the SEC, and how long to wait before the next attempt.
 *
 * Retryable (the server or the path to it may recover):
 *   HTTP 408 Request Timeout, 425 Too Early, 429 Too Many Requests, every 5xx;
 *   network errors in RETRYABLE_ERROR_CODES below: connection refused or reset (also mid-body), timeouts,
 *   temporary DNS failures, unreachable networks.
 * Not retryable:
 *   404 and 410 — the day is not published (2017-04-29 and 2017-04-30 really are absent): "missing";
 *   other 4xx — the request itself is refused (403 from sec.gov means a missing or undeclared User-Agent,
 *   or a block for exceeding the rate; hammering it only extends the block);
 *   bad data (a corrupt zip, a wrong header) — the same bytes would come again.
 *
 * Backoff: "full jitter" — attempt n (1-based, the attempt that failed) waits a uniformly random time in
 * [0, min(capMs, baseMs × 2^(n−1))), so that concurrent clients hit by the same outage spread out instead
 * of retrying in lockstep. A Retry-After header (seconds or an HTTP date) is honoured — the wait is at
 * least that long — but capped at retryAfterCapMs, so a server asking for an hour does not hang a run.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included (1 = no retry). */
  attempts: number;
  baseMs: number;
  capMs: number;
  /** Longest wait a Retry-After header can impose. */
  retryAfterCapMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseMs: 1_000, capMs: 30_000, retryAfterCapMs: 120_000 };

/** Node's and findoc's network error codes that are worth another attempt. */
export const RETRYABLE_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET', // reset by the peer, also a connection dropped mid-body ("aborted")
  'ECONNREFUSED', // nothing listening (yet): a restarting server
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT', // no response headers in time, or no body bytes for the idle timeout (src/adapters/http.ts)
  'EAI_AGAIN', // temporary DNS failure
  'ENOTFOUND', // no DNS answer: no network yet (or a misspelled host, which the retries then name)
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

export type StatusVerdict = 'ok' | 'redirect' | 'missing' | 'retry' | 'refused';

/** What an HTTP status means for a download. */
export function classifyStatus(status: number): StatusVerdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 301 || status === 302 || status === 303 || status === 307 || status === 308) return 'redirect';
  if (status === 404 || status === 410) return 'missing';
  if (status === 408 || status === 425 || status === 429 || status >= 500) return 'retry';
  return 'refused';
}

/** Whether an error thrown by a transfer is a network failure worth another attempt. */
export function isRetryableError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_ERROR_CODES.has(code);
}

/**
 * A Retry-After header value in milliseconds from `nowMs` (epoch ms): delta-seconds or an HTTP date.
 * undefined when absent or unparsable; 0 for a date in the past.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined; // "-1", "1.5": not a valid header
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * How long to wait after `attempt` (1-based) failed: full jitter, at least the capped Retry-After when
 * the server sent one. `random` returns [0, 1) (Math.random; injectable for tests).
 */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.floor(random() * ceiling);
  if (retryAfterMs === undefined) return jittered;
  return Math.max(jittered, Math.min(retryAfterMs, policy.retryAfterCapMs));
}
