import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monotonicClock, systemClock } from '../../src/core/clock.js';

describe('Clock (src/core/clock.ts)', () => {
  it('systemClock is the wall clock in ms since the epoch; monotonicClock is performance.now()', () => {
    const wall = systemClock.now();
    assert.ok(Math.abs(wall - Date.now()) < 1000, `${wall}`);
    const mono = monotonicClock.now();
    assert.ok(Math.abs(mono - performance.now()) < 1000 && mono < 1e12, `${mono}`);
  });

  for (const [name, clock] of [['systemClock', systemClock], ['monotonicClock', monotonicClock]] as const) {
    it(`${name}.sleep waits about ms, returns at once for ms ≤ 0, and resolves early (no error) on abort`, async () => {
      let t = performance.now();
      await clock.sleep(60);
      assert.ok(performance.now() - t >= 55, 'slept at least the time asked');
      t = performance.now();
      await clock.sleep(-5);
      assert.ok(performance.now() - t < 30);
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('stop')), 20);
      t = performance.now();
      await clock.sleep(10_000, ac.signal); // must resolve, not reject
      assert.ok(performance.now() - t < 2000, 'woke on abort');
      assert.equal(ac.signal.aborted, true);
      t = performance.now();
      await clock.sleep(10_000, ac.signal); // already aborted: at once
      assert.ok(performance.now() - t < 30);
    });
  }
});
