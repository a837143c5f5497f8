/** The shared request limiter (src/core/rate-limit.ts), on a virtual clock and, for the bound only, the real one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateLimiter } from '../../src/core/rate-limit.js';
import { monotonicClock, type Clock } from '../../src/core/clock.js';

/**
 * Time moves only when the one waiting caller sleeps (the limiter serves callers one at a time), so a
 * test of thousands of virtual seconds runs in milliseconds and is exact.
 */
class VirtualClock implements Clock {
  t = 0;
  sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.t += ms;
  }
}

/** The most starts found in any half-open window [t, t + windowMs). */
function maxInWindow(starts: number[], windowMs: number): number {
  const s = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i] - s[j] >= windowMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

describe('RateLimiter', () => {
  it('never lets more than N requests start in any 1-second window, whatever the concurrency', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter(10, 1000, clock);
    const starts: number[] = [];
    // 50 workers × 20 requests each, all asking at once.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let k = 0; k < 20; k++) {
          await limiter.acquire();
          starts.push(clock.now());
        }
      }),
    );
    assert.equal(starts.length, 1000);
    assert.equal(maxInWindow(starts, 1000), 10);
    // And it is not stricter than asked: 1000 starts at 10/s take 99.9 s.
    assert.equal(Math.max(...starts), 99_900);
  });

  it('spaces starts evenly: no burst at the start, none across a window boundary, none after a quiet period', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter(5, 1000, clock);
    clock.t = 900;
    const starts: number[] = [];
    for (let k = 0; k < 7; k++) {
      await limiter.acquire();
      starts.push(clock.now());
    }
    // A per-second counter would let five start at 900 ms and five more at 1000 ms.
    assert.deepEqual(starts, [900, 1100, 1300, 1500, 1700, 1900, 2100]);
    clock.t = 10_000;
    await limiter.acquire();
    assert.equal(clock.now(), 10_000, 'after a quiet period the next request goes at once');
    await limiter.acquire();
    assert.equal(clock.now(), 10_200, '… and the one after it waits its interval');
  });

  it('holds for limits that do not divide the window (no float rounding past the limit)', async () => {
    for (const [limit, windowMs] of [
      [3, 1000],
      [7, 1000],
      [10, 1100],
    ]) {
      const clock = new VirtualClock();
      const limiter = new RateLimiter(limit, windowMs, clock);
      const starts: number[] = [];
      for (let k = 0; k < 500; k++) {
        await limiter.acquire();
        starts.push(clock.now());
      }
      assert.equal(maxInWindow(starts, windowMs), limit, `${limit} per ${windowMs} ms`);
    }
  });

  it('serves callers in arrival order', async () => {
    const clock = new VirtualClock();
    const limiter = new RateLimiter(1, 1000, clock);
    const order: number[] = [];
    await Promise.all([0, 1, 2, 3, 4].map((i) => limiter.acquire().then(() => order.push(i))));
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });

  it('an aborted waiter takes no slot and does not block the ones behind it', async () => {
    const limiter = new RateLimiter(1, 60_000); // real clock: the second caller would wait a minute
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    const behind = limiter.acquire(AbortSignal.timeout(50));
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
    await assert.rejects(behind); // its own timeout, not a hang behind the aborted one
  });

  it('holds the bound on the real clock too (timers can fire early; the limiter re-checks)', async () => {
    const limiter = new RateLimiter(4, 100, monotonicClock);
    const starts: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        for (let k = 0; k < 4; k++) {
          await limiter.acquire();
          starts.push(performance.now());
        }
      }),
    );
    assert.ok(maxInWindow(starts, 100) <= 4, `more than 4 starts within 100 ms: ${starts.map((s) => s.toFixed(1)).join(' ')}`);
  });

  it('rejects a limit that is not a positive integer', () => {
    assert.throws(() => new RateLimiter(0), RangeError);
    assert.throws(() => new RateLimiter(2.5), RangeError);
    assert.throws(() => new RateLimiter(1, 0), RangeError);
  });
});
