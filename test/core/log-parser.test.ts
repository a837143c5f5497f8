/**
 * The parser against the real SEC samples (read from ../shared, never copied) and against the ugly inputs
 * real files and careless tools produce. Expected counts stated literally below were checked by hand:
 *
 *   tr -d '\r' < F | awk -F, 'NR>1 && $0!="" {rows++; if (NF!=15) fc++; else if ($5 !~ /^[0-9]+(\.0+)?$/) bc++}'
 *
 * (jan1.csv is the member of log20170101-every100th-row.zip, unzipped by hand with unzip -p.)
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import { LogParser, parseHeader, type ParseStats } from '../../src/core/log-parser.js';
import { RejectLog, type RejectReason } from '../../src/core/rejects.js';
import { EDGAR_COLUMNS, EDGAR_HEADER, formatDay, formatTime, type VisitBatch } from '../../src/core/visit.js';

const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');
const read = (name: string): Buffer => readFileSync(join(REAL, name));

// ───────────── helpers ─────────────

interface Parsed {
  visits: string[];
  batches: VisitBatch[];
  stats: ParseStats;
  rejects: RejectLog;
}

/** One string per visit with every decoded value: equal digests mean identical results. */
function digest(b: VisitBatch, i: number, withText = true): string {
  const r = b.record(i);
  const { text, ...rest } = r;
  return JSON.stringify(withText ? { ...rest, text } : rest);
}

function parseChunks(chunks: Buffer[], opts: { strict?: boolean; withText?: boolean; maxSamples?: number; maxLineBytes?: number; batchBytes?: number } = {}): Parsed {
  const rejects = new RejectLog({ maxSamples: opts.maxSamples ?? 10 });
  const parser = new LogParser({ source: { name: 'test.csv', date: null }, strict: opts.strict, rejects, maxLineBytes: opts.maxLineBytes, batchBytes: opts.batchBytes });
  const batches: VisitBatch[] = [];
  for (const c of chunks) {
    const b = parser.push(c);
    if (b) batches.push(b);
  }
  const last = parser.end();
  if (last) batches.push(last);
  const visits: string[] = [];
  for (const b of batches) for (let i = 0; i < b.length; i++) visits.push(digest(b, i, opts.withText ?? true));
  return { visits, batches, stats: parser.stats, rejects };
}

const parse = (bytes: Buffer | string, opts: Parameters<typeof parseChunks>[1] = {}): Parsed =>
  parseChunks([typeof bytes === 'string' ? Buffer.from(bytes) : bytes], opts);

/** Splits bytes into chunks of pseudo-random sizes 1…max (seeded, reproducible). */
function randomChunks(bytes: Buffer, seed: number, max: number): Buffer[] {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: Buffer[] = [];
  for (let p = 0; p < bytes.length; ) {
    const n = 1 + Math.floor(rand() * max);
    out.push(bytes.subarray(p, p + n));
    p += n;
  }
  return out;
}

/**
 * The oracle: the grammar of log-parser.ts re-implemented the obvious way (split, regexes, BigInt), to
 * check the byte scanner against. Returns visit count, reject counts and blank lines.
 */
function oracle(text: string): { rows: number; visits: number; blank: number; rejects: Partial<Record<RejectReason, number>> } {
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (text.endsWith('\n')) lines.pop();
  let h = 0;
  let blank = 0;
  while (lines[h] === '') {
    blank++;
    h++;
  }
  const header = lines[h].replace(/^\uFEFF/, '').split(',').map((s) => s.trim());
  const col = Object.fromEntries(EDGAR_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<string, number>;
  const uint = (v: string, max: bigint): boolean => /^\d+(\.0+)?$/.test(v) && BigInt(v.split('.')[0]) <= max;
  const rejects: Partial<Record<RejectReason, number>> = {};
  let rows = 0;
  let visits = 0;
  for (const line of lines.slice(h + 1)) {
    if (line === '') {
      blank++;
      continue;
    }
    rows++;
    const f = line.split(',');
    const v = (c: string): string => f[col[c]];
    const reason = ((): RejectReason | null => {
      if (f.length !== header.length) return 'field_count';
      const ip = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.[a-z]{3}$/.exec(v('ip'));
      if (!ip || [ip[1], ip[2], ip[3]].some((o) => Number(o) > 255)) return line === header.join(',') ? 'repeated_header' : 'bad_ip';
      const d = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v('date'));
      const dt = d ? new Date(Date.UTC(+d[1], +d[2] - 1, +d[3])) : null;
      if (!d || !dt || +d[1] < 1970 || dt.getUTCFullYear() !== +d[1] || dt.getUTCMonth() !== +d[2] - 1 || dt.getUTCDate() !== +d[3]) return 'bad_date';
      if (!/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/.test(v('time'))) return 'bad_time';
      if (!uint(v('zone').replace(/^-/, ''), 1400n)) return 'bad_zone';
      if (!uint(v('cik'), 9999999999n)) return 'bad_cik';
      if (!uint(v('code'), 999n)) return 'bad_code';
      if (v('size') !== '' && !uint(v('size'), 2n ** 53n - 1n)) return 'bad_size';
      if (!['crawler', 'idx', 'norefer', 'noagent'].every((c) => uint(v(c), 1n))) return 'bad_flag';
      if (!uint(v('find'), 10n)) return 'bad_find';
      if (!/^([a-z]{3})?$/.test(v('browser'))) return 'bad_browser';
      return null;
    })();
    if (reason) rejects[reason] = (rejects[reason] ?? 0) + 1;
    else visits++;
  }
  return { rows, visits, blank, rejects };
}

