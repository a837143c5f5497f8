/**
 * COPY text for batch --raw (src/core/raw-rows.ts): exact bytes for plain rows and for the ugly fields the
 * grammar lets through (backslash, tab, CR, NUL, invalid UTF-8 in accession/extention). The --raw test of
 * test/integration-services/batch.test.ts loads such rows (NUL and an invalid byte included) into
 * PostgreSQL and reads them back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LogParser } from '../../src/core/log-parser.js';
import { RAW_COLUMNS, RawRowEncoder } from '../../src/core/raw-rows.js';
import { EDGAR_HEADER, dayStart, type VisitBatch } from '../../src/core/visit.js';

function batchOf(bytes: Buffer): VisitBatch {
  const parser = new LogParser({ source: { name: 't.csv', date: '2017-06-30' } });
  const a = parser.push(bytes);
  const b = parser.end();
  const batch = a ?? b;
  assert.ok(batch && !(a && b), 'one batch');
  return batch;
}

function encode(lines: Array<string | Buffer>, header = EDGAR_HEADER): { text: string; bytes: Buffer; encoder: RawRowEncoder } {
  const bytes = Buffer.concat([Buffer.from(header + '\n'), ...lines.map((l) => Buffer.concat([Buffer.from(l), Buffer.from('\n')]))]);
  const encoder = new RawRowEncoder('2017-06-30', dayStart('2017-06-30'));
  const out = encoder.encode(batchOf(bytes));
  return { text: out.toString('utf8'), bytes: out, encoder };
}

const ROW = '101.81.133.jja,2017-06-30,00:00:00,0.0,1608552.0,0001047469-17-004337,-index.htm,200.0,80251.0,1.0,0.0,0.0,9.0,0.0,';

describe('RawRowEncoder (COPY text)', () => {
  it('writes the columns in table order, integers without their ".0"', () => {
    assert.equal(RAW_COLUMNS.length, 16);
    const { text, encoder } = encode([ROW]);
    assert.equal(text, '2017-06-30\t0\t101.81.133.jja\t1608552\t0001047469-17-004337\t-index.htm\t200\t80251\t1\t0\t0\t9\t0\t\t0\t2\n');
    assert.equal(encoder.rows, 1);
    assert.equal(encoder.sanitized, 0);
  });

  it('an empty size is NULL; zone keeps its sign; browser, leading zeros and the line number as written', () => {
    const { text } = encode([
      '1.2.3.abc,2017-06-30,23:59:59,500.0,0000320193.0,x,y,304.0,,0.0,1.0,1.0,10.0,1.0,win',
      '1.2.3.abc,2017-06-30,00:01:00,-300.0,7.0,x,y,0.0,0.0,0.0,0.0,0.0,0.0,0.0,',
    ]);
    assert.deepEqual(text.split('\n'), [
      '2017-06-30\t86399\t1.2.3.abc\t0000320193\tx\ty\t304\t\\N\t0\t1\t1\t10\t1\twin\t500\t2',
      '2017-06-30\t60\t1.2.3.abc\t7\tx\ty\t0\t0\t0\t0\t0\t0\t0\t\t-300\t3',
      '',
    ]);
  });

  it('escapes backslash, tab and CR in text fields', () => {
    const { text, encoder } = encode(['1.2.3.abc,2017-06-30,00:00:00,0.0,1.0,a\\b\tc,x\ry,200.0,1.0,0.0,0.0,0.0,0.0,0.0,']);
    assert.equal(text.split('\t').slice(4, 6).join('|'), 'a\\\\b\\tc|x\\ry');
    assert.equal(encoder.sanitized, 0);
  });

  it('keeps valid UTF-8; replaces NUL and invalid UTF-8 with U+FFFD and counts the row', () => {
    const good = encode(['1.2.3.abc,2017-06-30,00:00:00,0.0,1.0,café,x,200.0,1.0,0.0,0.0,0.0,0.0,0.0,']);
    assert.equal(good.text.split('\t')[4], 'café');
    assert.equal(good.encoder.sanitized, 0);
    const bad = encode([
      Buffer.concat([Buffer.from('1.2.3.abc,2017-06-30,00:00:00,0.0,1.0,a'), Buffer.from([0x00]), Buffer.from('b,x'), Buffer.from([0xff, 0x5c]), Buffer.from(',200.0,1.0,0.0,0.0,0.0,0.0,0.0,')]),
      ROW,
    ]);
    const fields = bad.text.split('\n')[0].split('\t');
    assert.equal(fields[4], 'a\ufffdb');
    assert.equal(fields[5], 'x\ufffd\\\\');
    assert.equal(bad.encoder.sanitized, 1);
    assert.equal(bad.encoder.rows, 2);
  });

  it('a row of another day keeps its event time as day + second', () => {
    const { text } = encode([ROW.replace('2017-06-30,00:00:00', '2017-07-01,00:00:05'), ROW.replace('2017-06-30,00:00:00', '2017-06-29,23:59:59')]);
    assert.deepEqual(text.split('\n').slice(0, 2).map((l) => l.split('\t').slice(0, 2).join(' ')), ['2017-06-30 86405', '2017-06-30 -1']);
  });

  it('reads columns by name: another column order and extra columns give the same COPY text', () => {
    const header = 'extra,' + [...EDGAR_HEADER.split(',')].reverse().join(',');
    const fields = ROW.split(',');
    const reordered = ['zzz', ...[...fields].reverse()].join(',');
    assert.equal(encode([reordered], header).text, encode([ROW]).text);
  });

  it('many rows: one line per visit, buffers grown as needed', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => ROW.replace('0001047469-17-004337', '\\'.repeat(i % 50)));
    const { text, encoder } = encode(lines);
    const out = text.split('\n');
    assert.equal(out.length, 5001);
    assert.equal(encoder.rows, 5000);
    assert.equal(out[4999].split('\t')[4], '\\\\'.repeat(4999 % 50));
  });
});
