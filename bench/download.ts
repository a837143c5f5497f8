/**
 * findoc download's local path: a large day, zipped, from a local HTTP server into S3 (issue 4: ≥ 100 MB/s
 * of CSV stored, memory flat).
 *
 *   node --import tsx bench/download.ts [--rows N] [--runs N] [--gzip-level L] [--no-gzip] [--real]
 *
 * Input: a day of N rows (default 8,000,000 ≈ 0.9 GB of CSV) made by `findoc generate --format zip`
 * (deflate at zlib's default level, like the SEC's zips; bench/lib/input.ts, cached under
 * bench/out/data/), and a second day of a quarter of that for the memory check. With --real instead: the
 * real 2017-06-30 sample (../shared) repeated into ≥ N rows and zipped the same way into a temporary
 * directory. A separate Node process serves both zips over HTTP on 127.0.0.1 (at the SEC paths), so that
 * serving does not share the measured process's event loop. Needs the local stack's S3 (npm run
 * stack:up); each run uses its own bucket, deleted at the end.
 *
 *   findoc          the built CLI, `findoc download --date D --to-s3 … --base-url … --json`: its own
 *                   duration (HTTP, unzip with CRC check, header check, row count, SHA-256, gzip, multipart
 *                   upload, server-side copy with the metadata), as CSV MB/s (10^6 bytes). Peak RSS of the
 *                   process (VmHWM, polled) at both day sizes: flat memory means the two are close.
 *   references, same run, same bytes, in this process:
 *     unzip+gzip    the zip file read from disk through unzipFirstCsv, checkEdgarCsv and gzipParallel: the
 *                   same CPU work alone, no network, no S3 — the ceiling of the local path;
 *     http→null     the zip fetched from the same server with the same HTTP client and thrown away,
 *                   expressed as the CSV MB/s it carries;
 *     s3 put        ObjectStore.put of a stream as large as the stored object, as the CSV MB/s it carries.
 *
 * Each measurement is repeated --runs times (default 3), alternating download and references, and the
 * best of each is reported: machines are shared and noisy; compare ratios within one run, not absolute
 * values across runs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { HttpClient } from '../src/adapters/http.js';
import { ObjectStore } from '../src/adapters/s3.js';
import { resolveConfig } from '../src/core/config.js';
import { checkEdgarCsv, type CsvStats } from '../src/download/download.js';
import { gzipParallel } from '../src/core/gzip.js';
import { unzipFirstCsv } from '../src/core/log-input.js';
import { dayPath, dayUrl } from '../src/core/sec-urls.js';
import { generatedDays, removeBucket } from './lib/input.js';
import { measure, type Measured } from './lib/measure.js';
import { report, type Figure } from './lib/report.js';
import { writeZipFile } from '../test/helpers/zip.js';

const SAMPLE = join(import.meta.dirname, '../../shared/data/edgar-samples/real/log20170630-first24999rows.csv');
const BIN = fileURLToPath(new URL('../bin/findoc', import.meta.url));
const SEC_PATH = '/dera/data/Public-EDGAR-log-file-data';
const BIG_DAY = '2017-06-30';
const SMALL_DAY = '2017-06-29';

interface Args {
  rows: number;
  real: boolean;
  gzip: boolean;
  gzipLevel: number;
  runs: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { rows: 8_000_000, real: false, gzip: true, gzipLevel: 1, runs: 3 };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    if (x === '--rows') a.rows = Number(argv[++i]);
    else if (x === '--real') a.real = true;
    else if (x === '--gzip-level') a.gzipLevel = Number(argv[++i]);
    else if (x === '--no-gzip') a.gzip = false;
    else if (x === '--runs') a.runs = Math.max(1, Number(argv[++i]));
    else if (x === '--help' || x === '-h') {
      console.log('usage: node --import tsx bench/download.ts [--rows N] [--runs N] [--gzip-level L] [--no-gzip] [--real]');
      process.exit(0);
    } else throw new Error(`unknown argument ${x}`);
  }
  return a;
}

interface Day {
  zip: string;
  csvBytes: number;
  rows: number;
  sha256: string;
}

/** A generated day of `rows` rows as a zip (cached), with the size, rows and SHA-256 of the CSV inside. */
async function generatedDayZip(date: string, rows: number): Promise<Day> {
  const set = await generatedDays({ rowsPerDay: rows, format: 'zip', from: date });
  const zip = set.files[0];
  const stats: CsvStats = { bytes: 0, rows: 0, sha256: '' };
  for await (const _ of checkEdgarCsv(unzipFirstCsv(createReadStream(zip, { highWaterMark: 1 << 20 }), zip), zip, stats)) {
    // hashed and counted by checkEdgarCsv
  }
  if (stats.bytes !== set.csvBytes) throw new Error(`${zip}: ${stats.bytes} CSV bytes, findoc generate said ${set.csvBytes}`);
  return { zip, csvBytes: stats.bytes, rows: set.rows, sha256: stats.sha256 };
}

