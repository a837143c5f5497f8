/** Day sets (src/core/day-sets.ts): --exclude-days lists, membership rules and the set fingerprint. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import { formatDayList, isExcluded, parseDayList, selectMembers, setFingerprint, type CandidateDay } from '../../src/core/day-sets.js';

describe('--exclude-days lists', () => {
  it('parses days and inclusive ranges, sorted and merged', () => {
    const r = parseDayList(' 2017-04-28 , 2005-09-23..2006-05-10,2006-05-11..2006-05-12, 2006-01-01');
    assert.deepEqual(r, [
      { from: '2005-09-23', to: '2006-05-12' },
      { from: '2017-04-28', to: '2017-04-28' },
    ]);
    assert.equal(formatDayList(r), '2005-09-23..2006-05-12,2017-04-28');
    assert.ok(isExcluded('2005-09-23', r) && isExcluded('2006-05-12', r) && isExcluded('2017-04-28', r));
    assert.ok(!isExcluded('2005-09-22', r) && !isExcluded('2006-05-13', r));
    assert.deepEqual(parseDayList(''), []);
  });

  it('refuses non-days, backwards ranges and garbage with a usage error', () => {
    for (const bad of ['2017-02-30', '2017-06-30..2017-06-01', '2017-01-01..2017-01-02..2017-01-03', 'yesterday']) {
      assert.throws(() => parseDayList(bad), (e: unknown) => e instanceof FindocError && e.exitCode === 64, bad);
    }
  });
});

describe('set membership', () => {
  const c = (day: string, state: CandidateDay['state'], visits: number | null, revision: number | null): CandidateDay => ({ day, state, visits, revision });

  it('members are the stored, not excluded days with at least min-visits; the others carry one reason each', () => {
    const sel = selectMembers(
      [
        c('2017-01-05', 'done', 900, 7),
        c('2017-01-01', 'done', 1000, 1),
        c('2017-01-02', 'failed', 1000, 2), // old counts stored, latest file bad
        c('2017-01-03', 'running', null, null),
        c('2017-01-04', 'not_loaded', null, null),
        c('2017-01-06', 'done', 50, 3),
        c('2017-01-07', 'done', 5000, 4),
      ],
      { minVisits: 100, exclude: parseDayList('2017-01-07') },
    );
    assert.deepEqual(sel.members, [
      { day: '2017-01-01', visits: 1000, revision: 1 },
      { day: '2017-01-05', visits: 900, revision: 7 },
    ]);
    assert.deepEqual(
      sel.left.map((l) => [l.day, l.reason]),
      [
        ['2017-01-02', 'failed'],
        ['2017-01-03', 'in_progress'],
        ['2017-01-04', 'not_loaded'],
        ['2017-01-06', 'below_min_visits'],
        ['2017-01-07', 'excluded'],
      ],
    );
  });

  it('the fingerprint changes with the filter, a member, or a member\'s revision, and only then', () => {
    const m = [
      { day: '2017-01-01', visits: 10, revision: 1 },
      { day: '2017-01-02', visits: 20, revision: 2 },
    ];
    const f = setFingerprint('all', m);
    assert.equal(setFingerprint('all', m.map((x) => ({ ...x, visits: 99 }))), f, 'visits follow from the revision');
    assert.notEqual(setFingerprint('crawlers', m), f);
    assert.notEqual(setFingerprint('all', m.slice(1)), f);
    assert.notEqual(setFingerprint('all', [m[0], { ...m[1], revision: 3 }]), f);
  });
});
