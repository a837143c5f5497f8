/**
 * GET of the SEC's reference files (company_tickers.json, cik-lookup-data.txt) under the same fair-access
 * rules as `findoc download` (DESIGN §1), with its pieces: the User-Agent checked by checkUserAgent
 * (src/core/sec-urls.ts), at most 10 request starts per second (src/core/rate-limit.ts; a retry is a
 * request too), retries only for what src/core/retry.ts calls retryable — 408/425/429/5xx and network
 * failures — with full-jitter backoff honouring Retry-After, and the streamed GET of src/adapters/http.ts
 * (headers and idle timeouts). A 403 from sec.gov almost always means a refused User-Agent: exit 78,
 * saying so.
 *
 * The body is yielded as it arrives (cik-lookup-data.txt is tens of MB). A body cut off mid-way is not
 * retried here: part of it was already consumed; the sync then fails and writes nothing.
 */
import { FindocError, configError } from '../core/errors.js';
import { RateLimiter } from '../core/rate-limit.js';
import { monotonicClock } from '../core/clock.js';
import { DEFAULT_RETRY, backoffMs, classifyStatus, isRetryableError, parseRetryAfter, type RetryPolicy } from '../core/retry.js';
import { USER_AGENT_SETTING, isSecHost } from '../core/sec-urls.js';
import { HttpClient } from './http.js';

export interface SecFetchOptions {
  baseUrl: string;
  userAgent: string;
  retry?: RetryPolicy;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

const BASE_URL_SETTING = '--base-url';

/** Exit 69 naming the host and --base-url (the generic hint about the local stack does not apply here). */
function secUnavailable(address: string, cause: unknown): FindocError {
  const reason = cause instanceof Error ? cause.message || (cause as { code?: string }).code : cause ? String(cause) : 'no answer';
  return new FindocError('FINDOC_SERVICE_UNAVAILABLE', `the SEC file server at ${address} is unavailable (${reason})`, {
    service: 'SEC',
    address,
    setting: BASE_URL_SETTING,
    hint: 'check the network and --base-url, then run the sync again',
  }, { cause });
}

/** Fetches SEC files one after the other through one client and one 10 requests/s limiter. */
export class SecFiles {
  private readonly http = new HttpClient({ maxSockets: 1 });
  private readonly limiter = new RateLimiter(10, 1000);

  constructor(private readonly options: SecFetchOptions) {}

  /** GETs baseUrl + path and yields the body's chunks. */
  async *get(path: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
    const url = this.options.baseUrl + path;
    const address = new URL(url).host;
    const policy = this.options.retry ?? DEFAULT_RETRY;
    let lastError: unknown;
    for (let attempt = 1; attempt <= policy.attempts; attempt++) {
      await this.limiter.acquire(signal);
      let res;
      try {
        res = await this.http.get(url, {
          userAgent: this.options.userAgent,
          connectTimeoutMs: this.options.connectTimeoutMs,
          idleTimeoutMs: this.options.idleTimeoutMs,
          signal,
        });
      } catch (e) {
        signal?.throwIfAborted();
        if (!isRetryableError(e)) throw secUnavailable(address, e);
        lastError = e;
        if (attempt < policy.attempts) await monotonicClock.sleep(backoffMs(attempt, policy), signal);
        signal?.throwIfAborted();
        continue;
      }
      const verdict = classifyStatus(res.status);
      if (verdict !== 'ok') {
        res.body.destroy();
        if (verdict === 'retry' && attempt < policy.attempts) {
          lastError = new Error(`HTTP ${res.status}`);
          const after = parseRetryAfter(res.headers['retry-after'] as string | undefined);
          await monotonicClock.sleep(backoffMs(attempt, policy, after), signal);
          signal?.throwIfAborted();
          continue;
        }
        if (res.status === 403 && isSecHost(url)) {
          throw configError(
            `${url} answered 403 Forbidden: the SEC refuses requests whose User-Agent does not name the requester and a contact email`,
            USER_AGENT_SETTING,
            'set a real name and email; an address that exceeded 10 requests/s is also blocked for about 10 minutes',
          );
        }
        throw new FindocError(verdict === 'retry' ? 'FINDOC_TEMPORARY' : 'FINDOC_SERVICE_UNAVAILABLE', `GET ${url} answered HTTP ${res.status}`, {
          service: 'SEC',
          address,
          setting: BASE_URL_SETTING,
          hint: verdict === 'missing' ? 'check --base-url: the file is not at this address' : verdict === 'retry' ? 'try again later' : 'check --base-url',
        });
      }
      try {
        for await (const chunk of res.body) yield chunk as Buffer;
      } catch (e) {
        signal?.throwIfAborted();
        throw new FindocError('FINDOC_TEMPORARY', `GET ${url}: the download broke off (${(e as Error).message})`, {
          service: 'SEC',
          address,
          setting: BASE_URL_SETTING,
          hint: 'try again',
        });
      } finally {
        res.body.destroy();
      }
      return;
    }
    throw secUnavailable(address, lastError);
  }

  close(): void {
    this.http.close();
  }
}
