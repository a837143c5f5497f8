/**
 * The one time source of findoc's timed loops (replay's pacing, the SEC request limiter, download's
 * retries), injectable so that unit tests run on a virtual clock, exactly and in milliseconds.
 *
 * Two instances, one interface:
 *   systemClock     wall clock, ms since the epoch: replay stamps visits with it.
 *   monotonicClock  performance.now(): spacing requests and measuring elapsed time, where a step of the
 *                   wall clock (NTP, a suspended laptop) must not shorten an interval. The SEC blocks a
 *                   client that exceeds 10 requests/s, so the limiter must never see time jump forward.
 */
export interface Clock {
  /** Milliseconds; only differences matter except for systemClock, whose origin is the epoch. */
  now(): number;
  /**
   * Resolves after `ms` (at once when ms ≤ 0), or early, without error, when the signal aborts: the
   * caller checks `signal.aborted` afterwards and stops in its own way (some report "interrupted",
   * some rethrow the signal's reason).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

export const monotonicClock: Clock = { now: () => performance.now(), sleep };