/**
 * --real: writes a zip holding one CSV member of ≥ rows rows (the sample's rows repeated after one
 * header), streamed: local header with sizes and CRC patched in at the end (bit 3 clear, as the SEC's),
 * deflate level 6.
 */
async function makeDayZip(path: string, name: string, rows: number): Promise<Day> {
  const sample = readFileSync(SAMPLE);
  const lf = sample.indexOf(10);
  const header = sample.subarray(0, lf + 1);
  const body = sample.subarray(lf + 1);
  let bodyRows = 0;
  for (let i = body.indexOf(10); i !== -1; i = body.indexOf(10, i + 1)) bodyRows++;
  const copies = Math.ceil(rows / bodyRows);
  const hash = createHash('sha256');
  function* csv(): Iterable<Buffer> {
    hash.update(header);
    yield header;
    for (let k = 0; k < copies; k++) {
      hash.update(body);
      yield body;
    }
  }
  let csvBytes: number;
  try {
    csvBytes = (await writeZipFile(path, name, csv(), { level: 6 })).size;
  } catch (e) {
    throw new Error(`--rows too large for --real: ${(e as Error).message}`);
  }
  return { zip: path, csvBytes, rows: bodyRows * copies, sha256: hash.digest('hex') };
}

/** A static file server in its own process: SEC path of each day → its zip. Resolves with its base URL. */
function startServer(routes: Record<string, string>): Promise<{ base: string; stop: () => void }> {
  const script = `
    const http = require('node:http'); const fs = require('node:fs');
    const routes = ${JSON.stringify(routes)};
    const server = http.createServer((req, res) => {
      const file = routes[req.url];
      if (!file) { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': fs.statSync(file).size });
      fs.createReadStream(file, { highWaterMark: 1 << 20 }).pipe(res);
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve({ base: `http://127.0.0.1:${String(d).trim()}${SEC_PATH}`, stop: () => child.kill() }));
  });
}

interface CliDay {
  status: string;
  csvBytes: number;
  storedBytes: number;
  zipBytes: number;
  rows: number;
  sha256?: string;
  seconds: number;
  reason?: string;
}

async function cliDownload(date: string, base: string, bucket: string, args: Args): Promise<{ day: CliDay; m: Measured }> {
  const argv = [BIN, 'download', '--date', date, '--to-s3', `s3://${bucket}/days/`, '--base-url', base, '--json', '--force'];
  if (!args.gzip) argv.push('--no-gzip');
  argv.push('--gzip-level', String(args.gzipLevel));
  const m = await measure(process.execPath, argv, { env: { FINDOC_USER_AGENT: 'findoc bench admin@example.com' } });
  if (m.code !== 0) throw new Error(`findoc download exited ${m.code}: ${m.stderr}\n${m.stdout}`);
  const out = JSON.parse(m.stdout) as { days: CliDay[] };
  return { day: out.days[0], m };
}

async function unzipGzipReference(day: Day, args: Args): Promise<number> {
  const t0 = performance.now();
  const stats: CsvStats = { bytes: 0, rows: 0, sha256: '' };
  const csv = checkEdgarCsv(unzipFirstCsv(createReadStream(day.zip, { highWaterMark: 64 * 1024 }), 'bench.zip'), 'bench.zip', stats);
  for await (const _ of args.gzip ? gzipParallel(csv, { level: args.gzipLevel }) : csv) {
    // thrown away
  }
  if (stats.bytes !== day.csvBytes) throw new Error('reference read the wrong number of bytes');
  return (performance.now() - t0) / 1000;
}

async function httpReference(url: string, zipBytes: number): Promise<number> {
  const client = new HttpClient();
  try {
    const t0 = performance.now();
    const res = await client.get(url);
    let n = 0;
    for await (const c of res.body) n += (c as Buffer).length;
    if (n !== zipBytes) throw new Error(`http reference got ${n} bytes, expected ${zipBytes}`);
    return (performance.now() - t0) / 1000;
  } finally {
    client.close();
  }
}

