import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import { parseInteger } from '../../src/core/integers.js';

describe('integer flags', () => {
  it('decimal digits with optional _ separators, within the range', () => {
    const cases: [string, number][] = [['0', 0], ['42', 42], ['1_000_000', 1_000_000], [' 7 ', 7], ['+3', 3], ['-2', -2], ['007', 7]];
    for (const [text, want] of cases) assert.equal(parseInteger('--n', text, -10, 10_000_000), want, text);
    assert.equal(parseInteger('--seed', String(Number.MAX_SAFE_INTEGER), 0, Number.MAX_SAFE_INTEGER), 9_007_199_254_740_991);
  });

  it('anything else, or out of range, is a usage error naming the flag and the range', () => {
    for (const bad of ['', ' ', '1.5', '2.0', '1e3', '0x10', '_1', '1_', '1__0', 'ten', '9007199254740993', '11', '-11']) {
      assert.throws(
        () => parseInteger('--workers', bad, -10, 10),
        (e: unknown) => e instanceof FindocError && e.exitCode === 64 && e.message.startsWith('--workers must be an integer -10 … 10'),
        JSON.stringify(bad),
      );
    }
  });
});
