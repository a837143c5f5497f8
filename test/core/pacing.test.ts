import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pacer, StartAt } from '../../src/replay/pacing.js';
import type { Clock } from '../../src/core/clock.js';
import { parseTimeOfDay } from '../../src/core/time-of-day.js';
import { dayStart } from '../../src/core/visit.js';

const DAY0 = dayStart('2017-06-30');
const START = Date.UTC(2026, 10, 28, 12, 0, 0, 700); // wall clock at replay start: 12:00:00.700
const ANCHOR = START; // stamps are anchored on the start instant

function stamps(p: Pacer, originals: number[], now = START): number[] {
  return originals.map((o) => p.next(o, now).stampMs);
}

describe('Pacer --speed', () => {
  it('re-stamps the first visit with the instant the replay starts (its wall-clock second), keeping bursts together', () => {
    const p = new Pacer({ mode: 'speed', factor: 1 }, START);
    const s = stamps(p, [DAY0 + 10, DAY0 + 10, DAY0 + 10, DAY0 + 11, DAY0 + 14]);
    assert.deepEqual(s, [ANCHOR, ANCHOR, ANCHOR, ANCHOR + 1000, ANCHOR + 4000]);
  });

  it('the due time is the stamp, so events are sent when they "happen"', () => {
    const p = new Pacer({ mode: 'speed', factor: 1 }, START);
    for (const o of [DAY0, DAY0 + 5, DAY0 + 9]) {
      const slot = p.next(o, START);
      assert.equal(slot.dueMs, slot.stampMs);
    }
  });

  it('divides the original gaps by N (sub-second stamps when N > 1, longer when N < 1)', () => {
    assert.deepEqual(stamps(new Pacer({ mode: 'speed', factor: 10 }, START), [DAY0, DAY0 + 1, DAY0 + 3, DAY0 + 3]), [
      ANCHOR,
      ANCHOR + 100,
      ANCHOR + 300,
      ANCHOR + 300,
    ]);
    assert.deepEqual(stamps(new Pacer({ mode: 'speed', factor: 3 }, START), [DAY0, DAY0 + 1]), [ANCHOR, ANCHOR + 333]);
    assert.deepEqual(stamps(new Pacer({ mode: 'speed', factor: 0.5 }, START), [DAY0, DAY0 + 1]), [ANCHOR, ANCHOR + 2000]);
  });

  it('a row earlier than the one before it keeps the time of the one before (time never runs backwards)', () => {
    const p = new Pacer({ mode: 'speed', factor: 1 }, START);
    assert.deepEqual(stamps(p, [DAY0 + 5, DAY0 + 7, DAY0 + 6, DAY0 + 8]), [ANCHOR, ANCHOR + 2000, ANCHOR + 2000, ANCHOR + 3000]);
  });

  it('joins consecutive days with their natural gap', () => {
    const p = new Pacer({ mode: 'speed', factor: 1 }, START);
    p.next(DAY0 + 86_390, START); // 23:59:50
    p.seamBefore('file');
    assert.equal(p.next(DAY0 + 86_400 + 2, START).stampMs, ANCHOR + 12_000); // next day 00:00:02: 12 s later
  });

  it('continues one second after the last visit across a missing day or files out of order', () => {
    const missing = new Pacer({ mode: 'speed', factor: 1 }, START);
    missing.next(DAY0 + 100, START);
    missing.seamBefore('file');
    assert.equal(missing.next(DAY0 + 3 * 86_400, START).stampMs, ANCHOR + 1000);
    assert.equal(missing.next(DAY0 + 3 * 86_400 + 5, START).stampMs, ANCHOR + 6000);

    const backwards = new Pacer({ mode: 'speed', factor: 1 }, START);
    backwards.next(DAY0 + 100, START);
    backwards.seamBefore('file');
    assert.equal(backwards.next(DAY0 - 86_400, START).stampMs, ANCHOR + 1000);
  });

  it('--loop: the next pass starts one original second after the last stamp and keeps moving forward', () => {
    const p = new Pacer({ mode: 'speed', factor: 2 }, START);
    const pass = [DAY0, DAY0 + 2, DAY0 + 4];
    const first = stamps(p, pass);
    p.seamBefore('pass');
    p.seamBefore('file'); // the pass's first file: the pass seam wins
    const second = stamps(p, pass);
    assert.deepEqual(first, [ANCHOR, ANCHOR + 1000, ANCHOR + 2000]);
    assert.deepEqual(second, [ANCHOR + 2500, ANCHOR + 3500, ANCHOR + 4500]);
  });

  it('refuses a non-positive speed', () => {
    assert.throws(() => new Pacer({ mode: 'speed', factor: 0 }, START), RangeError);
    assert.throws(() => new Pacer({ mode: 'rate', perSecond: -1 }, START), RangeError);
  });
});

