import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printableSample, RejectLog } from '../../src/core/rejects.js';

/** Independent check: no C0/DEL/C1 code unit and no lone surrogate survives. */
function isPrintable(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(s)) return false;
  return s.isWellFormed();
}

describe('printableSample (issue 17 item 1)', () => {
  it('escapes NUL, 0xFF-as-latin1, C1 and CR', () => {
    assert.equal(printableSample('a\u0000b\u00ffc\u0085d\r'), 'a\\x00b\u00ffc\\x85d\\x0d');
    assert.equal(printableSample('\u007f\t'), '\\x7f\\x09');
  });

  it('escapes lone surrogates, keeps pairs', () => {
    assert.equal(printableSample('x\ud800y\udc00z'), 'x\\ud800y\\udc00z');
    assert.equal(printableSample('😀'), '😀');
  });

  it('never exceeds max and never cuts an escape or a pair', () => {
    const s = printableSample('\u0000'.repeat(100), 10);
    assert.ok(s.length <= 10, s);
    assert.equal(s, '\\x00\\x00…');
    const p = printableSample('ab😀cd', 4);
    assert.ok(p.length <= 4 && p.isWellFormed(), p);
  });

  it('is idempotent, so merging worker reports does not re-escape', () => {
    const once = printableSample('a\u0000\\x00b\ud800', 50);
    assert.equal(printableSample(once, 50), once);
  });

  it('RejectLog keeps printable samples that survive JSON and merge', () => {
    const log = new RejectLog({ maxSampleChars: 40 });
    log.add('bad_cik', 1, 0, '\u0000\u0000\u00ff\u00fe garbage\r');
    log.add('bad_cik', 2, 9, () => 'x'.repeat(1000));
    const json = JSON.stringify(log.toJSON());
    assert.ok(!json.includes('\\u0000'), json);
    for (const s of log.samples) assert.ok(isPrintable(s.text) && s.text.length <= 40, s.text);
    const merged = new RejectLog().merge(JSON.parse(json));
    assert.deepEqual(merged.samples.map((s) => s.text), log.samples.map((s) => s.text));
  });
});
