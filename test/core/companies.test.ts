import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CompanyRejects,
  LookupParser,
  companyLabel,
  parseCompanyRef,
  parseCompanyTickers,
  parseLookupLine,
  syncCompanies,
  type CompanyRecord,
} from '../../src/core/companies.js';

describe('company_tickers.json', () => {
  it('keeps the first entry of a CIK (the primary share class), upper-cases tickers, counts bad entries', () => {
    const rejects = new CompanyRejects();
    const records = parseCompanyTickers(
      JSON.stringify({
        0: { cik_str: 1652044, ticker: 'GOOGL', title: 'Alphabet Inc.' },
        1: { cik_str: 320193, ticker: 'aapl', title: ' Apple Inc. ' },
        2: { cik_str: 1652044, ticker: 'GOOG', title: 'Alphabet Inc.' },
        3: { cik_str: 1.21e24, ticker: 'BAD', title: 'Garbage' },
        4: { cik_str: 5, ticker: '', title: '' },
        5: 'nonsense',
        6: { cik_str: '0000000007', ticker: null, title: 'String CIK Corp' },
      }),
      rejects,
    );
    assert.deepEqual(records, [
      { cik: 1652044, name: 'Alphabet Inc.', ticker: 'GOOGL', source: 'company_tickers' },
      { cik: 320193, name: 'Apple Inc.', ticker: 'AAPL', source: 'company_tickers' },
      { cik: 7, name: 'String CIK Corp', ticker: null, source: 'company_tickers' },
    ]);
    assert.deepEqual(Object.fromEntries(rejects.counts), { bad_cik: 1, empty_name: 1, bad_json_entry: 1 });
  });

  it('a document that is not JSON is an error, not an empty list', () => {
    assert.throws(() => parseCompanyTickers('<html>blocked</html>'), /not JSON/);
  });
});

describe('cik-lookup-data.txt lines', () => {
  it('reads the CIK from the end, so names may contain colons', () => {
    assert.deepEqual(parseLookupLine('APPLE INC:0000320193:'), { cik: 320193, name: 'APPLE INC' });
    assert.deepEqual(parseLookupLine('A: B CORP:0001234567:\r'), { cik: 1234567, name: 'A: B CORP' });
    assert.deepEqual(parseLookupLine('NO TRAILING:0000000042'), { cik: 42, name: 'NO TRAILING' });
  });

  it('rejects lines without a CIK, with a garbage CIK, or without a name', () => {
    assert.deepEqual(parseLookupLine('JUST A NAME'), { reject: 'no_separator' });
    assert.deepEqual(parseLookupLine('NAME:12345678901:'), { reject: 'bad_cik' });
    assert.deepEqual(parseLookupLine('NAME:1.2e+24:'), { reject: 'bad_cik' });
    assert.deepEqual(parseLookupLine(':0000000001:'), { reject: 'empty_name' });
    assert.deepEqual(parseLookupLine('X'.repeat(5000) + ':1:'), { reject: 'line_too_long' });
  });

  it('decodes latin-1 bytes as ISO-8859-1 across chunk boundaries and keeps the first name of a CIK', () => {
    const text = 'SOCI\xc9T\xc9 G\xc9N\xc9RALE:0000001111:\r\nZ\xdcRICH AG:0000002222:\nSOCIETE GENERALE (FORMER):0000001111:\nbroken line\n\x80UNDEFINED IN 1252:0000003333:';
    const bytes = Buffer.from(text, 'latin1');
    const parser = new LookupParser();
    const out: CompanyRecord[] = [];
    // Every split point, including inside a CRLF and inside the accented letters.
    for (let cut = 0; cut <= bytes.length; cut += 7) {
      const p = new LookupParser();
      const got = [...p.push(bytes.subarray(0, cut)), ...p.push(bytes.subarray(cut)), ...p.end()];
      assert.deepEqual(got.map((r) => r.name), ['SOCIÉTÉ GÉNÉRALE', 'ZÜRICH AG', 'UNDEFINED IN 1252'], `cut at ${cut}`);
    }
    out.push(...parser.push(bytes), ...parser.end());
    assert.equal(out[0].cik, 1111);
    assert.equal(parser.lines, 5);
    assert.equal(parser.companies, 3);
    assert.deepEqual(Object.fromEntries(parser.rejects.counts), { no_separator: 1 });
    assert.equal(parser.rejects.samples[0].where, '4');
  });
});

describe('naming companies', () => {
  it('a CIK (padded or not) or a ticker', () => {
    assert.deepEqual(parseCompanyRef('0000320193'), { cik: 320193 });
    assert.deepEqual(parseCompanyRef('CIK320193'), { cik: 320193 });
    assert.deepEqual(parseCompanyRef('brk-b'), { ticker: 'BRK-B' });
    assert.equal(parseCompanyRef('not a ticker'), null);
  });

  it('labels: name (ticker), name, or the CIK', () => {
    assert.equal(companyLabel(320193, { name: 'Apple Inc.', ticker: 'AAPL' }), 'Apple Inc. (AAPL)');
    assert.equal(companyLabel(1111, { name: 'ZÜRICH AG', ticker: null }), 'ZÜRICH AG');
    assert.equal(companyLabel(42, undefined), 'CIK 42');
  });
});

describe('syncCompanies wiring', () => {
  it('stages the lookup in bounded batches, then the tickers, and commits once with tickers authoritative', async () => {
    const lookup = Array.from({ length: 12_000 }, (_, i) => `NAME ${i}:${String(i + 1).padStart(10, '0')}:\n`).join('');
    const files: Record<string, Buffer> = {
      '/Archives/edgar/cik-lookup-data.txt': Buffer.from(lookup, 'latin1'),
      '/files/company_tickers.json': Buffer.from(JSON.stringify({ 0: { cik_str: 5, ticker: 'FIVE', title: 'Five Inc.' } })),
    };
    const batches: number[] = [];
    let committed: boolean | undefined;
    const report = await syncCompanies(
      ['lookup', 'tickers'],
      {
        async *fetch(path) {
          const b = files[path];
          for (let i = 0; i < b.length; i += 65536) yield b.subarray(i, i + 65536);
        },
        sink: {
          add: async (r) => void batches.push(r.length),
          commit: async (t) => ((committed = t), { inserted: 12_000, updated: 0, unchanged: 1, total: 12_000 }),
          close: async () => undefined,
        },
      },
      'http://x',
    );
    assert.equal(committed, true);
    assert.ok(Math.max(...batches) < 8000, `batches ${batches}`);
    assert.equal(batches.reduce((a, b) => a + b, 0), 12_001);
    assert.deepEqual(report.sources.map((s) => [s.source, s.entries, s.companies]), [['lookup', 12_000, 12_000], ['tickers', 1, 1]]);
  });
});