describe('Pacer --rate and --max', () => {
  it('--rate N: visit k is due at start + k/N s and stamped with its due time while keeping up', () => {
    const p = new Pacer({ mode: 'rate', perSecond: 4 }, START);
    const slots = [0, 1, 2, 3, 4].map(() => p.next(DAY0, START));
    assert.deepEqual(slots.map((s) => s.dueMs), [START, START + 250, START + 500, START + 750, START + 1000]);
    assert.deepEqual(slots.map((s) => s.stampMs), slots.map((s) => s.dueMs));
  });

  it('--rate N: when late, the stamp is the wall clock at scheduling', () => {
    const p = new Pacer({ mode: 'rate', perSecond: 1 }, START);
    assert.equal(p.next(DAY0, START + 5000).stampMs, START + 5000);
  });

  it('--max: no waiting, stamp = wall clock', () => {
    const p = new Pacer({ mode: 'max' }, START);
    const s = p.next(DAY0 + 999, START + 1234.5);
    assert.equal(s.dueMs, -Infinity);
    assert.equal(s.stampMs, START + 1234);
  });
});

/**
 * A simulated clock whose sleeps always overshoot (0–40 ms, like timers on a busy machine) and whose sends
 * cost time: a pacer that added up sleeps would drift by ~20 ms per wait, i.e. over a minute in an hour.
 */
function simulatedClock(startMs: number, seed = 42): Clock & { advance(ms: number): void } {
  let t = startMs;
  let x = seed;
  const jitter = () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x % 4000) / 100; // 0 … 40 ms
  };
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(0, ms) + jitter();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

describe('no drift', () => {
  it('an hour at --speed 1 on a simulated clock: every visit is sent within 1 s of its stamp, and at the end stamp and wall clock agree', async () => {
    const clock = simulatedClock(START);
    const pacer = new Pacer({ mode: 'speed', factor: 1 }, clock.now());
    // One hour of a real-looking second: 0–6 visits, sometimes a burst of 40.
    const originals: number[] = [];
    for (let s = 0; s < 3600; s++) {
      const n = s % 97 === 0 ? 40 : s % 7;
      for (let j = 0; j < n; j++) originals.push(DAY0 + 9 * 3600 + s);
    }
    let worst = 0;
    let lastSendAt = 0;
    let lastStamp = 0;
    for (const o of originals) {
      const slot = pacer.next(o, clock.now());
      if (slot.dueMs > clock.now()) await clock.sleep(slot.dueMs - clock.now());
      clock.advance(0.05); // producing costs a little
      const sentAt = clock.now();
      assert.ok(sentAt >= slot.dueMs, 'never sent early');
      worst = Math.max(worst, sentAt - slot.stampMs);
      lastSendAt = sentAt;
      lastStamp = slot.stampMs;
    }
    assert.ok(worst < 1000, `worst lag ${worst} ms`);
    assert.ok(Math.abs(lastSendAt - lastStamp) < 1000);
    // The last visit is an hour (3599 s) after the first, on both clocks.
    assert.equal(lastStamp - ANCHOR, 3599 * 1000);
    assert.ok(Math.abs(lastSendAt - START - 3599 * 1000) < 1000);
  });
});

describe('StartAt', () => {
  it('skips the visits before the time on the first day, then nothing (later days whole)', () => {
    const s = new StartAt(parseTimeOfDay('09:30:00', '--start-at'));
    const day2 = DAY0 + 86_400;
    const kept = [DAY0 + 100, DAY0 + 9.5 * 3600 - 1, DAY0 + 9.5 * 3600, DAY0 + 20 * 3600, day2 + 5].filter((x) => !s.skip(x));
    assert.deepEqual(kept, [DAY0 + 9.5 * 3600, DAY0 + 20 * 3600, day2 + 5]);
  });

  it('skips into the first day again after reset (each --loop pass)', () => {
    const s = new StartAt(60);
    assert.equal(s.skip(DAY0 + 61), false);
    assert.equal(s.skip(DAY0 + 1), false);
    s.reset();
    assert.equal(s.skip(DAY0 + 1), true);
  });
});

