/**
 * Parser throughput against the CSV scan limit of the same machine (DESIGN §5).
 *
 *   node --import tsx bench/parse.ts [--runs N] [--with-csv-parse] [file…]
 *
 * For each input (default: the real samples log20030301.csv and log20170630-first24999rows.csv from
 * ../shared, each repeated into a temporary file of ≥ 1 M rows so timings mean something) it measures, best
 * of N runs (default 5), on one core:
 *   raw_read      fs.createReadStream(file) with its defaults (64 KiB reads), summing chunk lengths. For
 *                 .csv.gz/.zip inputs the reference also decompresses (openSource without parsing).
 *   raw_read_256k the same with the input layer's read size (FILE_CHUNK_BYTES, 256 KiB): exactly the I/O
 *                 readVisits does, without the parsing.
 *   raw_read_1m   the same with 1 MiB reads: the fastest raw read found here, shown so that nobody takes
 *                 the first reference for the best possible one.
 *   parse         readVisits() over the file — open, read, parse, validate — touching every visit.
 *   csv_parse     (with --with-csv-parse) csv-parse 7 over the same file, for the comparison in
 *                 log-parser.ts's header comment.
 * Rates are in rows/s; a raw read's rows/s is its bytes/s ÷ the file's bytes per row (same bytes, same
 * rows), and MB/s (10^6 bytes) are printed beside. Prints a table on stdout, then one JSON line per figure.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as csvParse } from 'csv-parse';
import { FILE_CHUNK_BYTES, openSource, readVisits, resolveSources } from '../src/core/log-input.js';

const MIN_ROWS = 1_000_000;
const SAMPLES = join(import.meta.dirname, '../../shared/data/edgar-samples/real');

interface Args {
  runs: number;
  withCsvParse: boolean;
  files: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { runs: 5, withCsvParse: false, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') args.runs = Math.max(1, Number(argv[++i]));
    else if (a === '--with-csv-parse') args.withCsvParse = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node --import tsx bench/parse.ts [--runs N] [--with-csv-parse] [file…]');
      process.exit(0);
    } else args.files.push(a);
  }
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
  rows: number;
  bytes: number;
  figures: Array<{ metric: string; rowsPerS: number; mbPerS: number }>;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'findoc-bench-parse-'));
  const results: Row[] = [];
  try {
    const inputs = args.files.length
      ? args.files
      : [join(SAMPLES, 'log20030301.csv'), join(SAMPLES, 'log20170630-first24999rows.csv')];
    for (const file of inputs) {
      const { path, label } = file.toLowerCase().endsWith('.csv') ? expand(file, dir) : { path: file, label: basename(file) };
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
      figures.push(figure('raw_read', raw.bytes, raw.s));
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
      results.push({ label, rows: parsed.rows, bytes: parsed.bytes, figures });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Table.
  const header = ['input', 'rows', 'MB', 'measure', 'M rows/s', 'MB/s', 'parse ÷ it'];
  const lines: string[][] = [];
  for (const r of results) {
    const parse = r.figures.find((f) => f.metric === 'parse') as Row['figures'][number];
    for (const f of r.figures) {
      lines.push([
        r.label,
        String(r.rows),
        (r.bytes / 1e6).toFixed(0),
        f.metric,
        (f.rowsPerS / 1e6).toFixed(2),
        f.mbPerS.toFixed(0),
        f.metric === 'parse' ? '' : `${((parse.rowsPerS / f.rowsPerS) * 100).toFixed(1)}%`,
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i < 1 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));

  // One JSON line per figure: parse against each reference, and each reference itself.
  for (const r of results) {
    const parse = r.figures.find((f) => f.metric === 'parse') as Row['figures'][number];
    for (const ref of r.figures.filter((f) => f.metric !== 'parse')) {
      console.log(
        JSON.stringify({
          bench: 'parse',
          input: r.label,
          rows: r.rows,
          bytes: r.bytes,
          metric: ref.metric === 'csv_parse' ? 'csv_parse_rows_per_s' : 'rows_per_s',
          value: Math.round(ref.metric === 'csv_parse' ? ref.rowsPerS : parse.rowsPerS),
          mb_per_s: Number((ref.metric === 'csv_parse' ? ref.mbPerS : parse.mbPerS).toFixed(1)),
          reference: ref.metric === 'csv_parse' ? 'parse' : ref.metric,
          reference_value: Math.round(ref.metric === 'csv_parse' ? parse.rowsPerS : ref.rowsPerS),
          reference_mb_per_s: Number((ref.metric === 'csv_parse' ? parse.mbPerS : ref.mbPerS).toFixed(1)),
          ratio: Number((ref.metric === 'csv_parse' ? ref.rowsPerS / parse.rowsPerS : parse.rowsPerS / ref.rowsPerS).toFixed(4)),
          unit: 'rows/s',
        }),
      );
    }
  }
}

await main();
