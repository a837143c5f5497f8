/**
 * Parser throughput against the CSV scan limit of the same machine (DESIGN §5).
 *
 *   node --import tsx bench/parse.ts [--rows N] [--format csv,csv.gz,zip] [--runs N] [--with-csv-parse]
 *   node --import tsx bench/parse.ts --real [--runs N]        the real samples instead
 *   node --import tsx bench/parse.ts [--runs N] file…         your own files
 *
 * Input (default): one day of --rows rows (default 2,000,000) made by `findoc generate` in each --format
 * (default csv and csv.gz; bench/lib/input.ts caches them under bench/out/data/). With --real: the real
 * samples log20030301.csv and log20170630-first24999rows.csv from ../shared, each repeated into a temporary
 * file of ≥ 1 M rows so timings mean something — real bytes are a useful second input. For each input it
 * measures, best of N runs (default 5), on one core:
 *   raw_read      fs.createReadStream(file) with its defaults (64 KiB reads), summing chunk lengths.
 *   raw_read_decompressed
 *                 for .csv.gz/.zip inputs, the reference instead: openSource without parsing (read and
 *                 decompress, the same bytes readVisits parses).
 *   raw_read_256k the same with the input layer's read size (FILE_CHUNK_BYTES, 256 KiB): exactly the I/O
 *                 readVisits does, without the parsing.
 *   raw_read_1m   the same with 1 MiB reads: the fastest raw read found here, shown so that nobody takes
 *                 the first reference for the best possible one.
 *   parse         readVisits() over the file — open, read, (decompress,) parse, validate — touching every
 *                 visit.
 *   csv_parse     (with --with-csv-parse) csv-parse 7 over the same file, for the comparison in
 *                 log-parser.ts's header comment.
 * Rates are in rows/s; a raw read's rows/s is its bytes/s ÷ the file's bytes per row (same bytes, same
 * rows), and MB/s (10^6 bytes) are in the note. Prints through bench/lib/report.ts: one figure per (input,
 * reference) — parse's rate, the reference's, their ratio — and this process's peak RSS.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as csvParse } from 'csv-parse';
import { FILE_CHUNK_BYTES, openSource, readVisits, resolveSources } from '../src/core/log-input.js';
import { generatedDays, type DayFormat } from './lib/input.js';
import { peakRssMiB, report, type Figure } from './lib/report.js';

const MIN_ROWS = 1_000_000;
const SAMPLES = join(import.meta.dirname, '../../shared/data/edgar-samples/real');

interface Args {
  runs: number;
  rows: number;
  formats: DayFormat[];
  real: boolean;
  withCsvParse: boolean;
  files: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 5, rows: 2_000_000, formats: ['csv', 'csv.gz'], real: false, withCsvParse: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') args.runs = Math.max(1, Number(argv[++i]));
    else if (a === '--rows') args.rows = Number(argv[++i]);
    else if (a === '--format') args.formats = argv[++i].split(',') as DayFormat[];
    else if (a === '--real') args.real = true;
    else if (a === '--with-csv-parse') args.withCsvParse = true;
    else if (a === '--help' || a === '-h' || a.startsWith('-')) {
      console.log('usage: node --import tsx bench/parse.ts [--rows N] [--format csv,csv.gz,zip] [--runs N] [--with-csv-parse] [--real | file…]');
      process.exit(a.startsWith('--h') || a === '-h' ? 0 : 64);
    } else args.files.push(a);
  }
  for (const f of args.formats) if (!['csv', 'csv.gz', 'zip'].includes(f)) throw new Error(`--format: csv, csv.gz or zip, got ${f}`);
  return args;
}

/** A temporary CSV holding `file`'s rows repeated up to ≥ MIN_ROWS rows (one header). */
function expand(file: string, dir: string): { path: string; label: string } {
  const bytes = readFileSync(file);
  const lf = bytes.indexOf(10);
  const header = bytes.subarray(0, lf + 1);
  let body = bytes.subarray(lf + 1);
  if (body.length > 0 && body[body.length - 1] !== 10) body = Buffer.concat([body, Buffer.from('\n')]);
  let rows = 0;
  for (const b of body) if (b === 10) rows++;
  const copies = Math.max(1, Math.ceil(MIN_ROWS / Math.max(1, rows)));
  const path = join(dir, basename(file));
  writeFileSync(path, Buffer.concat([header, ...Array<Buffer>(copies).fill(body)]));
  return { path, label: copies > 1 ? `${basename(file)} ×${copies}` : basename(file) };
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

async function rawRead(path: string, highWaterMark: number): Promise<{ bytes: number; s: number }> {
  const t = process.hrtime.bigint();
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark })) bytes += (chunk as Buffer).length;
  return { bytes, s: seconds(t) };
}

/** Reads through the input layer without parsing (decompression included for .gz/.zip). */
async function openOnly(path: string): Promise<{ bytes: number; s: number }> {
  const [source] = await resolveSources(path);
  const t = process.hrtime.bigint();
  let bytes = 0;
  const stream = await openSource(source);
  for await (const chunk of stream) bytes += (chunk as Buffer).length;
  return { bytes, s: seconds(t) };
}

