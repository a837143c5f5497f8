/**
 * The input layer on local inputs. Fixtures made here (gz, zips, trees) go to os.tmpdir(); the real
 * samples are read from ../shared. S3 is exercised only through an in-memory ObjectStore — the plug-in
 * point the S3 adapter satisfies; tests against a real S3 server live in the integration folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { FindocError } from '../../src/core/errors.js';
import {
  dateFromName,
  isCsvMember,
  isLogFileName,
  logFormat,
  openSource,
  parseS3Url,
  readSource,
  readVisits,
  resolveSources,
  unzipFirstCsv,
  type FileReport,
  type LogSource,
  type ObjectStore,
  type ReadVisitsOptions,
  type RunReport,
} from '../../src/core/log-input.js';
import { RejectLog } from '../../src/core/rejects.js';
import { EDGAR_HEADER } from '../../src/core/visit.js';
import { makeZip, type ZipEntry } from '../helpers/zip.js';

const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');
const realPath = (name: string): string => join(REAL, name);
const read = (name: string): Buffer => readFileSync(realPath(name));

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'findoc-log-input-'));
});
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

// ───────────── helpers ─────────────

interface ReadResult {
  /** One line per visit: line number, event second, cik, crawler, raw text. */
  visits: string[];
  reports: FileReport[];
  total: RunReport;
  names: string[];
}

async function readAll(specs: string | string[], options: ReadVisitsOptions = {}): Promise<ReadResult> {
  const reports: FileReport[] = [];
  const visits: string[] = [];
  const names: string[] = [];
  const gen = readVisits(specs, { ...options, onFileEnd: (r) => reports.push(r), onFileStart: (s) => names.push(s.name) });
  for (;;) {
    const r = await gen.next();
    if (r.done) return { visits, reports, total: r.value, names };
    const b = r.value;
    for (let i = 0; i < b.length; i++) visits.push(`${b.lineNumber[i]} ${b.second[i]} ${b.cik[i]} ${b.crawler[i]} ${b.line(i)}`);
  }
}

async function visitsOf(source: LogSource, store?: ObjectStore): Promise<{ visits: string[]; report: FileReport }> {
  const gen = readSource(source, { store });
  const visits: string[] = [];
  for (;;) {
    const r = await gen.next();
    if (r.done) return { visits, report: r.value };
    for (let i = 0; i < r.value.length; i++) visits.push(`${r.value.lineNumber[i]} ${r.value.second[i]} ${r.value.cik[i]} ${r.value.line(i)}`);
  }
}

/** An in-memory ObjectStore; `chunk` sets the size of the pieces get() streams. */
class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Buffer>();
  readonly opened: Readable[] = [];
  constructor(private readonly chunk = 10_000) {}
  put(bucket: string, key: string, data: Buffer): void {
    this.objects.set(`${bucket}/${key}`, data);
  }
  async *list(bucket: string, prefix: string): AsyncIterable<{ key: string; size: number }> {
    for (const [id, data] of [...this.objects].sort()) {
      if (id.startsWith(`${bucket}/${prefix}`)) yield { key: id.slice(bucket.length + 1), size: data.length };
    }
  }
  async get(bucket: string, key: string): Promise<Readable> {
    const data = this.objects.get(`${bucket}/${key}`);
    if (!data) throw new Error(`no such key ${key}`);
    const size = this.chunk;
    const stream = Readable.from(
      (function* () {
        for (let p = 0; p < data.length; p += size) yield data.subarray(p, p + size);
      })(),
      { objectMode: false, highWaterMark: size },
    );
    this.opened.push(stream);
    return stream;
  }
}

async function collect(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let p = 0; p < data.length; p += size) yield data.subarray(p, p + size);
}

function isBadInput(pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof FindocError, `not a FindocError: ${String(e)}`);
    assert.equal(e.code, 'FINDOC_BAD_INPUT');
    assert.match(e.message, pattern);
    return true;
  };
}

