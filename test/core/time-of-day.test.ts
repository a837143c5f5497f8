import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import { parseTimeOfDay } from '../../src/core/time-of-day.js';

describe('times of day: one grammar for bands --at/--from/--to and replay --start-at', () => {
  it('H:M[:S], one or two digits each; seconds default to 0', () => {
    // Expected seconds written out by hand (h * 3600 + m * 60 + s).
    const cases: [string, number][] = [
      ['00:00:00', 0], ['14:30:05', 52_205], ['9:05', 32_700], ['09:30', 34_200], ['23:59:59', 86_399],
      ['9:05:07', 32_707], ['9:5:7', 32_707], [' 12:00 ', 43_200],
    ];
    for (const [text, want] of cases) assert.equal(parseTimeOfDay(text, '--at'), want, text);
  });

  it('anything else is a usage error naming the flag', () => {
    for (const bad of ['24:00:00', '12:60:00', '12:00:60', 'noon', '12', '', '12:00:00.5', '-1:00:00', '123:00', '12:000']) {
      assert.throws(() => parseTimeOfDay(bad, '--start-at'), (e: unknown) => e instanceof FindocError && e.exitCode === 64 && e.message.includes('--start-at'), bad);
    }
  });
});
