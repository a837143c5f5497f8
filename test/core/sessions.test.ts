import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Sessionizer, parseInactivity, sessionLine, type SessionOrder } from '../../src/core/sessions.js';

const T0 = Date.UTC(2017, 5, 30) / 1000;

function sessions(rows: [string, number][], period: number, order: SessionOrder = 'expiry'): string[] {
  const out: string[] = [];
  const sz = new Sessionizer(period, order, (s) => out.push(sessionLine(s)));
  for (const [ip, t] of rows) sz.add(ip, T0 + t);
  sz.end();
  return out;
}

describe('Sessionizer', () => {
  it('a session is open at last + period and closed when last + period + 1 is read', () => {
    assert.deepEqual(sessions([['a', 0], ['a', 2], ['b', 4], ['a', 5]], 2), [
      'a,2017-06-30 00:00:00,2017-06-30 00:00:02,3,2',
      'b,2017-06-30 00:00:04,2017-06-30 00:00:04,1,1',
      'a,2017-06-30 00:00:05,2017-06-30 00:00:05,1,1',
    ]);
  });
  it('at end of input: by first request, then input order', () => {
    assert.deepEqual(sessions([['x', 0], ['z', 2], ['y', 2], ['x', 3]], 10), [
      'x,2017-06-30 00:00:00,2017-06-30 00:00:03,4,2',
      'z,2017-06-30 00:00:02,2017-06-30 00:00:02,1,1',
      'y,2017-06-30 00:00:02,2017-06-30 00:00:02,1,1',
    ]);
  });
  it('a jump finds sessions with different expiry: B by expiry instant, A by first request', () => {
    // a: 0..2 (expiry instant 5), b: 1..1 (expiry instant 4); both found at t=100.
    const rows: [string, number][] = [['a', 0], ['b', 1], ['a', 2], ['c', 100]];
    assert.deepEqual(sessions(rows, 2, 'expiry').slice(0, 2).map((l) => l.split(',')[0]), ['b', 'a']);
    assert.deepEqual(sessions(rows, 2, 'first').slice(0, 2).map((l) => l.split(',')[0]), ['a', 'b']);
  });
  it('durations cross midnight and count repeated requests', () => {
    assert.deepEqual(sessions([['a', 86_399], ['a', 86_400], ['a', 86_400]], 1), ['a,2017-06-30 23:59:59,2017-07-01 00:00:00,2,3']);
  });
  it('memory is the open sessions only', () => {
    const sz = new Sessionizer(1, 'expiry', () => {});
    for (let t = 0; t < 10_000; t++) sz.add(`ip${t}`, T0 + t);
    assert.ok(sz.openCount <= 2);
  });
});

describe('parseInactivity', () => {
  it('accepts 1..86400 in digits only', () => {
    assert.equal(parseInactivity('1'), 1);
    assert.equal(parseInactivity('86400'), 86_400);
    for (const bad of ['0', '2.5', 'w', '', '86401', '-1', '1e3']) assert.equal(parseInactivity(bad), null, bad);
  });
});
