/**
 * Synthetic generator throughput and memory (issue 3: ≥ 1 M rows/s on one core to a local file, memory
 * flat whatever --rows-per-day is).
 *
 *   node --import tsx bench/generate.ts [--rows N] [--small N] [--runs N] [--pin]
 *
 * Each measurement runs in a fresh child process (so its peak RSS is its own), writing into a temporary
 * directory that is removed afterwards. The generator is single-threaded (one core); --pin also pins the
 * whole child — the file writes of libuv's threads included — to core 0 with taskset. Besides wall-clock
 * rows/s, each figure gives rows per CPU-second of the child (process.cpuUsage: user + system, all
 * threads), which stays meaningful when other processes share the machine (the load average is printed):
 *   generate     one day of N rows (default 10,000,000; --day-variation 0, so exactly N) written to a
 *                local .csv through the command's own path (write-days.ts: generator → pipeline → temp
 *                file → rename).
 *   raw_write    the reference: the same number of bytes written with fs.createWriteStream in 1 MiB
 *                buffers (filled with the generated day's first MiB), backpressure respected — what the
 *                disk path alone costs. Its rows/s is its bytes/s ÷ the day's bytes per row.
 *   generate_mem the generator alone, bytes discarded (how much of the time is making rows).
 *   generate at --small rows (default 1,000,000) for the memory comparison: peak RSS
 *                (process.resourceUsage().maxRSS) at N rows vs at --small rows.
 * Best of --runs (default 3) by wall-clock rate; RSS is the largest seen. Prints a table, then one JSON line
 * per figure.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DayGenerator } from '../src/generate/day-generator.js';
import { generateDays } from '../src/generate/write-days.js';

interface ChildResult {
  mode: string;
  rows: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

const SELF = fileURLToPath(import.meta.url);
const DATE = '2017-06-30';

function arg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(String(argv[i + 1]).replaceAll('_', '')) : fallback;
}

/** Child: one measurement, result as a JSON line on stdout. */
async function child(argv: string[]): Promise<void> {
  const mode = argv[argv.indexOf('--child') + 1];
  const rows = arg(argv, '--rows', 1e6);
  const dir = argv[argv.indexOf('--dir') + 1];
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  let bytes = 0;
  let made = rows;
  if (mode === 'generate') {
    const r = await generateDays(
      { seed: 1, dates: [DATE], rowsPerDay: rows, dayVariation: 0, hot: [], format: 'csv', destination: { kind: 'dir', dir } },
      new AbortController().signal,
    );
    bytes = r.days[0].bytes;
    made = r.days[0].rows;
  } else if (mode === 'generate_mem') {
    const gen = new DayGenerator({ seed: 1, date: DATE, rowsPerDay: rows, dayVariation: 0 });
    for (const c of gen.chunks()) bytes += c.length;
    made = gen.rows;
  } else if (mode === 'raw_write') {
    bytes = arg(argv, '--bytes', 0);
    const block = Buffer.alloc(1 << 20);
    const first = new DayGenerator({ seed: 1, date: DATE, rowsPerDay: 20_000, dayVariation: 0 }).chunks().next().value as Buffer;
    first.copy(block, 0, 0, Math.min(first.length, block.length));
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const out = createWriteStream(join(dir, 'raw.bin'));
    let left = bytes;
    while (left > 0) {
      const b = left >= block.length ? block : block.subarray(0, left);
      left -= b.length;
      if (!out.write(b)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    process.stdout.write(JSON.stringify(result(mode, rows, bytes, (performance.now() - t0) / 1000, c0)) + '\n');
    return;
  }
  process.stdout.write(JSON.stringify(result(mode, made, bytes, (performance.now() - started) / 1000, cpu0)) + '\n');
}

function result(mode: string, rows: number, bytes: number, seconds: number, cpu0: NodeJS.CpuUsage): ChildResult {
  const c = process.cpuUsage(cpu0);
  return { mode, rows, bytes, seconds, cpuSeconds: (c.user + c.system) / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

let pin = false;
function run(mode: string, rows: number, dir: string, extra: string[] = []): ChildResult {
  const node = [process.execPath, '--import', 'tsx', SELF, '--child', mode, '--rows', String(rows), '--dir', dir, ...extra];
  const cmd = pin && spawnSync('taskset', ['-c', '0', 'true']).status === 0 ? ['taskset', '-c', '0', ...node] : node;
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${mode} failed (${r.status}): ${r.stderr}`);
  for (const f of readdirSync(dir)) rmSync(join(dir, f), { force: true });
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as ChildResult;
}

function best(results: ChildResult[]): ChildResult & { rowsPerS: number; rowsPerCpuS: number } {
  const withRate = results.map((r) => ({ ...r, rowsPerS: r.rows / r.seconds, rowsPerCpuS: r.rows / r.cpuSeconds }));
  const top = withRate.sort((a, b) => b.rowsPerS - a.rowsPerS)[0];
  return { ...top, maxRssMb: Math.max(...results.map((r) => r.maxRssMb)) };
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--child')) return child(argv);
  if (argv.includes('--help')) {
    console.log('usage: node --import tsx bench/generate.ts [--rows N (10000000)] [--small N (1000000)] [--runs N (3)] [--pin]');
    return;
  }
  pin = argv.includes('--pin');
  const rows = arg(argv, '--rows', 10_000_000);
  const small = arg(argv, '--small', 1_000_000);
  const runs = Math.max(1, arg(argv, '--runs', 3));
  const dir = mkdtempSync(join(tmpdir(), 'findoc-bench-generate-'));
  try {
    const gen = best(Array.from({ length: runs }, () => run('generate', rows, dir)));
    const bytesPerRow = gen.bytes / gen.rows;
    const raw = best(Array.from({ length: runs }, () => run('raw_write', gen.rows, dir, ['--bytes', String(gen.bytes)])));
    const rawRowsPerS = raw.bytes / raw.seconds / bytesPerRow;
    const rawRowsPerCpuS = raw.bytes / raw.cpuSeconds / bytesPerRow;
    const mem = best(Array.from({ length: runs }, () => run('generate_mem', rows, dir)));
    const smallRun = best(Array.from({ length: runs }, () => run('generate', small, dir)));

    const mb = (b: number, s: number) => (b / s / 1e6).toFixed(0);
    const fig = (name: string, r: ChildResult & { rowsPerS: number; rowsPerCpuS: number }, rowsPerS = r.rowsPerS, rowsPerCpuS = r.rowsPerCpuS) => [
      name,
      r.rows,
      r.bytes,
      r.seconds.toFixed(2),
      Math.round(rowsPerS),
      r.cpuSeconds.toFixed(2),
      Math.round(rowsPerCpuS),
      mb(r.bytes, r.seconds),
      r.maxRssMb.toFixed(0),
    ];
    const table = [
      ['figure', 'rows', 'bytes', 'wall s', 'rows/s', 'CPU s', 'rows/CPU-s', 'MB/s', 'peak RSS MB'],
      fig('generate → local .csv', gen),
      fig('raw_write (reference)', { ...raw, rows: gen.rows }, rawRowsPerS, rawRowsPerCpuS),
      fig('generate, no I/O', mem),
      fig(`generate → local .csv (${small} rows)`, smallRun),
    ];
    const widths = table[0].map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
    for (const r of table) console.log(r.map((v, c) => (c === 0 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join('  '));
    const load = loadavg()[0];
    console.log(
      `(best of ${runs}${pin ? ', pinned to core 0' : ''}; ${bytesPerRow.toFixed(1)} bytes/row; node ${process.version}; ${cpus().length} cores, load average ${load.toFixed(2)} at the end)`,
    );

    const line = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'generate', ...o }));
    line({
      metric: 'rows_per_s',
      unit: 'rows/s',
      target: '>= 1000000 (one core)',
      rows: gen.rows,
      value: Math.round(gen.rowsPerS),
      reference: 'raw_write',
      reference_value: Math.round(rawRowsPerS),
      ratio: round(gen.rowsPerS / rawRowsPerS),
      rows_per_cpu_s: Math.round(gen.rowsPerCpuS),
      load_avg: round(load),
    });
    line({ metric: 'rows_per_s_no_io', unit: 'rows/s', rows: mem.rows, value: Math.round(mem.rowsPerS), reference: 'raw_write', reference_value: Math.round(rawRowsPerS), ratio: round(mem.rowsPerS / rawRowsPerS), rows_per_cpu_s: Math.round(mem.rowsPerCpuS) });
    line({ metric: 'peak_rss_mb', unit: 'MiB', target: 'flat: ratio near 1', rows: gen.rows, value: round(gen.maxRssMb), reference: `rows_${small}`, reference_value: round(smallRun.maxRssMb), ratio: round(gen.maxRssMb / smallRun.maxRssMb) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main(process.argv.slice(2));
