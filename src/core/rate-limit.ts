/**
 * A request-rate limiter shared by every concurrent transfer of a run: the SEC blocks a client for
 * minutes when it exceeds 10 requests per second (DESIGN §1), whatever the client's concurrency.
 *
 * Contract: at most `limit` acquire() calls return within any window of `windowMs` (a sliding window, not
 * a fixed one: no burst of 2 × limit across a window boundary, as a per-second counter would allow).
 * Equivalently, the (limit + 1)-th most recent start is at least `windowMs` before the newest. The limiter
 * keeps the times of the last `limit` starts in a ring; a caller waits until the oldest of them is
 * `windowMs` old. Callers are served in arrival order (FIFO), so no day starves.
 *
 * A retry is a request like any other and goes through the same limiter.
 */

/** Time source, injectable so that unit tests run on a virtual clock. */
export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

export class RateLimiter {
  /** Times of the last `limit` starts (a ring; -Infinity until filled). */
  private readonly starts: number[];
  /** Index of the oldest start in the ring, overwritten by the next one. */
  private next = 0;
  /** The end of the queue of callers: each waits for the one before it. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly limit: number,
    readonly windowMs = 1000,
    private readonly clock: Clock = systemClock,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit must be a positive integer, got ${limit}`);
    if (!(windowMs > 0)) throw new RangeError(`rate window must be positive, got ${windowMs}`);
    this.starts = new Array<number>(limit).fill(-Infinity);
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
      const free = this.starts[this.next] + this.windowMs;
      // Re-check after every sleep: a timer may fire a little early on the monotonic clock.
      if (now >= free) {
        this.starts[this.next] = now;
        this.next = (this.next + 1) % this.limit;
        return;
      }
      await this.clock.sleep(free - now, signal);
    }
  }
}
