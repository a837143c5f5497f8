import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterOf, parseFilter } from '../../src/core/filter.js';
import { FindocError } from '../../src/core/errors.js';
import { LogParser } from '../../src/core/log-parser.js';
import { EDGAR_HEADER, type VisitBatch } from '../../src/core/visit.js';

// Four visits: a human 200, a crawler 200, a human 404 with the SEC's crawler flag (404s are flagged), a human 500.
const ROWS = [
  '1.2.3.abc,2017-06-30,00:00:00,0.0,1.0,a,-index.htm,200.0,10.0,1.0,0.0,0.0,9.0,0.0,',
  '1.2.3.abd,2017-06-30,00:00:00,0.0,2.0,a,-index.htm,200.0,10.0,1.0,0.0,0.0,9.0,1.0,',
  '1.2.3.abe,2017-06-30,00:00:01,0.0,3.0,a,-index.htm,404.0,10.0,1.0,0.0,0.0,9.0,1.0,',
  '1.2.3.abf,2017-06-30,00:00:01,0.0,4.0,a,-index.htm,500.0,10.0,1.0,0.0,0.0,9.0,0.0,',
];

function batch(): VisitBatch {
  const parser = new LogParser({ source: { name: 'filter-test.csv', date: '2017-06-30' } });
  const first = parser.push(Buffer.from(`${EDGAR_HEADER}\n${ROWS.join('\n')}\n`));
  const last = parser.end();
  const b = first ?? last;
  assert.ok(b && b.length === 4);
  return b;
}

const kept = (spec: string | undefined, exclude = false) => {
  const b = batch();
  const f = parseFilter(spec, exclude);
  return Array.from({ length: b.length }, (_, i) => i).filter((i) => f.keep(b, i)).map((i) => b.cik[i]);
};

describe('visit filters shared by stream and batch', () => {
  it('"all" keeps every visit', () => {
    assert.deepEqual(kept(undefined), [1, 2, 3, 4]);
    assert.deepEqual(kept('all'), [1, 2, 3, 4]);
    assert.equal(parseFilter(undefined).name, 'all');
  });

  it('crawlers drops the rows the SEC flags (crawler = 1), and --exclude-crawlers is the same rule', () => {
    assert.deepEqual(kept('crawlers'), [1, 4]);
    assert.deepEqual(kept(undefined, true), [1, 4]);
    assert.equal(parseFilter(undefined, true).name, 'crawlers');
  });

  it('errors drops status 400 and above', () => {
    assert.deepEqual(kept('errors'), [1, 2]);
    assert.deepEqual(kept('crawlers,errors'), [1]);
  });

  it('the canonical name does not depend on the order or spelling of the rules', () => {
    assert.equal(parseFilter('errors, crawlers').name, 'crawlers+errors');
    assert.equal(parseFilter('crawlers+errors', true).name, 'crawlers+errors');
    assert.equal(filterOf(['errors', 'crawlers', 'errors']).name, 'crawlers+errors');
  });

  it('an unknown rule is a usage error listing the known ones', () => {
    assert.throws(
      () => parseFilter('bots'),
      (e: unknown) => e instanceof FindocError && e.exitCode === 64 && /crawlers, errors/.test(e.details.hint ?? ''),
    );
  });
});