function rowWith(overrides: Partial<Record<(typeof EDGAR_COLUMNS)[number], string>>): string {
  const base: Record<string, string> = {
    ip: '101.81.133.jja', date: '2017-06-30', time: '00:00:00', zone: '0.0', cik: '1608552.0',
    accession: '0001047469-17-004337', extention: '-index.htm', code: '200.0', size: '80251.0', idx: '1.0',
    norefer: '0.0', noagent: '0.0', find: '9.0', crawler: '0.0', browser: '',
  };
  return EDGAR_COLUMNS.map((c) => overrides[c] ?? base[c]).join(',');
}

const fileWith = (...rows: string[]): string => [EDGAR_HEADER, ...rows].join('\n') + '\n';

function rejectReasonOf(row: string): RejectReason | null {
  const { rejects, stats } = parse(fileWith(row));
  assert.equal(stats.visits + stats.rejected, 1);
  return rejects.samples[0]?.reason ?? null;
}

// ───────────── real samples ─────────────

describe('real SEC samples', () => {
  // rows = non-header lines; all verified by hand with wc -l / awk (see the top of this file).
  const expected: Array<[file: string, rows: number, badCik: number]> = [
    ['log20030301.csv', 43_458, 0],
    ['log20030220-first8978rows.csv', 8_978, 0],
    ['log20040105-14rows.csv', 14, 0],
    ['log20060326-single-ip-subset-792rows.csv', 792, 0],
    ['log20170201-first99rows.csv', 99, 0],
    ['log20170514-first244rows.csv', 244, 0],
    ['log20170611-first32rows.csv', 32, 0],
    ['log20170628-70rows.csv', 70, 0],
    ['log20170630-first24999rows.csv', 24_999, 2],
    ['insight-example-log20170630-10rows-curated.csv', 10, 0],
  ];
  for (const [file, rows, badCik] of expected) {
    it(`${file}: ${rows} rows, ${badCik} rejected (bad_cik), agreeing with the oracle`, () => {
      const bytes = read(file);
      const { stats, rejects } = parse(bytes);
      assert.equal(stats.visits + stats.rejected, rows);
      assert.equal(stats.visits, rows - badCik);
      assert.equal(stats.rejected, badCik);
      assert.equal(rejects.count('bad_cik'), badCik);
      assert.equal(stats.blankLines, 0);
      assert.equal(stats.bytes, bytes.length);
      const o = oracle(bytes.toString('utf8'));
      assert.equal(o.rows, rows);
      assert.equal(o.visits, stats.visits);
      assert.deepEqual(o.rejects, rejects.toJSON().byReason);
    });
  }

  it('log20170514-first244rows.csv has no final newline: 245 lines, the last row still counts', () => {
    const bytes = read('log20170514-first244rows.csv');
    assert.notEqual(bytes[bytes.length - 1], 10);
    const { stats } = parse(bytes);
    assert.equal(stats.lines, 245);
    assert.equal(stats.visits, 244);
  });

  it('log20170630-first24999rows.csv: the garbage ciks are lines 11818 and 23418, reported with their text', () => {
    const { rejects } = parse(read('log20170630-first24999rows.csv'));
    assert.deepEqual(
      rejects.samples.map((s) => [s.line, s.reason, s.file]),
      [
        [11818, 'bad_cik', 'test.csv'],
        [23418, 'bad_cik', 'test.csv'],
      ],
    );
    assert.match(rejects.samples[0].text, /^40\.77\.167\.jde,2017-06-30,00:00:32,0\.0,1\.9617000089109215e\+22,/);
    assert.match(rejects.samples[1].text, /1\.414517000157105e\+24/);
  });

  // Aggregates computed by hand with awk over the visits (rows whose cik is plain):
  //   awk -F, 'NR>1 && $5 ~ /^[0-9]+(\.0+)?$/ {n++; cik+=$5; if ($14=="1.0") cr++; if ($9=="") es++; size+=$9;
  //            split($3,t,":"); sod+=t[1]*3600+t[2]*60+t[3]; if ($8=="304.0") c304++; ips[$1]=1}'
  const aggregates: Array<[string, { n: number; cikSum: number; crawler: number; emptySize: number; sizeSum: number; sodSum: number; c304: number; ips: number }]> = [
    ['log20030301.csv', { n: 43458, cikSum: 32325445128, crawler: 32, emptySize: 5325, sizeSum: 5556688838, sodSum: 1839573761, c304: 5325, ips: 5059 }],
    ['log20170630-first24999rows.csv', { n: 24997, cikSum: 28591641674, crawler: 59, emptySize: 0, sizeSum: 3257038792, sodSum: 878602, c304: 172, ips: 490 }],
  ];
  for (const [file, want] of aggregates) {
    it(`${file}: exact sums of cik, size, second of day and flags`, () => {
      const { batches } = parse(read(file));
      const got = { n: 0, cikSum: 0, crawler: 0, emptySize: 0, sizeSum: 0, sodSum: 0, c304: 0, ips: 0 };
      const ips = new Set<string>();
      for (const b of batches) {
        for (let i = 0; i < b.length; i++) {
          got.n++;
          got.cikSum += b.cik[i];
          got.crawler += b.crawler[i];
          if (Number.isNaN(b.size[i])) got.emptySize++;
          else got.sizeSum += b.size[i];
          got.sodSum += b.secondOfDay(i);
          if (b.code[i] === 304) got.c304++;
          ips.add(b.ip(i));
        }
      }
      got.ips = ips.size;
      assert.deepEqual(got, want);
    });
  }

  it('decodes the first row of the 2017-06-30 sample exactly', () => {
    const { batches } = parse(read('insight-example-log20170630-10rows-curated.csv'));
    assert.deepEqual(batches[0].record(0), {
      ip: '101.81.133.jja',
      date: '2017-06-30',
      time: '00:00:00',
      zone: 0,
      cik: 1608552,
      accession: '0001047469-17-004337',
      extention: '-index.htm',
      code: 200,
      size: 80251,
      idx: 1,
      norefer: 0,
      noagent: 0,
      find: 9,
      crawler: 0,
      browser: '',
      second: Date.UTC(2017, 5, 30) / 1000,
      line: 2,
      text: '101.81.133.jja,2017-06-30,00:00:00,0.0,1608552.0,0001047469-17-004337,-index.htm,200.0,80251.0,1.0,0.0,0.0,9.0,0.0,',
    });
    assert.equal(batches[0].day(0), '2017-06-30');
  });

  it('reads 2003 rows: zone 500.0, browser codes, empty size in 304s', () => {
    const { batches } = parse(read('log20030301.csv'));
    const b = batches[0];
    const r = b.record(1); // 61.115.76.jbf,2003-03-01,00:00:00,500.0,766351.0,…,200.0,995957.0,0.0,1.0,0.0,0.0,0.0,
    assert.equal(r.zone, 500);
    assert.equal(r.cik, 766351);
    assert.equal(r.browser, '');
    assert.equal(b.record(0).browser, 'win');
    let found304 = false;
    for (const batch of batches) {
      for (let i = 0; i < batch.length && !found304; i++) {
        if (batch.code[i] === 304) {
          found304 = true;
          assert.ok(Number.isNaN(batch.size[i]));
          assert.equal(batch.record(i).size, null);
          assert.equal(batch.field(i, 'size'), '');
        }
      }
    }
    assert.ok(found304);
  });

  it('log20170611-first32rows.csv (CRLF) gives the same visits as its LF version', () => {
    const crlf = read('log20170611-first32rows.csv');
    const lf = Buffer.from(crlf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    assert.ok(crlf.includes('\r\n'));
    assert.deepEqual(parse(crlf).visits, parse(lf).visits);
    assert.equal(parse(crlf).stats.visits, 32);
  });
});

// ───────────── line ends and chunk boundaries ─────────────

describe('line ends and chunk boundaries', () => {
  const sample2003 = read('log20030301.csv');
  const reference2003 = parse(sample2003).visits;

  it('LF → CRLF conversion of log20030301.csv changes nothing (43,458 visits)', () => {
    const crlf = Buffer.from(sample2003.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const p = parse(crlf);
    assert.equal(p.stats.visits, 43_458);
    assert.deepEqual(p.visits, reference2003);
  });

  it('a split at every offset of a small CRLF file gives identical results', () => {
    const bytes = read('log20170611-first32rows.csv');
    const want = parse(bytes).visits;
    for (let at = 0; at <= bytes.length; at++) {
      const got = parseChunks([bytes.subarray(0, at), bytes.subarray(at)]).visits;
      assert.deepEqual(got, want, `split at ${at}`);
    }
  });

  it('a split at every offset of a small LF file without final newline gives identical results', () => {
    const bytes = read('log20040105-14rows.csv');
    const cut = bytes.subarray(0, bytes.length - 1); // drop the final LF
    const want = parse(cut).visits;
    assert.equal(want.length, 14);
    for (let at = 0; at <= cut.length; at++) {
      assert.deepEqual(parseChunks([cut.subarray(0, at), cut.subarray(at)]).visits, want, `split at ${at}`);
    }
  });

  it('one-byte chunks give identical results', () => {
    const bytes = read('log20170628-70rows.csv');
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    assert.deepEqual(parseChunks(chunks).visits, parse(bytes).visits);
  });

  it('random chunk sizes (several seeds and size ranges) over real files give identical results, with or without batchBytes', () => {
    const s2017 = read('log20170630-first24999rows.csv');
    const want2017 = parse(s2017);
    for (const [seed, max] of [[1, 5000], [2, 70_000], [3, 700]]) {
      assert.deepEqual(parseChunks(randomChunks(sample2003, seed, max)).visits, reference2003, `seed ${seed}`);
    }
    for (const [seed, max, batchBytes] of [[4, 300, 0], [5, 300, 20_000], [6, 100_000, 1000]]) {
      const got17 = parseChunks(randomChunks(s2017, seed, max), { batchBytes });
      assert.deepEqual(got17.visits, want2017.visits, `seed ${seed}`);
      assert.deepEqual(got17.rejects.toJSON(), want2017.rejects.toJSON());
    }
  });

  it('multi-byte characters split across chunks survive intact', () => {
    const text = fileWith(rowWith({ extention: 'résumé-€-😀.htm' }), rowWith({ accession: 'ü', cik: '1.0' }));
    const bytes = Buffer.from(text, 'utf8');
    const want = parse(bytes).visits;
    assert.equal(want.length, 2);
    assert.match(want[0], /résumé-€-😀\.htm/);
    for (let at = 0; at <= bytes.length; at++) {
      assert.deepEqual(parseChunks([bytes.subarray(0, at), bytes.subarray(at)]).visits, want, `split at ${at}`);
    }
  });

  it('blank lines (LF or CRLF) anywhere, also before the header, are skipped and counted, not rejected', () => {
    const text = `\n\r\n${EDGAR_HEADER}\r\n${rowWith({})}\n\n${rowWith({ cik: '5.0' })}\r\n\r\n\n`;
    const { stats, visits } = parse(text);
    assert.equal(stats.visits, 2);
    assert.equal(stats.rejected, 0);
    // lines: '' '\r' header row '' row '\r' '' → 8 lines, 5 blank
    assert.equal(stats.blankLines, 5);
    assert.equal(stats.lines, 8);
    assert.equal(JSON.parse(visits[1]).line, 6);
  });

  it('a last line ending in CR only, and a UTF-8 BOM before the header, are handled', () => {
    const text = `\uFEFF${EDGAR_HEADER}\r\n${rowWith({})}\r`;
    const { stats, batches } = parse(text);
    assert.equal(stats.visits, 1);
    assert.equal(batches[0].line(0), rowWith({}));
  });

  it('a lone CR inside a text field is an ordinary byte (the row is valid)', () => {
    const { stats, batches } = parse(fileWith(rowWith({ extention: 'a\rb' })));
    assert.equal(stats.visits, 1);
    assert.equal(batches[0].field(0, 'extention'), 'a\rb');
  });
});

// ───────────── header ─────────────

describe('header and column layout', () => {
  const sample = read('log20030301.csv');

  /** Rewrites every line with its fields permuted (header included). */
  function permute(bytes: Buffer, order: number[], eol = '\n'): Buffer {
    const lines = bytes.toString('latin1').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return Buffer.from(lines.map((l) => ((f) => order.map((i) => f[i] ?? '').join(','))(l.split(','))).join(eol) + eol, 'latin1');
  }

  it('columns in another order (and CRLF) give identical visits', () => {
    const order = [14, 2, 13, 1, 12, 4, 0, 11, 3, 10, 9, 8, 7, 6, 5]; // browser first, accession last
    const want = parse(sample, { withText: false }).visits;
    const reordered = permute(sample, order, '\r\n');
    assert.ok(reordered.toString('latin1', 0, 60).startsWith('browser,time,crawler,date,find,cik,ip,'));
    const got = parse(reordered, { withText: false });
    assert.equal(got.stats.visits, 43_458);
    assert.deepEqual(got.visits, want);
  });

  it('reordered columns with random chunking and a bad row still agree, with the same reasons', () => {
    const order = [5, 4, 3, 2, 1, 0, 6, 7, 8, 9, 10, 11, 12, 13, 14];
    const bytes = Buffer.concat([sample, Buffer.from(rowWith({ cik: '1.21e+24' }) + '\n' + rowWith({ time: '24:00:00' }) + '\n')]);
    const want = parse(bytes, { withText: false });
    const reordered = permute(bytes, order);
    const got = parseChunks(randomChunks(reordered, 7, 4096), { withText: false });
    assert.deepEqual(got.visits, want.visits);
    assert.deepEqual(got.rejects.toJSON().byReason, { bad_time: 1, bad_cik: 1 });
  });

  it('extra unknown columns are tolerated and reachable by position', () => {
    const lines = sample.toString('latin1').split('\n').slice(0, 100);
    const widened = lines.map((l, n) => (n === 0 ? `extra,${l},tail` : `x${n},${l},`)).join('\n') + '\n';
    const got = parse(widened, { withText: false });
    assert.equal(got.stats.visits, 99);
    assert.deepEqual(got.visits, parse(lines.join('\n') + '\n', { withText: false }).visits);
    assert.equal(got.batches[0].field(0, 0), 'x1');
    assert.equal(got.batches[0].layout.names[16], 'tail');
  });

  it('a header missing required columns is a FINDOC_BAD_INPUT error naming the file and the columns', () => {
    const header = EDGAR_COLUMNS.filter((c) => c !== 'cik' && c !== 'crawler').join(',');
    assert.throws(
      () => parse(`${header}\n1,2,3\n`),
      (e: unknown) =>
        e instanceof FindocError &&
        e.code === 'FINDOC_BAD_INPUT' &&
        e.exitCode === 65 &&
        /^test\.csv: not an EDGAR log file: the header lacks columns cik, crawler/.test(e.message),
    );
  });

  it('the correctly spelled "extension" does not replace the SEC\'s "extention"', () => {
    assert.throws(() => parseHeader(EDGAR_HEADER.replace('extention', 'extension'), 'f.csv'), /lacks column extention/);
  });

  it('a repeated column, an empty file, a blank-only file and a binary file are errors for that file', () => {
    assert.throws(() => parse(`${EDGAR_HEADER},ip\n`), /test\.csv: the header names column "ip" twice/);
    assert.throws(() => parse(''), /test\.csv: not an EDGAR log file: no header line/);
    assert.throws(() => parse('\n\r\n\n'), /no header line/);
    assert.throws(() => parse(Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 1, 2, 10, 3, 4])), /lacks columns/);
    assert.throws(() => parse(Buffer.alloc(70_000, 0x41)), /first line is longer than 65536 bytes/);
  });

  it('a header-only file has no visits and no error; push after end is a programming error', () => {
    const p = parse(`${EDGAR_HEADER}\r\n`);
    assert.deepEqual([p.stats.visits, p.stats.rejected, p.stats.lines], [0, 0, 1]);
    assert.equal(parse(EDGAR_HEADER).stats.lines, 1);
    const parser = new LogParser({ source: { name: 'x', date: null } });
    parser.push(Buffer.from(`${EDGAR_HEADER}\n`));
    assert.equal(parser.end(), null);
    assert.equal(parser.end(), null);
    assert.throws(() => parser.push(Buffer.from('x')), /after end/);
  });

  it('header names are trimmed', () => {
    const layout = parseHeader(` ${EDGAR_COLUMNS.join(' , ')} `, 'f.csv');
    assert.equal(layout.index.browser, 14);
    assert.equal(layout.ncols, 15);
  });
});