async function parseRun(path: string): Promise<{ rows: number; visits: number; bytes: number; s: number; check: number }> {
  const t = process.hrtime.bigint();
  let check = 0;
  const gen = readVisits(path);
  for (;;) {
    const r = await gen.next();
    if (r.done) return { rows: r.value.lines - 1 - r.value.blankLines, visits: r.value.visits, bytes: r.value.bytes, s: seconds(t), check };
    const b = r.value;
    // Touch what every consumer reads, so the work cannot be skipped.
    for (let i = 0; i < b.length; i++) check += b.second[i] + b.cik[i] + b.crawler[i];
  }
}

async function csvParseRun(path: string): Promise<{ rows: number; s: number }> {
  const t = process.hrtime.bigint();
  let rows = 0;
  for await (const _record of createReadStream(path, { highWaterMark: FILE_CHUNK_BYTES }).pipe(csvParse({ from_line: 2 }))) rows++;
  return { rows, s: seconds(t) };
}

async function best<T extends { s: number }>(runs: number, f: () => Promise<T>): Promise<T> {
  let out: T | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await f();
    if (!out || r.s < out.s) out = r;
  }
  return out as T;
}

interface Row {
  label: string;
  tag: string;
  rows: number;
  bytes: number;
  figures: Array<{ metric: string; rowsPerS: number; mbPerS: number }>;
}

/** The inputs: the files given, the real samples (--real), or generated days (the default). */
async function inputs(args: Args, dir: string): Promise<Array<{ path: string; label: string; tag: string }>> {
  if (args.files.length || args.real) {
    const files = args.files.length ? args.files : [join(SAMPLES, 'log20030301.csv'), join(SAMPLES, 'log20170630-first24999rows.csv')];
    return files.map((file) => {
      const tag = `${args.real ? 'real_' : ''}${basename(file).replace(/\.(csv(\.gz)?|zip)$/i, '')}`.replace(/[^a-z0-9]+/gi, '_').toLowerCase();
      return { ...(file.toLowerCase().endsWith('.csv') ? expand(file, dir) : { path: file, label: basename(file) }), tag };
    });
  }
  const out = [];
  for (const format of args.formats) {
    const days = await generatedDays({ rowsPerDay: args.rows, days: 1, format });
    out.push({ path: days.files[0], label: `generated ${basename(days.files[0])} (${args.rows.toLocaleString('en-US')} rows)`, tag: format.replace('.', '_') });
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'findoc-bench-parse-'));
  const results: Row[] = [];
  try {
    for (const { path, label, tag } of await inputs(args, dir)) {
      const compressed = !path.toLowerCase().endsWith('.csv');
      process.stderr.write(`${label}: ${(statSync(path).size / 1e6).toFixed(0)} MB, ${args.runs} runs each…\n`);
      await parseRun(path); // warm the page cache and the JIT
      const parsed = await best(args.runs, () => parseRun(path));
      const bytesPerRow = parsed.bytes / parsed.rows;
      const figure = (metric: string, bytes: number, s: number): Row['figures'][number] => ({
        metric,
        rowsPerS: bytes / bytesPerRow / s,
        mbPerS: bytes / 1e6 / s,
      });
      const figures = [];
      const raw = await best(args.runs, () => (compressed ? openOnly(path) : rawRead(path, 64 * 1024)));
      figures.push(figure(compressed ? 'raw_read_decompressed' : 'raw_read', raw.bytes, raw.s));
      if (!compressed) {
        const raw256k = await best(args.runs, () => rawRead(path, FILE_CHUNK_BYTES));
        figures.push(figure('raw_read_256k', raw256k.bytes, raw256k.s));
        const raw1m = await best(args.runs, () => rawRead(path, 1 << 20));
        figures.push(figure('raw_read_1m', raw1m.bytes, raw1m.s));
      }
      figures.push({ metric: 'parse', rowsPerS: parsed.rows / parsed.s, mbPerS: parsed.bytes / 1e6 / parsed.s });
      if (args.withCsvParse && !compressed) {
        const cp = await best(1, () => csvParseRun(path));
        figures.push({ metric: 'csv_parse', rowsPerS: cp.rows / cp.s, mbPerS: parsed.bytes / 1e6 / cp.s });
      }
      results.push({ label, tag, rows: parsed.rows, bytes: parsed.bytes, figures });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // parse against each reference (value = parse's rate), and csv-parse against parse.
  const out: Figure[] = [];
  for (const r of results) {
    const parse = r.figures.find((f) => f.metric === 'parse') as Row['figures'][number];
    const note = `${r.label}, ${(r.bytes / 1e6).toFixed(0)} MB CSV; best of ${args.runs}`;
    for (const ref of r.figures.filter((f) => f.metric !== 'parse')) {
      const csv = ref.metric === 'csv_parse';
      out.push({
        bench: 'parse',
        metric: `${csv ? 'csv_parse_rows_per_s' : 'rows_per_s'}_${r.tag}`,
        value: csv ? ref.rowsPerS : parse.rowsPerS,
        unit: 'rows/s',
        reference: csv ? 'parse' : ref.metric,
        reference_value: csv ? parse.rowsPerS : ref.rowsPerS,
        note: `${note}; ${(csv ? ref : parse).mbPerS.toFixed(0)} MB/s vs ${(csv ? parse : ref).mbPerS.toFixed(0)} MB/s`,
      });
    }
  }
  out.push({ bench: 'parse', metric: 'peak_rss', value: peakRssMiB(), unit: 'MiB', note: `this process after all of the above (largest input ${(Math.max(...results.map((r) => r.bytes)) / 2 ** 20).toFixed(0)} MiB of CSV)` });
  report(out);
}

await main();