async function s3PutReference(store: ObjectStore, bucket: string, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(1 << 20);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24; // not all zeros
  function* chunks() {
    for (let left = bytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
  }
  const t0 = performance.now();
  await store.put(bucket, 'reference/put.bin', Readable.from(chunks(), { objectMode: false }));
  return (performance.now() - t0) / 1000;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'findoc-bench-download-'));
  const config = resolveConfig({}, process.env);
  const store = new ObjectStore(config.s3);
  const bucket = `bench-download-${Date.now().toString(36)}`;
  let server: { base: string; stop: () => void } | undefined;
  try {
    const smallRows = Math.ceil(args.rows / 4);
    process.stderr.write(`days of ${args.rows} and ${smallRows} rows (zip, deflate level 6, ${args.real ? 'real sample repeated' : 'findoc generate'})…\n`);
    const big = args.real ? await makeDayZip(join(dir, 'log20170630.zip'), 'log20170630.csv', args.rows) : await generatedDayZip(BIG_DAY, args.rows);
    const small = args.real ? await makeDayZip(join(dir, 'log20170629.zip'), 'log20170629.csv', smallRows) : await generatedDayZip(SMALL_DAY, smallRows);
    server = await startServer({ [SEC_PATH + dayPath(BIG_DAY)]: big.zip, [SEC_PATH + dayPath(SMALL_DAY)]: small.zip });
    await store.ensureBucket(bucket);

    process.stderr.write(`findoc download (small day, then big day) and references, ${args.runs} runs…\n`);
    let best: { day: CliDay; wallS: number } | undefined;
    let bigPeak = 0;
    let smallPeak = 0;
    let cpuS = Infinity;
    let httpS = Infinity;
    let putS = Infinity;
    for (let r = 0; r < args.runs; r++) {
      const s = await cliDownload(SMALL_DAY, server.base, bucket, args);
      const b = await cliDownload(BIG_DAY, server.base, bucket, args);
      for (const [run, day] of [
        [s, small],
        [b, big],
      ] as const) {
        if (run.day.status !== 'stored' || run.day.sha256 !== day.sha256 || run.day.rows !== day.rows) {
          throw new Error(`download did not store the day intact: ${JSON.stringify(run.day)}`);
        }
      }
      if (!best || b.day.seconds < best.day.seconds) best = { day: b.day, wallS: b.m.wallMs / 1000 };
      bigPeak = Math.max(bigPeak, b.m.peakRssMiB);
      smallPeak = Math.max(smallPeak, s.m.peakRssMiB);
      cpuS = Math.min(cpuS, await unzipGzipReference(big, args));
      httpS = Math.min(httpS, await httpReference(dayUrl(BIG_DAY, server.base), b.day.zipBytes));
      putS = Math.min(putS, await s3PutReference(store, bucket, b.day.storedBytes));
      process.stderr.write(`  run ${r + 1}: ${(b.day.csvBytes / 1e6 / b.day.seconds).toFixed(1)} MB/s\n`);
    }
    if (!best) throw new Error('no run');
    const d = best.day;

    const mbps = (bytes: number, s: number) => bytes / 1e6 / s;
    const csvMBps = mbps(d.csvBytes, d.seconds);
    const figures: Figure[] = [
      {
        bench: 'download',
        metric: 'csv_stored_mb_per_s',
        value: csvMBps,
        unit: 'MB/s',
        reference: `unzip+gzip${args.gzip ? ` (level ${args.gzipLevel})` : ''}, no I/O`,
        reference_value: mbps(d.csvBytes, cpuS),
        target: '>= 100',
        note: `best of ${args.runs}: ${(d.csvBytes / 1e6).toFixed(0)} MB CSV, ${(d.zipBytes / 1e6).toFixed(0)} MB zip, ${(d.storedBytes / 1e6).toFixed(0)} MB stored, ${d.seconds.toFixed(2)} s (wall with start-up ${best.wallS.toFixed(2)} s)`,
      },
      { bench: 'download', metric: 'csv_stored_mb_per_s', value: csvMBps, unit: 'MB/s', reference: 'http→null (CSV carried)', reference_value: mbps(d.csvBytes, httpS) },
      { bench: 'download', metric: 'csv_stored_mb_per_s', value: csvMBps, unit: 'MB/s', reference: 's3 put of the stored size (CSV carried)', reference_value: mbps(d.csvBytes, putS) },
      {
        bench: 'download',
        metric: 'peak_rss_big_day',
        value: bigPeak,
        unit: 'MiB',
        reference: 'peak RSS, day 4x smaller',
        reference_value: smallPeak,
        target: 'ratio ≈ 1 (flat)',
      },
    ];
    report(figures);
  } finally {
    server?.stop();
    await removeBucket(store, bucket);
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
