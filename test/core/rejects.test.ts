import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REJECT_DESCRIPTIONS, REJECT_REASONS, RejectLog, isRejectReason, type RejectSummary } from '../../src/core/rejects.js';

function logOf(entries: Array<[reason: (typeof REJECT_REASONS)[number], line: number]>, maxSamples = 3, file = 'a.csv'): RejectLog {
  const log = new RejectLog({ maxSamples });
  for (const [reason, line] of entries) log.add(reason, line, line * 100, `row ${line}`, file);
  return log;
}

describe('RejectLog', () => {
  it('counts per reason and in total, keeping the first N samples with line, offset, reason, text, file', () => {
    const log = logOf([['bad_cik', 2], ['bad_date', 5], ['bad_cik', 9], ['field_count', 11]]);
    assert.equal(log.total, 4);
    assert.equal(log.count('bad_cik'), 2);
    assert.equal(log.count('bad_time'), 0);
    assert.deepEqual(log.samples, [
      { file: 'a.csv', line: 2, offset: 200, reason: 'bad_cik', text: 'row 2' },
      { file: 'a.csv', line: 5, offset: 500, reason: 'bad_date', text: 'row 5' },
      { file: 'a.csv', line: 9, offset: 900, reason: 'bad_cik', text: 'row 9' },
    ]);
  });

  it('decodes a lazy text only for the samples it keeps', () => {
    const log = new RejectLog({ maxSamples: 2 });
    let calls = 0;
    for (let i = 0; i < 1000; i++) log.add('bad_ip', i, i, () => (calls++, `line ${i}`));
    assert.equal(calls, 2);
    assert.equal(log.total, 1000);
  });

  it('truncates sample text with an ellipsis, never splitting a surrogate pair', () => {
    const log = new RejectLog({ maxSampleChars: 10 });
    log.add('bad_cik', 1, 0, 'x'.repeat(50));
    log.add('bad_cik', 2, 0, 'abcdefgh😀z'); // the emoji is chars 8–9
    log.add('bad_cik', 3, 0, 'short');
    assert.equal(log.samples[0].text, 'xxxxxxxxx…');
    assert.equal(log.samples[1].text, 'abcdefgh…');
    assert.equal(log.samples[2].text, 'short');
    assert.doesNotThrow(() => encodeURIComponent(log.samples[1].text)); // no lone surrogate
  });

  it('maxSamples 0 keeps counts only', () => {
    const log = logOf([['bad_cik', 1]], 0);
    assert.equal(log.total, 1);
    assert.deepEqual(log.samples, []);
  });

  it('merges counts and keeps the earliest samples, this log first', () => {
    const a = logOf([['bad_cik', 1], ['bad_cik', 2]], 3, 'a.csv');
    const b = logOf([['bad_date', 1], ['bad_time', 4]], 3, 'b.csv');
    a.merge(b);
    assert.equal(a.total, 4);
    assert.deepEqual(a.toJSON().byReason, { bad_date: 1, bad_time: 1, bad_cik: 2 });
    assert.deepEqual(a.samples.map((s) => `${s.file}:${s.line}`), ['a.csv:1', 'a.csv:2', 'b.csv:1']);
  });

  it('merging is associative: per-file logs merged in any grouping give the same report', () => {
    const mk = (): RejectLog[] => [
      logOf([['bad_cik', 1], ['bad_ip', 3]], 3, 'a'),
      logOf([['bad_size', 2]], 3, 'b'),
      logOf([['bad_cik', 7], ['bad_flag', 8], ['bad_find', 9]], 3, 'c'),
    ];
    const [a1, b1, c1] = mk();
    const left = new RejectLog({ maxSamples: 3 }).merge(new RejectLog({ maxSamples: 3 }).merge(a1).merge(b1)).merge(c1);
    const [a2, b2, c2] = mk();
    const right = new RejectLog({ maxSamples: 3 }).merge(a2).merge(new RejectLog({ maxSamples: 3 }).merge(b2).merge(c2));
    assert.deepEqual(left.toJSON(), right.toJSON());
  });

  it('round-trips through JSON (a worker reports, the coordinator merges)', () => {
    const log = logOf([['bad_cik', 1], ['repeated_header', 40], ['line_too_long', 41]]);
    const json = JSON.parse(JSON.stringify(log)) as RejectSummary;
    assert.deepEqual(json, {
      total: 3,
      byReason: { line_too_long: 1, repeated_header: 1, bad_cik: 1 },
      samples: [
        { file: 'a.csv', line: 1, offset: 100, reason: 'bad_cik', text: 'row 1' },
        { file: 'a.csv', line: 40, offset: 4000, reason: 'repeated_header', text: 'row 40' },
        { file: 'a.csv', line: 41, offset: 4100, reason: 'line_too_long', text: 'row 41' },
      ],
    });
    assert.deepEqual(RejectLog.fromJSON(json).toJSON(), log.toJSON());
    assert.deepEqual(new RejectLog().toJSON(), { total: 0, byReason: {}, samples: [] });
  });

  it('refuses unknown reasons from JSON', () => {
    assert.throws(() => RejectLog.fromJSON({ total: 1, byReason: { bad_mood: 1 } as never, samples: [] }), /unknown reject reason "bad_mood"/);
    assert.throws(
      () => RejectLog.fromJSON({ total: 0, byReason: {}, samples: [{ line: 1, offset: 0, reason: 'x' as never, text: '' }] }),
      /unknown reject reason "x"/,
    );
  });

  it('describes each reason that occurred, in the closed list order', () => {
    const log = logOf([['bad_cik', 1], ['field_count', 2], ['bad_cik', 3]]);
    assert.deepEqual(log.describe(), [
      `field_count: 1 (${REJECT_DESCRIPTIONS.field_count})`,
      `bad_cik: 2 (${REJECT_DESCRIPTIONS.bad_cik})`,
    ]);
  });

  it('has a description for every reason, and recognises exactly the closed list', () => {
    for (const r of REJECT_REASONS) {
      assert.ok(REJECT_DESCRIPTIONS[r].length > 10, r);
      assert.ok(isRejectReason(r));
    }
    assert.equal(Object.keys(REJECT_DESCRIPTIONS).length, REJECT_REASONS.length);
    assert.ok(!isRejectReason('toString'));
    assert.ok(!isRejectReason(undefined));
  });
});