// ───────────── validation ─────────────

describe('validation: which rows are visits', () => {
  const cases: Array<[string, Parameters<typeof rowWith>[0], RejectReason | null]> = [
    ['the SEC sample row', {}, null],
    ['garbage cik 1.21e+24', { cik: '1.21e+24' }, 'bad_cik'],
    ['cik in exponent form even when small', { cik: '1.6e+06' }, 'bad_cik'],
    ['empty cik', { cik: '' }, 'bad_cik'],
    ['negative cik', { cik: '-5.0' }, 'bad_cik'],
    ['fractional cik', { cik: '1608552.5' }, 'bad_cik'],
    ['cik with 11 digits', { cik: '10000000000.0' }, 'bad_cik'],
    ['cik "1608552." (no fraction digits)', { cik: '1608552.' }, 'bad_cik'],
    ['cik ".0"', { cik: '.0' }, 'bad_cik'],
    ['cik with a space', { cik: ' 1608552.0' }, 'bad_cik'],
    ['cik "nan"', { cik: 'nan' }, 'bad_cik'],
    ['cik with a hex prefix', { cik: '0x10' }, 'bad_cik'],
    ['largest cik 9999999999.0', { cik: '9999999999.0' }, null],
    ['cik 0.0', { cik: '0.0' }, null],
    ['cik written as an integer', { cik: '1608552' }, null],
    ['cik zero-padded to 10 digits', { cik: '0001608552.0' }, null],
    ['cik with a long zero fraction', { cik: '1608552.000' }, null],
    ['date 2017-02-29 (not a leap year)', { date: '2017-02-29' }, 'bad_date'],
    ['date 2016-02-29 (leap year)', { date: '2016-02-29' }, null],
    ['date 2000-02-29 (leap year)', { date: '2000-02-29' }, null],
    ['date 1900-02-29', { date: '1900-02-29' }, 'bad_date'],
    ['month 13', { date: '2017-13-01' }, 'bad_date'],
    ['day 00', { date: '2017-06-00' }, 'bad_date'],
    ['date without zero padding (Excel)', { date: '2017-6-30' }, 'bad_date'],
    ['date with slashes', { date: '2017/06/30' }, 'bad_date'],
    ['date before 1970', { date: '1969-12-31' }, 'bad_date'],
    ['empty date', { date: '' }, 'bad_date'],
    ['time 24:00:00', { time: '24:00:00' }, 'bad_time'],
    ['minute 60', { time: '23:60:00' }, 'bad_time'],
    ['leap second 23:59:60', { time: '23:59:60' }, 'bad_time'],
    ['time without zero padding (Excel)', { time: '0:00:00' }, 'bad_time'],
    ['time with a fraction', { time: '00:00:00.5' }, 'bad_time'],
    ['time 23:59:59', { time: '23:59:59' }, null],
    ['ip with a numeric fourth octet', { ip: '101.81.133.123' }, 'bad_ip'],
    ['ip with an octet above 255', { ip: '256.81.133.jja' }, 'bad_ip'],
    ['ip with upper-case code', { ip: '101.81.133.JJA' }, 'bad_ip'],
    ['ip with a 4-digit octet', { ip: '1010.81.133.jja' }, 'bad_ip'],
    ['empty ip', { ip: '' }, 'bad_ip'],
    ['ip 0.0.0.aaa', { ip: '0.0.0.aaa' }, null],
    ['zone 500.0', { zone: '500.0' }, null],
    ['zone -500.0', { zone: '-500.0' }, null],
    ['zone 1500.0', { zone: '1500.0' }, 'bad_zone'],
    ['zone "-"', { zone: '-' }, 'bad_zone'],
    ['empty zone', { zone: '' }, 'bad_zone'],
    ['code 0.0 (occurs in real files)', { code: '0.0' }, null],
    ['code 200.5', { code: '200.5' }, 'bad_code'],
    ['code 1000.0', { code: '1000.0' }, 'bad_code'],
    ['empty code', { code: '' }, 'bad_code'],
    ['empty size (304)', { code: '304.0', size: '' }, null],
    ['empty size with code 200 (allowed: size unknown)', { size: '' }, null],
    ['size 2^53 − 1', { size: '9007199254740991.0' }, null],
    ['size 2^53', { size: '9007199254740992.0' }, 'bad_size'],
    ['negative size', { size: '-1.0' }, 'bad_size'],
    ['fractional size', { size: '1.5' }, 'bad_size'],
    ['size in exponent form', { size: '1e+05' }, 'bad_size'],
    ['crawler 2.0', { crawler: '2.0' }, 'bad_flag'],
    ['crawler empty', { crawler: '' }, 'bad_flag'],
    ['idx 0.5', { idx: '0.5' }, 'bad_flag'],
    ['noagent "true"', { noagent: 'true' }, 'bad_flag'],
    ['norefer written as integer 1', { norefer: '1' }, null],
    ['crawler 1.00', { crawler: '1.00' }, null],
    ['find 10.0', { find: '10.0' }, null],
    ['find 11.0', { find: '11.0' }, 'bad_find'],
    ['find empty', { find: '' }, 'bad_find'],
    ['browser win', { browser: 'win' }, null],
    ['browser upper case', { browser: 'WIN' }, 'bad_browser'],
    ['browser two letters', { browser: 'ip' }, 'bad_browser'],
    ['browser four letters', { browser: 'wind' }, 'bad_browser'],
    ['accession and extention empty (opaque text)', { accession: '', extention: '' }, null],
    ['bad date and bad cik: the first check in order wins', { date: '2017-02-30', cik: 'x' }, 'bad_date'],
    ['bad cik and bad flag: cik is checked first', { cik: 'x', idx: 'x' }, 'bad_cik'],
  ];
  for (const [title, overrides, reason] of cases) {
    it(`${title} → ${reason ?? 'visit'}`, () => {
      assert.equal(rejectReasonOf(rowWith(overrides)), reason);
    });
  }

  it('wrong field counts are field_count: missing, extra, empty line of commas, a lone space', () => {
    const good = rowWith({});
    assert.equal(rejectReasonOf(good.slice(0, good.lastIndexOf(','))), 'field_count');
    assert.equal(rejectReasonOf(good + ',extra'), 'field_count');
    assert.equal(rejectReasonOf(',,,,'), 'field_count');
    assert.equal(rejectReasonOf(' '), 'field_count');
    assert.equal(rejectReasonOf('101.81.133.jja'), 'field_count');
  });

  it('a copy of the header inside the data is repeated_header', () => {
    assert.equal(rejectReasonOf(EDGAR_HEADER), 'repeated_header');
  });

  it('a line longer than maxLineBytes is line_too_long, also when it spans chunks; parsing resumes after it', () => {
    const long = rowWith({ extention: 'x'.repeat(200) });
    const text = fileWith(rowWith({}), long, rowWith({ cik: '7.0' }));
    const whole = parse(text, { maxLineBytes: 150 });
    assert.equal(whole.stats.visits, 2);
    assert.deepEqual(whole.rejects.toJSON().byReason, { line_too_long: 1 });
    assert.equal(whole.rejects.samples[0].line, 3);
    const bytes = Buffer.from(text);
    for (const size of [1, 7, 64, 151, 300]) {
      const got = parseChunks(randomChunks(bytes, size, size), { maxLineBytes: 150 });
      assert.deepEqual(got.visits, whole.visits, `chunks ≤ ${size}`);
      assert.equal(got.stats.lines, 4);
      assert.equal(got.rejects.samples[0].line, 3);
    }
    // An overlong last line without LF.
    const tail = parse(fileWith(rowWith({})) + long, { maxLineBytes: 150 });
    assert.equal(tail.stats.lines, 3);
    assert.deepEqual(tail.rejects.toJSON().byReason, { line_too_long: 1 });
    const tailChunks = parseChunks(randomChunks(Buffer.from(fileWith(rowWith({})) + long), 3, 20), { maxLineBytes: 150 });
    assert.equal(tailChunks.stats.lines, 3);
    assert.equal(tailChunks.rejects.total, 1);
  });

  it('keeps numbers exact: cik, size and the event second', () => {
    const { batches } = parse(fileWith(rowWith({ cik: '9999999999.0', size: '9007199254740991.0', date: '2038-01-19', time: '03:14:08' })));
    assert.equal(batches[0].cik[0], 9_999_999_999);
    assert.equal(batches[0].size[0], 9_007_199_254_740_991);
    assert.equal(batches[0].second[0], 2 ** 31); // past the 32-bit limit
  });

  it('rows of several days in one file get their own day (the date cache follows the rows)', () => {
    const text = fileWith(
      rowWith({ date: '2017-06-30', time: '23:59:59' }),
      rowWith({ date: '2017-07-01', time: '00:00:00' }),
      rowWith({ date: '2017-02-30' }),
      rowWith({ date: '2017-06-30', time: '00:00:01' }),
    );
    const { batches, stats } = parse(text);
    const base = Date.UTC(2017, 5, 30) / 1000;
    assert.deepEqual([...batches[0].second], [base + 86_399, base + 86_400, base + 1]);
    assert.equal(stats.rejected, 1);
  });

  it('rejects are counted per reason with samples: line number, byte offset, raw text', () => {
    const rows = [rowWith({}), rowWith({ cik: '1.21e+24' }), '', rowWith({ time: 'x' }), 'garbage'];
    const text = fileWith(...rows);
    const { rejects, stats } = parse(text);
    assert.equal(stats.visits, 1);
    assert.equal(stats.blankLines, 1);
    assert.deepEqual(rejects.toJSON().byReason, { field_count: 1, bad_time: 1, bad_cik: 1 });
    assert.deepEqual(
      rejects.samples.map((s) => [s.line, s.reason, s.offset, s.text]),
      [
        [3, 'bad_cik', text.indexOf(rows[1]), rows[1]],
        [5, 'bad_time', text.indexOf(rows[3]), rows[3]],
        [6, 'field_count', text.indexOf('garbage'), 'garbage'],
      ],
    );
  });

  it('never crashes on random bytes after a valid header, in random chunks; every line is accounted for', () => {
    for (let seed = 1; seed <= 30; seed++) {
      let s = seed;
      const rand = (): number => ((s = (s * 1103515245 + 12345) >>> 0), s / 2 ** 32);
      const alphabet = '0123456789.,-:abcjz\r\n\n ée+';
      let body = '';
      for (let i = 0; i < 5000; i++) body += alphabet[Math.floor(rand() * alphabet.length)];
      // Mix in valid rows so both paths run.
      const text = `${EDGAR_HEADER}\n${body}\n${rowWith({})}\n${body.slice(0, 999)}`;
      const bytes = Buffer.from(text);
      const got = parseChunks(randomChunks(bytes, seed, 700));
      const lfs = bytes.filter((b) => b === 10).length;
      const lines = got.stats.lines;
      assert.equal(lines, bytes[bytes.length - 1] === 10 ? lfs : lfs + 1);
      assert.equal(got.stats.visits + got.stats.rejected + got.stats.blankLines, lines - 1);
      const o = oracle(text);
      assert.equal(got.stats.visits, o.visits, `seed ${seed}`);
      assert.deepEqual(got.rejects.toJSON().byReason, o.rejects, `seed ${seed}`);
    }
  });

  it('random corruptions of real rows agree with the oracle, visit for visit', () => {
    const lines = read('log20170630-first24999rows.csv').toString('latin1').split('\n').slice(0, 3000);
    let s = 42;
    const rand = (n: number): number => ((s = (s * 1664525 + 1013904223) >>> 0), s % n);
    const noise = ['', '-', '.', 'e', '9', ',', '0', 'a', ':', '\r', ' ', '.0', '1.0e+24'];
    const mutated = lines.map((l, n) => {
      if (n === 0 || rand(3) !== 0) return l;
      const at = rand(l.length + 1);
      return l.slice(0, at) + noise[rand(noise.length)] + l.slice(at + rand(3));
    });
    const text = mutated.join('\n');
    const got = parseChunks(randomChunks(Buffer.from(text, 'latin1'), 5, 2000));
    const o = oracle(text);
    assert.ok(got.stats.rejected > 100, `only ${got.stats.rejected} rejects`);
    assert.equal(got.stats.visits, o.visits);
    assert.deepEqual(got.rejects.toJSON().byReason, o.rejects);
  });
});

