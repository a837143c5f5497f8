/** The "unusual now" panel of watch (src/watch/unusual.ts): rows, the ratio column, and what it says instead. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unusualCells, unusualPanel } from '../../src/watch/unusual.js';

const label = (cik: number) => (cik === 320193 ? 'Apple Inc. (AAPL)' : `CIK ${cik}`);

describe('unusual now panel', () => {
  it('lists the read entries with visits, visits over expected, and z to one decimal', () => {
    const p = unusualPanel(
      {
        asOf: 1,
        entries: [
          { cik: 42, visits: 25, expected: 0, score: 25, new: true },
          { cik: 320193, visits: 30, expected: 10, score: 20 / Math.sqrt(11), new: false },
          { cik: 7, visits: 300, expected: 2.5, score: 158.64, new: false },
        ],
      },
      label,
    );
    assert.equal(p.note, null);
    assert.deepEqual(
      p.rows.map((r) => [r.rank, r.label, r.visits, r.ratio, r.score]),
      [
        [1, 'CIK 42', 25, 'new', 25],
        [2, 'Apple Inc. (AAPL)', 30, '×3.0', 6],
        [3, 'CIK 7', 300, '×120', 158.6],
      ],
    );
    const cells = unusualCells(p, 8);
    assert.deepEqual(cells.headers, ['#', 'company', 'visits', 'vs usual', 'z']);
    assert.deepEqual(cells.data[1], ['2', 'Apple I…', '30', '×3.0', '6.0']);
  });

  it('says why it is empty: not read yet, no stream, nothing unusual, no history, filters differ', () => {
    assert.equal(unusualPanel(null, label).note, 'reading…');
    assert.equal(unusualPanel({ entries: [], asOf: null }, label).note, 'waiting for the stream');
    assert.equal(unusualPanel({ entries: [], asOf: 5 }, label).note, 'nothing unusual');
    assert.equal(unusualPanel({ problem: 'filters differ: stream all, set robots(drt)' }, label).note, 'filters differ: stream all, set robots(drt)');
    assert.deepEqual(unusualCells(unusualPanel({ problem: 'no history' }, label), 20).data, [['', 'no history', '', '', '']]);
    assert.match(unusualPanel(null, label).title, /unusual now, last 5 min/);
  });
});
