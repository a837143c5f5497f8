/**
 * HTTP GET of the SEC's reference files (company_tickers.json, cik-lookup-data.txt) under the fair-access
 * rules (DESIGN §1): a User-Agent on every request (src/core/user-agent.ts), at most 10 requests per second
 * from this process (the SEC blocks an address for minutes beyond that), and retries only for what is worth
 * retrying — 429, 5xx, timeouts and dropped connections — with capped exponential backoff and jitter,
 * honouring Retry-After. A 403 from the SEC almost always means a refused User-Agent: exit 78, saying so.
 *
 * The body is yielded as it arrives (cik-lookup-data.txt is tens of MB), with an idle timeout so that a
 * stalled connection fails instead of hanging.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FindocError, configError, serviceUnavailable } from '../core/errors.js';
import { USER_AGENT_SETTING, isSecHost } from '../core/user-agent.js';

export interface SecFetchOptions {
  baseUrl: string;
  userAgent: string;
  /** Attempts per file, the first included. */
  attempts?: number;
  /** Time allowed for the response headers, and between two body chunks. */
  timeoutMs?: number;
}

/** 10 requests/s: one request may start every 100 ms, process-wide. */
const MIN_INTERVAL_MS = 100;
let nextSlot = 0;

async function takeSlot(): Promise<void> {
  const now = Date.now();
  const slot = Math.max(now, nextSlot);
  nextSlot = slot + MIN_INTERVAL_MS;
  if (slot > now) await sleep(slot - now);
}

const BASE_URL_SETTING = '--base-url';

function retryable(status: number): boolean {
  return status === 429 || status >= 500;
}

function backoffMs(attempt: number, retryAfter: string | null): number {
  const after = retryAfter !== null ? Number(retryAfter) : NaN;
  if (Number.isFinite(after) && after >= 0) return Math.min(after * 1000, 60_000);
  const cap = Math.min(500 * 2 ** attempt, 10_000);
  return cap / 2 + Math.random() * (cap / 2);
}

/** GETs baseUrl + path and yields the body's chunks. */
export async function* fetchSecFile(path: string, options: SecFetchOptions, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const url = options.baseUrl.replace(/\/+$/, '') + path;
  const address = new URL(url).host;
  const attempts = options.attempts ?? 4;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    signal?.throwIfAborted();
    await takeSlot();
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      let res: Response;
      try {
        res = await fetch(url, { headers: { 'User-Agent': options.userAgent, 'Accept-Encoding': 'gzip, deflate' }, signal: controller.signal });
      } catch (e) {
        signal?.throwIfAborted();
        // undici's "fetch failed" carries the reason (ECONNREFUSED, …) as its cause.
        lastError = controller.signal.reason ?? (e as { cause?: unknown }).cause ?? e;
        if (attempt + 1 < attempts) await sleep(backoffMs(attempt, null), undefined, { signal });
        continue;
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => undefined);
        if (res.status === 403 && isSecHost(options.baseUrl)) {
          throw configError(
            `${url} answered 403 Forbidden: the SEC refuses requests whose User-Agent does not name the requester and a contact email`,
            USER_AGENT_SETTING,
            'set a real name and email; after too many requests the SEC also blocks an address for about 10 minutes',
          );
        }
        if (retryable(res.status) && attempt + 1 < attempts) {
          lastError = new Error(`HTTP ${res.status}`);
          await sleep(backoffMs(attempt, res.headers.get('retry-after')), undefined, { signal });
          continue;
        }
        throw new FindocError(
          res.status === 404 ? 'FINDOC_SERVICE_UNAVAILABLE' : retryable(res.status) ? 'FINDOC_TEMPORARY' : 'FINDOC_SERVICE_UNAVAILABLE',
          `GET ${url} answered HTTP ${res.status}`,
          { service: 'SEC', address, setting: BASE_URL_SETTING, hint: res.status === 404 ? 'check --base-url: the file is not at this address' : 'try again later' },
        );
      }
      if (!res.body) return;
      // From here on, the timer is an idle timer: re-armed at each chunk.
      const reader = res.body.getReader();
      try {
        for (;;) {
          clearTimeout(timer);
          timer = setTimeout(() => controller.abort(new Error(`body stalled for ${timeoutMs} ms`)), timeoutMs);
          const { done, value } = await reader.read();
          if (done) return;
          yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
        }
      } catch (e) {
        signal?.throwIfAborted();
        // A body cut mid-way cannot be resumed by a generator that already yielded part of it.
        throw new FindocError('FINDOC_TEMPORARY', `GET ${url}: the download broke off (${(controller.signal.reason as Error)?.message ?? (e as Error).message})`, {
          service: 'SEC',
          address,
          setting: BASE_URL_SETTING,
          hint: 'try again',
        });
      } finally {
        // Also when the consumer stops early: do not leave the connection streaming.
        await reader.cancel().catch(() => undefined);
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
  throw serviceUnavailable('SEC', address, BASE_URL_SETTING, lastError);
}