function isCode(code: string, pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof FindocError, `not a FindocError: ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };
}

// ───────────── names ─────────────

describe('names, formats and S3 URLs', () => {
  it('parseS3Url splits bucket and key or prefix', () => {
    assert.deepEqual(parseS3Url('s3://edgar/raw/2017/'), { bucket: 'edgar', key: 'raw/2017/' });
    assert.deepEqual(parseS3Url('s3://edgar/raw/log20170630.zip'), { bucket: 'edgar', key: 'raw/log20170630.zip' });
    assert.deepEqual(parseS3Url('s3://edgar'), { bucket: 'edgar', key: '' });
    assert.deepEqual(parseS3Url('s3://edgar/'), { bucket: 'edgar', key: '' });
    assert.deepEqual(parseS3Url('S3://Edgar/Raw/'), { bucket: 'Edgar', key: 'Raw/' });
    for (const bad of ['s3://', 's3:///key', 'http://edgar/x', 'edgar/x']) {
      assert.throws(() => parseS3Url(bad), isCode('FINDOC_USAGE', /is not an S3 URL/), bad);
    }
  });

  it('logFormat, dateFromName, isLogFileName, isCsvMember', () => {
    assert.equal(logFormat('a/log20170630.CSV'), 'csv');
    assert.equal(logFormat('log20170630.csv.gz'), 'csv.gz');
    assert.equal(logFormat('log20170630.zip'), 'zip');
    assert.equal(logFormat('log20170630.txt'), null);
    assert.equal(logFormat('log20170630.gz'), null);
    assert.equal(dateFromName('/x/2017/log20170630.zip'), '2017-06-30');
    assert.equal(dateFromName('log20170630-first24999rows.csv'), '2017-06-30');
    assert.equal(dateFromName('insight-example-log20170630-10rows-curated.csv'), '2017-06-30');
    assert.equal(dateFromName('log20170231.csv'), null);
    assert.equal(dateFromName('log2017063.csv'), null);
    assert.equal(dateFromName('log201706301.csv'), null);
    assert.equal(dateFromName('catalog20170630.csv'), null);
    assert.equal(dateFromName('log20170630/x.csv'), null);
    assert.ok(isLogFileName('dir/log20170630.csv.gz'));
    assert.ok(isLogFileName('LOG.csv'));
    assert.ok(!isLogFileName('README.txt'));
    assert.ok(!isLogFileName('insight-example-log20170630.csv'));
    assert.ok(isCsvMember('log20170630.csv'));
    assert.ok(isCsvMember('jan1.csv'));
    assert.ok(isCsvMember('sub/LOG.CSV'));
    assert.ok(!isCsvMember('README.txt'));
    assert.ok(!isCsvMember('__MACOSX/._log.csv'));
    assert.ok(!isCsvMember('dir.csv/'));
  });
});

// ───────────── resolving inputs ─────────────

describe('resolveSources', () => {
  let tree: string;
  before(() => {
    tree = join(tmp, 'tree');
    mkdirSync(join(tree, '2017', 'Qtr2'), { recursive: true });
    mkdirSync(join(tree, '2003'), { recursive: true });
    mkdirSync(join(tree, 'notes'), { recursive: true });
    const csv = `${EDGAR_HEADER}\n`;
    writeFileSync(join(tree, '2017', 'Qtr2', 'log20170630.csv'), csv);
    writeFileSync(join(tree, '2017', 'Qtr2', 'log20170629.csv.gz'), zlib.gzipSync(csv));
    writeFileSync(join(tree, '2017', 'log20170101.zip'), makeZip([{ name: 'log20170101.csv', data: Buffer.from(csv) }]));
    writeFileSync(join(tree, '2003', 'log20030301.csv'), csv);
    writeFileSync(join(tree, '2003', 'log20030301b.csv'), csv); // same date, sorted by name
    writeFileSync(join(tree, 'log.csv'), csv); // undated
    writeFileSync(join(tree, 'README.txt'), 'not a log');
    writeFileSync(join(tree, 'notes', 'other.csv'), 'not a log either');
    writeFileSync(join(tree, 'log20170702.txt'), 'wrong extension');
    symlinkSync(join(tree, '2003'), join(tree, 'link-to-2003')); // a directory link: not followed
  });
  const rel = (sources: LogSource[]): string[] => sources.map((s) => s.name.slice(tree.length + 1));

  it('finds log*.csv|.csv.gz|.zip recursively, sorted by file date then name, undated last', async () => {
    const sources = await resolveSources(tree);
    assert.deepEqual(rel(sources), [
      '2003/log20030301.csv',
      '2003/log20030301b.csv',
      '2017/log20170101.zip',
      '2017/Qtr2/log20170629.csv.gz',
      '2017/Qtr2/log20170630.csv',
      'log.csv',
    ]);
    assert.deepEqual(
      sources.map((s) => [s.date, s.format, s.kind]),
      [
        ['2003-03-01', 'csv', 'file'],
        ['2003-03-01', 'csv', 'file'],
        ['2017-01-01', 'zip', 'file'],
        ['2017-06-29', 'csv.gz', 'file'],
        ['2017-06-30', 'csv', 'file'],
        [null, 'csv', 'file'],
      ],
    );
  });

  it('filters by file date, inclusive; undated files from listings are dropped by a filter', async () => {
    assert.deepEqual(rel(await resolveSources(tree, { from: '2017-01-01', to: '2017-06-29' })), [
      '2017/log20170101.zip',
      '2017/Qtr2/log20170629.csv.gz',
    ]);
    assert.deepEqual(rel(await resolveSources(tree, { to: '2003-03-01' })), ['2003/log20030301.csv', '2003/log20030301b.csv']);
    assert.deepEqual(rel(await resolveSources(tree, { from: '2017-06-30' })), ['2017/Qtr2/log20170630.csv']);
    await assert.rejects(resolveSources(tree, { from: '2018-01-01' }), isCode('FINDOC_BAD_INPUT', /no log files dated 2018-01-01 or later .*: the 6 found are dated 2003-03-01 to 2017-06-30/));
  });

  it('keeps an explicitly named undated file under a filter, and names each file once', async () => {
    const sources = await resolveSources([join(tree, 'log.csv'), tree, join(tree, '2003', 'log20030301.csv')], { from: '2017-06-30' });
    assert.deepEqual(rel(sources), ['2017/Qtr2/log20170630.csv', 'log.csv']);
    const all = await resolveSources([tree, join(tree, '2003', '..', '2003', 'log20030301.csv')]);
    assert.equal(all.length, 6);
  });

  it('an explicit file may have any name but a known extension', async () => {
    const sources = await resolveSources(realPath('insight-example-log20170630-10rows-curated.csv'));
    assert.equal(sources[0].date, '2017-06-30');
    await assert.rejects(resolveSources(join(tree, 'README.txt')), isCode('FINDOC_USAGE', /README\.txt is not a \.csv, \.csv\.gz or \.zip file/));
  });

  it('usage errors: missing path, empty directory, no input, bad dates', async () => {
    await assert.rejects(resolveSources(join(tree, 'nope.csv')), isCode('FINDOC_USAGE', /nope\.csv does not exist/));
    await assert.rejects(resolveSources(join(tree, 'notes')), isCode('FINDOC_BAD_INPUT', /no log files in directory .*notes/));
    await assert.rejects(resolveSources([]), isCode('FINDOC_USAGE', /no input given/));
    await assert.rejects(resolveSources(tree, { from: '2017-6-30' }), isCode('FINDOC_USAGE', /--from 2017-6-30 is not a date/));
    await assert.rejects(resolveSources(tree, { to: '2017-02-30' }), isCode('FINDOC_USAGE', /--to 2017-02-30 is not a date/));
    await assert.rejects(resolveSources(tree, { from: '2017-07-01', to: '2017-06-30' }), isCode('FINDOC_USAGE', /after --to/));
    // A range that selects none of the files found says what was searched and what is there (exit 65).
    await assert.rejects(
      resolveSources(tree, { from: '2030-01-01', to: '2030-01-02' }),
      isCode('FINDOC_BAD_INPUT', new RegExp(`no log files dated 2030-01-01 to 2030-01-02 in ${tree.replace(/[/.]/g, '\\$&')}: the \\d+ found are dated \\d{4}-\\d\\d-\\d\\d`)),
    );
    await assert.rejects(resolveSources(tree, { from: '2030-01-01' }), isCode('FINDOC_BAD_INPUT', /no log files dated 2030-01-01 or later/));
  });

  it('s3:// specs need an ObjectStore (FINDOC_CONFIG), then list prefixes and pick log files', async () => {
    await assert.rejects(resolveSources('s3://edgar/raw/'), isCode('FINDOC_CONFIG', /cannot read s3:\/\/edgar\/raw\/: no S3 connection/));
    const store = new MemoryStore();
    for (const key of ['raw/2017/log20170630.zip', 'raw/2017/log20170101.csv.gz', 'raw/README.txt', 'raw/2003/log20030301.csv', 'other/log20170601.csv']) {
      store.put('edgar', key, Buffer.alloc(1));
    }
    const sources = await resolveSources(['s3://edgar/raw/'], { store, from: '2017-01-01' });
    assert.deepEqual(
      sources.map((s) => [s.name, s.bucket, s.key, s.format, s.date, s.size]),
      [
        ['s3://edgar/raw/2017/log20170101.csv.gz', 'edgar', 'raw/2017/log20170101.csv.gz', 'csv.gz', '2017-01-01', 1],
        ['s3://edgar/raw/2017/log20170630.zip', 'edgar', 'raw/2017/log20170630.zip', 'zip', '2017-06-30', 1],
      ],
    );
    assert.equal((await resolveSources('s3://edgar', { store })).length, 4);
    assert.equal((await resolveSources('s3://edgar/raw/2003/log20030301.csv', { store }))[0].kind, 's3');
    await assert.rejects(resolveSources('s3://edgar/raw', { store }), (e: unknown) => {
      assert.ok(e instanceof FindocError && e.code === 'FINDOC_USAGE');
      assert.match(e.message, /input s3:\/\/edgar\/raw is not a \.csv, \.csv\.gz or \.zip object/);
      assert.match(e.details.hint ?? '', /end the prefix with "\/": s3:\/\/edgar\/raw\//);
      return true;
    });
    await assert.rejects(resolveSources('s3://edgar/empty/', { store }), isCode('FINDOC_BAD_INPUT', /no log files under s3:\/\/edgar\/empty\//));
  });
});

// ───────────── formats ─────────────

describe('formats: csv, csv.gz, zip give identical visits', () => {
  it('log20030301.csv, log20030301.zip (yauzl), a gzip made here and the zip streamed: 43,458 visits each', async () => {
    const csv = await readAll(realPath('log20030301.csv'));
    assert.equal(csv.total.visits, 43_458);
    assert.equal(csv.total.rejected, 0);
    const zip = await readAll(realPath('log20030301.zip'));
    assert.deepEqual(zip.visits, csv.visits);
    assert.deepEqual(zip.reports[0].bytes, 5_095_789);

    const gz = join(tmp, 'log20030301.csv.gz');
    writeFileSync(gz, zlib.gzipSync(read('log20030301.csv')));
    const fromGz = await readAll(gz);
    assert.deepEqual(fromGz.visits, csv.visits);

    const store = new MemoryStore(7_777);
    store.put('b', 'log20030301.zip', read('log20030301.zip'));
    store.put('b', 'log20030301.csv.gz', readFileSync(gz));
    const s3 = await readAll(['s3://b/log20030301.zip', 's3://b/log20030301.csv.gz'], { store });
    assert.deepEqual(s3.visits, [...csv.visits, ...csv.visits]);
    assert.deepEqual(s3.names, ['s3://b/log20030301.csv.gz', 's3://b/log20030301.zip']);
  });

  it('log20170101-every100th-row.zip (member jan1.csv, CRLF): 174,856 rows, 174,850 visits, 6 bad_cik', async () => {
    const local = await readAll(realPath('log20170101-every100th-row.zip'));
    assert.equal(local.total.lines, 174_857);
    assert.equal(local.total.visits, 174_850);
    assert.deepEqual(local.total.rejects.toJSON().byReason, { bad_cik: 6 });
    assert.deepEqual(
      local.reports[0].rejects.samples.map((s) => s.line),
      [57140, 87642, 87899, 88414, 88485, 133783],
    );
    assert.equal(local.reports[0].rejects.samples[0].file, realPath('log20170101-every100th-row.zip'));
    // The same bytes through the streaming reader (as from S3).
    const store = new MemoryStore(65_536);
    store.put('b', 'log20170101-every100th-row.zip', read('log20170101-every100th-row.zip'));
    const streamed = await readAll('s3://b/log20170101-every100th-row.zip', { store });
    assert.deepEqual(streamed.visits, local.visits);
  });

  it('the 2017-06-30 prefix: 24,999 rows, 24,997 visits, in csv and gz', async () => {
    const csv = await readAll(realPath('log20170630-first24999rows.csv'));
    assert.equal(csv.total.visits, 24_997);
    assert.equal(csv.total.rejected, 2);
    const gz = join(tmp, 'log20170630-prefix.csv.gz');
    // Two gzip members back to back (as `cat a.gz b.gz` makes): one stream of bytes.
    const bytes = read('log20170630-first24999rows.csv');
    writeFileSync(gz, Buffer.concat([zlib.gzipSync(bytes.subarray(0, 1_000_003)), zlib.gzipSync(bytes.subarray(1_000_003))]));
    assert.deepEqual((await readAll(gz)).visits, csv.visits);
  });

  it('every real sample, read as one directory: row and reject totals', async () => {
    const all = await readAll(REAL);
    // 43,458 ×2 (csv and zip) + 8,978 + 14 + 792 + 174,856 + 99 + 244 + 32 + 70 + 24,999 rows
    // (the insight example is not named log*), of which 6 + 2 have a garbage cik.
    assert.equal(all.total.files, 11);
    assert.equal(all.total.visits + all.total.rejected, 43_458 * 2 + 8_978 + 14 + 792 + 174_856 + 99 + 244 + 32 + 70 + 24_999);
    assert.equal(all.total.rejected, 8);
    assert.equal(all.total.visits, 296_992);
    assert.equal(all.names[0], realPath('log20030220-first8978rows.csv'));
    assert.equal(all.names.at(-1), realPath('log20170630-first24999rows.csv'));
  });
});

// ───────────── zips ─────────────

describe('zip members and the streaming zip reader', () => {
  const csvBytes = read('log20170628-70rows.csv');
  const readme = Buffer.from('EDGAR Log File Data set\r\n'.repeat(50));

  const variants: Array<[string, ZipEntry[]]> = [
    ['CSV first, README after (SEC layout)', [{ name: 'log20170628.csv', data: csvBytes }, { name: 'README.txt', data: readme, method: 0 }]],
    ['README first, stored', [{ name: 'README.txt', data: readme, method: 0 }, { name: 'log20170628.csv', data: csvBytes }]],
    ['README first, deflated with a data descriptor', [{ name: 'README.txt', data: readme, descriptor: true }, { name: 'log20170628.csv', data: csvBytes }]],
    ['CSV with a data descriptor', [{ name: 'log20170628.csv', data: csvBytes, descriptor: true }]],
    ['CSV with a data descriptor without signature', [{ name: 'README.txt', data: readme, descriptor: true, descriptorSignature: false }, { name: 'log20170628.csv', data: csvBytes, descriptor: true, descriptorSignature: false }]],
    ['CSV stored', [{ name: 'log20170628.csv', data: csvBytes, method: 0 }]],
    ['directory and macOS metadata before the CSV', [{ name: 'data/', data: Buffer.alloc(0), method: 0 }, { name: '__MACOSX/._log.csv', data: Buffer.from('junk') }, { name: 'data/log.csv', data: csvBytes }]],
  ];
  for (const [title, members] of variants) {
    it(`${title}: yauzl and the streaming reader both return the CSV`, async () => {
      const zip = makeZip(members);
      for (const size of [1, 13, 4096, zip.length]) {
        assert.deepEqual(await collect(unzipFirstCsv(chunked(zip, size), 'z.zip')), csvBytes, `chunks of ${size}`);
      }
      const path = join(tmp, `variant-${variants.findIndex((v) => v[0] === title)}.zip`);
      writeFileSync(path, zip);
      const local = await readAll(path);
      assert.equal(local.total.visits, 70);
      assert.deepEqual(await collect((await openSource({ kind: 'file', name: path, path, format: 'zip', date: null })) as AsyncIterable<Buffer>), csvBytes);
    });
  }

  it('a 5 MB member with a data descriptor, fed in odd chunks, round-trips (deflate end found by the inflater)', async () => {
    const big = read('log20030301.csv');
    const zip = makeZip([{ name: 'README.txt', data: readme, descriptor: true }, { name: 'log20030301.csv', data: big, descriptor: true }]);
    assert.ok((await collect(unzipFirstCsv(chunked(zip, 16_001), 'z.zip'))).equals(big));
  });

  it('a zip without a CSV member is bad input, for both readers', async () => {
    const zip = makeZip([{ name: 'README.txt', data: readme }]);
    await assert.rejects(collect(unzipFirstCsv(chunked(zip, 100), 'z.zip')), isBadInput(/^z\.zip: the zip holds no \.csv member/));
    const path = join(tmp, 'no-csv.zip');
    writeFileSync(path, zip);
    await assert.rejects(readAll(path), isBadInput(/no-csv\.zip: the zip holds no \.csv member/));
  });

  it('a corrupt CRC, a truncated zip, a non-zip and an empty file are bad input naming the file', async () => {
    const zip = makeZip([{ name: 'log.csv', data: csvBytes }]);
    const badCrc = Buffer.from(zip);
    badCrc.writeUInt32LE((zlib.crc32(csvBytes) ^ 1) >>> 0, 14); // local header CRC
    badCrc.writeUInt32LE((zlib.crc32(csvBytes) ^ 1) >>> 0, zip.length - 22 - 46 - 7 + 16); // central directory CRC
    await assert.rejects(collect(unzipFirstCsv(chunked(badCrc, 999), 'z.zip')), isBadInput(/z\.zip: corrupt zip: member log\.csv fails its CRC-32 check/));
    const crcPath = join(tmp, 'bad-crc.zip');
    writeFileSync(crcPath, badCrc);
    await assert.rejects(readAll(crcPath), isBadInput(/bad-crc\.zip: corrupt zip: the CSV member's CRC-32 does not match/));

    const truncated = zip.subarray(0, 400); // inside the deflated data
    await assert.rejects(collect(unzipFirstCsv(chunked(truncated, 999), 'z.zip')), isBadInput(/z\.zip: corrupt zip: truncated/));
    const truncPath = join(tmp, 'truncated.zip');
    writeFileSync(truncPath, truncated);
    await assert.rejects(readAll(truncPath), isBadInput(/truncated\.zip: not a readable zip file/));

    await assert.rejects(collect(unzipFirstCsv(chunked(csvBytes, 999), 'z.zip')), isBadInput(/^z\.zip: not a zip file/));
    await assert.rejects(collect(unzipFirstCsv(chunked(Buffer.alloc(0), 999), 'z.zip')), isBadInput(/^z\.zip: empty zip file/));
  });

  it('a truncated or corrupt gzip is bad input naming the file', async () => {
    const gz = zlib.gzipSync(read('log20170628-70rows.csv'));
    const truncPath = join(tmp, 'log20170628-truncated.csv.gz');
    writeFileSync(truncPath, gz.subarray(0, gz.length - 100));
    await assert.rejects(readAll(truncPath), isBadInput(/log20170628-truncated\.csv\.gz: corrupt gzip data/));
    const notGz = join(tmp, 'log20170628-plain.csv.gz');
    writeFileSync(notGz, read('log20170628-70rows.csv'));
    await assert.rejects(readAll(notGz), isBadInput(/log20170628-plain\.csv\.gz: corrupt gzip data/));
  });
});

// ───────────── reading ─────────────

describe('readVisits', () => {
  it('reports per file (onFileEnd), totals (return value) and merged rejects (options.rejects)', async () => {
    const rejects = new RejectLog({ maxSamples: 5 });
    let sources: readonly LogSource[] = [];
    const r = await readAll([realPath('log20170630-first24999rows.csv'), realPath('log20170514-first244rows.csv')], {
      rejects,
      onSources: (s) => (sources = s),
    });
    assert.deepEqual(sources.map((s) => s.date), ['2017-05-14', '2017-06-30']);
    assert.deepEqual(
      r.reports.map((x) => [x.source.date, x.lines, x.visits, x.rejected, x.blankLines, x.bytes]),
      [
        ['2017-05-14', 245, 244, 0, 0, 28_121],
        ['2017-06-30', 25_000, 24_997, 2, 0, 2_872_684],
      ],
    );
    assert.deepEqual({ ...r.total, rejects: undefined }, { files: 2, lines: 25_245, visits: 25_241, rejected: 2, blankLines: 0, bytes: 2_900_805, rejects: undefined });
    assert.equal(rejects.total, 2);
    assert.equal(r.total.rejects, rejects);
    assert.equal(rejects.samples[0].file, realPath('log20170630-first24999rows.csv'));
  });

  it('each batch says which file and day it comes from', async () => {
    const seen = new Set<string>();
    for await (const b of readVisits(REAL, { from: '2017-06-28', to: '2017-06-30' })) seen.add(`${b.source.date} ${b.length > 0}`);
    assert.deepEqual([...seen], ['2017-06-28 true', '2017-06-30 true']);
  });

  it('--strict stops at the first reject with file:line', async () => {
    await assert.rejects(
      readAll(realPath('log20170630-first24999rows.csv'), { strict: true }),
      isBadInput(/log20170630-first24999rows\.csv:11818: rejected row \(bad_cik: /),
    );
    const zipped = new MemoryStore();
    zipped.put('b', 'log20170101.zip', read('log20170101-every100th-row.zip'));
    await assert.rejects(readAll('s3://b/log20170101.zip', { strict: true, store: zipped }), isBadInput(/^s3:\/\/b\/log20170101\.zip:57140: rejected row/));
  });

  it('a file with a bad header stops the run with FINDOC_BAD_INPUT naming it', async () => {
    const path = join(tmp, 'log20990101.csv');
    writeFileSync(path, 'a,b,c\n1,2,3\n');
    await assert.rejects(readAll(path), isBadInput(/log20990101\.csv: not an EDGAR log file: the header lacks columns/));
  });

  it('breaking out of the loop closes the source stream', async () => {
    const store = new MemoryStore(4096);
    store.put('b', 'log20030301.csv', read('log20030301.csv'));
    store.put('b', 'log20030301.zip', read('log20030301.zip'));
    store.put('b', 'log20030301.csv.gz', zlib.gzipSync(read('log20030301.csv')));
    for (const key of ['log20030301.csv', 'log20030301.zip', 'log20030301.csv.gz']) {
      for await (const b of readVisits(`s3://b/${key}`, { store })) {
        assert.ok(b.length > 0);
        break;
      }
      const stream = store.opened.at(-1) as Readable;
      assert.ok(stream.destroyed, key);
    }
  });

  it('backpressure: a consumer that stops pulling stops the reading (no day is buffered)', async () => {
    // A 60 MB source produced lazily; count how much of it is pulled while the consumer holds one batch.
    const row = read('log20170630-first24999rows.csv');
    let produced = 0;
    const store: ObjectStore = {
      async *list() {},
      async get() {
        return Readable.from(
          (function* () {
            for (let i = 0; i < 20; i++) {
              const part = i === 0 ? row : row.subarray(row.indexOf(10) + 1);
              for (let p = 0; p < part.length; p += 65_536) {
                produced += Math.min(65_536, part.length - p);
                yield part.subarray(p, p + 65_536);
              }
            }
          })(),
          { objectMode: false, highWaterMark: 65_536 },
        );
      },
    };
    const gen = readVisits('s3://b/log20170630.csv', { store });
    const first = await gen.next();
    assert.ok(!first.done);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(produced < 2_000_000, `${produced} bytes pulled while the consumer held one batch`);
    await gen.return(undefined as never);
  });

  it('a directory with date filtering reads only the chosen days', async () => {
    const dir = join(tmp, 'days');
    mkdirSync(dir);
    writeFileSync(join(dir, 'log20170628.csv'), read('log20170628-70rows.csv'));
    writeFileSync(join(dir, 'log20170514.csv.gz'), zlib.gzipSync(read('log20170514-first244rows.csv')));
    writeFileSync(join(dir, 'log20030301.zip'), read('log20030301.zip'));
    writeFileSync(join(dir, 'log20170611.csv'), read('log20170611-first32rows.csv'));
    const r = await readAll(dir, { from: '2017-05-01', to: '2017-06-28' });
    assert.deepEqual(r.names.map((n) => n.slice(dir.length + 1)), ['log20170514.csv.gz', 'log20170611.csv', 'log20170628.csv']);
    assert.equal(r.total.visits, 244 + 32 + 70);
    const days = new Set(r.visits.map((v) => new Date(Number(v.split(' ')[1]) * 1000).toISOString().slice(0, 10)));
    assert.deepEqual([...days], ['2017-05-14', '2017-06-11', '2017-06-28']);
    assert.equal((await readAll(dir, { to: '2003-12-31' })).total.visits, 43_458);
  });
});