// ───────────── strict mode ─────────────

describe('--strict', () => {
  it('throws FINDOC_BAD_INPUT (exit 65) at the first reject, naming file:line and the reason', () => {
    const text = fileWith(rowWith({}), rowWith({}), rowWith({ cik: '1.21e+24' }), rowWith({ date: 'x' }));
    assert.throws(
      () => parse(text, { strict: true }),
      (e: unknown) =>
        e instanceof FindocError &&
        e.code === 'FINDOC_BAD_INPUT' &&
        e.exitCode === 65 &&
        e.message.startsWith('test.csv:4: rejected row (bad_cik: ') &&
        e.message.includes('1.21e+24'),
    );
  });

  it('does not throw for blank lines or a clean file', () => {
    const { stats } = parse(read('log20030301.csv'), { strict: true });
    assert.equal(stats.visits, 43_458);
    assert.equal(parse(`${EDGAR_HEADER}\n\n${rowWith({})}\n\n`, { strict: true }).stats.visits, 1);
  });
});

// ───────────── batch accessors ─────────────

describe('VisitBatch', () => {
  it('restamp replaces date and time and nothing else, in any column order', () => {
    const line = rowWith({ date: '2017-06-30', time: '00:00:04' });
    const { batches } = parse(fileWith(line));
    const t = Date.UTC(2025, 0, 2, 3, 4, 5) / 1000;
    assert.equal(batches[0].restamp(0, t), line.replace('2017-06-30,00:00:04', '2025-01-02,03:04:05'));
    const swapped = ['browser', 'time', 'ip', 'date', ...EDGAR_COLUMNS.filter((c) => !['browser', 'time', 'ip', 'date'].includes(c))];
    const row = swapped.map((c) => ({ browser: 'win', time: '12:00:00', ip: '1.2.3.abc', date: '2003-03-01' })[c as 'ip'] ?? rowWith({}).split(',')[EDGAR_COLUMNS.indexOf(c as 'ip')]).join(',');
    const p = parse(`${swapped.join(',')}\n${row}\n`);
    assert.equal(p.stats.visits, 1);
    assert.equal(p.batches[0].restamp(0, t), row.replace('12:00:00', '03:04:05').replace('2003-03-01', '2025-01-02'));
  });

  it('formatDay / formatTime / secondOfDay agree with Date', () => {
    const t = Date.UTC(2017, 5, 30, 23, 59, 58) / 1000;
    assert.equal(formatDay(t), '2017-06-30');
    assert.equal(formatTime(t), '23:59:58');
    const { batches } = parse(fileWith(rowWith({ time: '23:59:58' })));
    assert.equal(batches[0].secondOfDay(0), 86_398);
    assert.equal(batches[0].second[0], t);
  });

  it('lineBytes is a view of the raw bytes; line numbers follow the file', () => {
    const { batches } = parse(read('log20170611-first32rows.csv'));
    const b = batches[0];
    assert.equal(b.lineBytes(0).toString(), b.line(0));
    assert.ok(!b.line(0).endsWith('\r'));
    assert.deepEqual([...b.lineNumber.subarray(0, 3)], [2, 3, 4]);
    assert.equal(b.ip(31), b.record(31).ip);
    assert.throws(() => b.field(0, 99), RangeError);
  });

  it('a batch stays valid after the parser moves on', () => {
    const bytes = read('log20170630-first24999rows.csv');
    const parser = new LogParser({ source: { name: 'x', date: null } });
    const first = parser.push(bytes.subarray(0, 50_000)) as VisitBatch;
    const snapshot = first.record(10);
    parser.push(bytes.subarray(50_000));
    parser.end();
    assert.deepEqual(first.record(10), snapshot);
  });
});
