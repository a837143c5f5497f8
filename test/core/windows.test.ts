import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import {
  LONGEST_WINDOW_SECONDS,
  SLIDING_WINDOW_SECONDS,
  TOP_WINDOWS,
  cikMember,
  compareTop,
  isoSecond,
  memberCik,
  parseWindow,
  topN,
  windowCovers,
  windowRange,
  windowSeconds,
} from '../../src/core/windows.js';

const T = Date.UTC(2017, 5, 30, 0, 1, 11) / 1000;

describe('windows', () => {
  it('parses the five window names, case-insensitively; anything else is a usage error (exit 64)', () => {
    assert.deepEqual(TOP_WINDOWS.map((w) => parseWindow(w)), ['10s', '1m', '5m', '1h', 'all']);
    assert.equal(parseWindow(' 1H '), '1h');
    for (const bad of ['', '10', '2m', '1d', 'al']) {
      assert.throws(() => parseWindow(bad), (e: unknown) => e instanceof FindocError && e.exitCode === 64 && /10s, 1m, 5m, 1h, all/.test(e.details.hint ?? ''));
    }
  });

  it('a window of W seconds ending at T covers T − W + 1 … T, both ends included', () => {
    assert.deepEqual(windowRange('10s', T), { first: T - 9, last: T });
    for (const w of ['10s', '1m', '5m', '1h'] as const) {
      const width = SLIDING_WINDOW_SECONDS[w];
      assert.equal(windowSeconds(w), width);
      assert.equal(windowCovers(w, T, T), true);
      assert.equal(windowCovers(w, T, T - width + 1), true, `${w}: its oldest second`);
      assert.equal(windowCovers(w, T, T - width), false, `${w}: one second older is forgotten`);
      assert.equal(windowCovers(w, T, T + 1), false, `${w}: after its end`);
    }
    assert.equal(windowSeconds('all'), null);
    assert.equal(windowCovers('all', T, 0), true);
    assert.equal(LONGEST_WINDOW_SECONDS, 3600);
  });

  it('top-N order: visits descending, then the smaller CIK; the input is left alone', () => {
    const entries = [
      { cik: 30, visits: 5 },
      { cik: 10, visits: 7 },
      { cik: 20, visits: 5 },
      { cik: 5, visits: 1 },
      { cik: 1, visits: 5 },
    ];
    const copy = structuredClone(entries);
    assert.deepEqual(topN(entries, 3), [
      { cik: 10, visits: 7 },
      { cik: 1, visits: 5 },
      { cik: 20, visits: 5 },
    ]);
    assert.deepEqual(entries, copy);
    assert.deepEqual(topN(entries, 0), []);
    assert.equal(topN(entries, 99).length, 5);
    assert.ok(compareTop({ cik: 2, visits: 3 }, { cik: 1, visits: 3 }) > 0);
  });

  it('CIK members sort like the numbers they hold (the tie rule Redis applies), and read back', () => {
    const ciks = [0, 1, 9, 10, 99, 320193, 1608552, 1000000000, 9999999999];
    for (let i = 0; i < 500; i++) ciks.push(Math.floor(Math.random() * 9_999_999_999));
    const byMember = [...ciks].sort((a, b) => (cikMember(a) < cikMember(b) ? -1 : cikMember(a) > cikMember(b) ? 1 : 0));
    assert.deepEqual(byMember, [...ciks].sort((a, b) => a - b));
    assert.equal(cikMember(1608552), '0001608552');
    assert.equal(cikMember(9999999999), '9999999999');
    for (const c of ciks) assert.equal(memberCik(cikMember(c)), c);
  });

  it('asOf is ISO 8601 UTC without fractions', () => {
    assert.equal(isoSecond(T), '2017-06-30T00:01:11Z');
  });
});
