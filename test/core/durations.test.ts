import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import { durationWords, parseDuration, type DurationFlag } from '../../src/core/durations.js';

const seconds: DurationFlag = { flag: '--x', unit: 's', min: 0.001, max: 1e9 };
const usage = (flag: string, pattern: RegExp) => (e: unknown) => e instanceof FindocError && e.exitCode === 64 && e.message.includes(flag) && pattern.test(e.message);

describe('durations: one grammar for every flag', () => {
  it('ms s m min h d, fractions, case and spaces; in seconds', () => {
    // Expected values written out by hand, not computed by the code under test.
    const cases: [string, number][] = [
      ['500ms', 0.5], ['90s', 90], ['5m', 300], ['90min', 5400], ['24h', 86_400], ['1d', 86_400],
      ['1.5h', 5400], ['.5s', 0.5], ['3600', 3600], [' 2 H ', 7200], ['7D', 604_800], ['1.5m', 90],
    ];
    for (const [text, want] of cases) assert.equal(parseDuration(text, seconds), want, text);
  });

  it('the result is in the flag\'s unit; a bare number keeps the flag\'s documented unit', () => {
    assert.equal(parseDuration('1s', { flag: '--t', unit: 'ms', min: 1, max: 1e9 }), 1000);
    assert.equal(parseDuration('3000', { flag: '--t', unit: 'ms', min: 1, max: 1e9 }), 3000); // doctor --timeout: bare ms
    assert.equal(parseDuration('2', { flag: '--t', unit: 'ms', bare: 's', min: 1, max: 1e9 }), 2000); // watch --refresh: bare s
    assert.equal(parseDuration('1d', { flag: '--t', unit: 'ms', min: 1, max: 1e9 }), 86_400_000);
  });

  it('range and whole checks name the flag and the accepted range', () => {
    const span: DurationFlag = { flag: '--span', unit: 's', min: 30, max: 86_400 };
    assert.throws(() => parseDuration('10s', span), usage('--span', /between 30s and 1d, got "10s"/));
    assert.throws(() => parseDuration('2d', span), usage('--span', /between 30s and 1d/));
    assert.equal(parseDuration('1d', span), 86_400);
    assert.equal(parseDuration('30s', span), 30);
    const whole: DurationFlag = { flag: '--retention', unit: 's', min: 3600, max: 1e9, whole: true };
    assert.throws(() => parseDuration('3600.5', whole), usage('--retention', /whole number of seconds/));
    assert.throws(() => parseDuration('59m', whole), usage('--retention', /between 1h and/));
  });

  it('garbage is a usage error naming the flag', () => {
    for (const bad of ['', 'h', '-1h', '1w', '1 h m', 'five minutes', '1e3', '0x10', '1,5h', '1..5s']) {
      assert.throws(() => parseDuration(bad, { ...seconds, flag: '--max-future' }), usage('--max-future', /duration like 500ms, 90s, 5m, 24h or 1d/), bad);
    }
    assert.throws(() => parseDuration('0', seconds), usage('--x', /between/));
  });

  it('durationWords writes the shortest exact form', () => {
    assert.deepEqual([durationWords(0.2, 's'), durationWords(30, 's'), durationWords(300, 's'), durationWords(86_400, 's'), durationWords(90, 's'), durationWords(1500, 'ms')],
      ['200ms', '30s', '5m', '1d', '90s', '1500ms']);
  });
});
