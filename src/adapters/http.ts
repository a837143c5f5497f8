/**
 * HTTP adapter: a streamed GET whose body is a Node Readable, with the User-Agent the SEC requires and
 * two timeouts.
 *
 * Why node:http(s) rather than the global fetch: the body of an IncomingMessage is already a Node
 * Readable (fetch gives a web ReadableStream that must be converted chunk by chunk, costing throughput on
 * 250 MB days), an idle timeout is one socket timeout (fetch in Node 20 has only a whole-request abort
 * unless the separate undici package is installed to configure its dispatcher), and keep-alive agents
 * with a socket bound are plain options. No dependency either way.
 *
 * Timeouts:
 *   - connectTimeoutMs: from the request until the response headers (DNS, connect, TLS, server think time);
 *   - idleTimeoutMs: the longest silence on the socket while waiting or reading the body (a stalled
 *     server). A slow but moving body never times out: a 250 MB day may take minutes.
 * Both fail with code ETIMEDOUT (retryable, src/core/retry.ts). A connection dropped mid-body makes the
 * body stream error with ECONNRESET; a body shorter than its Content-Length is such an error too.
 *
 * Redirects are not followed here: the caller decides, so that every request passes its rate limiter.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body; the caller must consume or destroy it. */
  body: Readable;
}

export interface HttpGetOptions {
  userAgent?: string;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpClientOptions {
  /** Sockets per host (the run's concurrency); keep-alive spares a TLS handshake per day. */
  maxSockets?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { code: 'ETIMEDOUT' });
}

export class HttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(options: HttpClientOptions = {}) {
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 4 };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /** GET `url`; resolves with the response (any status) once its headers arrive. */
  get(url: string, options: HttpGetOptions = {}): Promise<HttpResponse> {
    const target = new URL(url);
    const secure = target.protocol === 'https:';
    const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    const headers: Record<string, string> = { accept: '*/*' };
    if (options.userAgent) headers['user-agent'] = options.userAgent;
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request(target, {
        method: 'GET',
        agent: secure ? this.httpsAgent : this.httpAgent,
        headers,
        signal: options.signal,
      });
      const headersTimer = setTimeout(
        () => req.destroy(timeoutError(`no response from ${target.host} within ${connectTimeoutMs / 1000} s`)),
        connectTimeoutMs,
      );
      req.setTimeout(idleTimeoutMs, () => req.destroy(timeoutError(`no data from ${target.host} for ${idleTimeoutMs / 1000} s`)));
      req.on('response', (res) => {
        clearTimeout(headersTimer);
        // From here on errors reach the caller through the body stream.
        res.setTimeout(idleTimeoutMs, () => res.destroy(timeoutError(`${target.host} stalled: no data for ${idleTimeoutMs / 1000} s`)));
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
      });
      req.on('error', (e) => {
        clearTimeout(headersTimer);
        reject(e); // no-op once resolved
      });
      req.end();
    });
  }

  /** Closes the kept-alive sockets. */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
