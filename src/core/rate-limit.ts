/**
 * A request-rate limiter shared by every concurrent transfer of a run: the SEC blocks a client for
 * minutes when it exceeds 10 requests per second (DESIGN §1), whatever the client's concurrency.
 *
 * Contract: at most `limit` acquire() calls return within any window of `windowMs` — any window, sliding,
 * not per calendar second (a per-second counter allows 2 × limit across a boundary).
 *
 * How: starts are spaced at least windowMs / limit apart (a token bucket holding one token; GCRA with no
 * burst). limit + 1 starts then span at least windowMs, which is the contract. A bucket of `limit` tokens
 * would also meet it on our clock, but what counts is the server's clock: a burst of ten connects at once
 * reaches the server spread over tens of milliseconds, then the next burst comes exactly one window after
 * the first start, and the server sees eleven within its second (measured here with a local server).
 * Evenly spaced starts keep every arrival a full interval from the previous one. Downloads lose nothing:
 * each request is a whole day, seconds to minutes long. Callers are served in arrival order (FIFO), so no
 * day starves; a retry is a request like any other and goes through the same limiter.
 */
import { monotonicClock, type Clock } from './clock.js';

export class RateLimiter {
  /** Least time between two starts. */
  readonly intervalMs: number;
  /** Earliest time the next start may happen. */
  private nextStart = -Infinity;
  /** The end of the queue of callers: each waits for the one before it. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly clock: Clock = monotonicClock,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a positive integer, got ${limit}`);
    if (!(windowMs > 0)) throw new RangeError(`rate window must be positive, got ${windowMs}`);
    // Rounded up to the microsecond, so that float rounding never makes limit intervals shorter than a window.
    this.intervalMs = Math.ceil((windowMs / limit) * 1000) / 1000;
  }

  /** Resolves when a request may start now; rejects (taking no slot) when the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<void> {
    const turn = this.tail.then(() => this.take(signal));
    this.tail = turn.catch(() => {});
    return turn;
  }

  private async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now();
      // Re-check after every sleep: a timer may fire a little early on the monotonic clock.
      if (now >= this.nextStart) {
        this.nextStart = now + this.intervalMs;
        return;
      }
      await this.clock.sleep(this.nextStart - now, signal); // returns early on abort: the loop's first line throws
    }
  }
}
