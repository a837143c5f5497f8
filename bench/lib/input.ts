/**
 * The input of the benchmarks: days made by `findoc generate` (the built CLI, as a user runs it), cached so
 * that repeated runs do not make them again.
 *
 *   const days = await generatedDays({ rowsPerDay: 2_000_000, days: 4, format: 'csv' });
 *   days.files  // ['…/bench/out/data/r2000000-d4-csv-s1/log20170601.csv', …]
 *
 * Each set is `findoc generate --from 2017-06-01 --to … --rows-per-day N --day-variation 0 --seed S
 * --format F --out DIR` (so every day has exactly N rows), kept in bench/out/data/<key>/ with the
 * command's --json summary beside it as <key>.json; the key is (rows per day, days, format, seed). The
 * directory holds the day files and nothing else, so a bench may pass it whole to a command. (A set that
 * starts on another day than FIRST_DAY has `-fYYYYMMDD` added to its key.) A set is
 * written under a temporary name and renamed when complete: an interrupted run leaves no half set behind.
 * The generator is deterministic (same seed, options and day → the same bytes), so a cached set is the set
 * the command would make now — unless src/generate/ changed since: `rm -rf bench/out/data` then.
 * bench/out/ is git-ignored.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../src/adapters/s3.js';

export type DayFormat = 'csv' | 'csv.gz' | 'zip';

/** The first generated day: a Thursday of the busiest year of the data set's samples. */
export const FIRST_DAY = '2017-06-01';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/findoc');
export const DATA_DIR = join(ROOT, 'bench/out/data');

export interface GeneratedDays {
  /** Directory holding exactly these day files. */
  dir: string;
  /** One local path per day, in date order. */
  files: string[];
  dates: string[];
  format: DayFormat;
  seed: number;
  rowsPerDay: number;
  /** Rows of all days (header lines not counted). */
  rows: number;
  /** Bytes of the files as stored (compressed for csv.gz and zip). */
  bytes: number;
  /** Bytes of the CSV they hold. */
  csvBytes: number;
  /** Whether the set came from the cache. */
  cached: boolean;
}

interface GenerateSummary {
  rows: number;
  bytes: number;
  csvBytes: number;
  files: Array<{ date: string; target: string; rows: number; bytes: number; csvBytes: number }>;
}

/**
 * Local paths of `days` generated days of `rowsPerDay` rows each from `from` (default FIRST_DAY), made
 * once, then read from the cache.
 */
export async function generatedDays(o: { rowsPerDay: number; days?: number; format?: DayFormat; seed?: number; from?: string }): Promise<GeneratedDays> {
  const days = o.days ?? 1;
  const from = o.from ?? FIRST_DAY;
  const format = o.format ?? 'csv';
  const seed = o.seed ?? 1;
  const rowsPerDay = o.rowsPerDay;
  if (!Number.isSafeInteger(rowsPerDay) || rowsPerDay < 1) throw new Error(`rows per day must be a positive integer, got ${rowsPerDay}`);
  if (!Number.isSafeInteger(days) || days < 1) throw new Error(`days must be a positive integer, got ${days}`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) throw new Error(`from must be YYYY-MM-DD, got ${from}`);
  const key = `r${rowsPerDay}-d${days}-${format}-s${seed}${from === FIRST_DAY ? '' : `-f${from.replaceAll('-', '')}`}`;
  const dir = join(DATA_DIR, key);
  const manifest = join(DATA_DIR, `${key}.json`);

  const cached = readCached(dir, manifest);
  if (cached) return describe(cached, dir, format, seed, rowsPerDay, true);

  if (!existsSync(join(ROOT, 'dist/cli.js'))) throw new Error('bench: dist/ is missing: run npm run build first (the input is made by the built CLI)');
  const dates = Array.from({ length: days }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  process.stderr.write(`bench: findoc generate ${days} day(s) × ${rowsPerDay.toLocaleString('en-US')} rows, ${format}, seed ${seed} → ${dir}\n`);
  const argv = [BIN, 'generate', '--from', dates[0], '--to', dates.at(-1) as string, '--rows-per-day', String(rowsPerDay), '--day-variation', '0', '--seed', String(seed), '--format', format, '--out', tmp, '--json'];
  let summary: GenerateSummary;
  try {
    const stdout = await run(process.execPath, argv);
    summary = JSON.parse(stdout) as GenerateSummary;
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  summary.files = summary.files.map((f) => ({ ...f, target: join(dir, basename(f.target)) }));
  writeFileSync(manifest, JSON.stringify(summary, null, 2) + '\n');
  return describe(summary, dir, format, seed, rowsPerDay, false);
}

/** The cached summary when its directory still holds every file at its recorded size. */
function readCached(dir: string, manifest: string): GenerateSummary | undefined {
  if (!existsSync(manifest) || !existsSync(dir)) return undefined;
  try {
    const s = JSON.parse(readFileSync(manifest, 'utf8')) as GenerateSummary;
    return s.files.every((f) => existsSync(f.target) && statSync(f.target).size === f.bytes) ? s : undefined;
  } catch {
    return undefined;
  }
}

function describe(s: GenerateSummary, dir: string, format: DayFormat, seed: number, rowsPerDay: number, cached: boolean): GeneratedDays {
  return {
    dir,
    files: s.files.map((f) => f.target),
    dates: s.files.map((f) => f.date),
    format,
    seed,
    rowsPerDay,
    rows: s.rows,
    bytes: s.bytes,
    csvBytes: s.csvBytes,
    cached,
  };
}

/** Runs a command; resolves with its stdout, rejects with its stderr when it exits non-zero. */
function run(cmd: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`${basename(cmd)} ${argv.slice(1, 3).join(' ')} … exited ${code}: ${stderr.trim()}`))));
  });
}

/**
 * Writes a day's rows (a local .csv) as the lines kcat -P -K '\t' produces: "ip<TAB>row", the key and
 * value replay gives each visit — all of them, or `limit` rows after the first `skip`. Resolves with the
 * number of rows written.
 */
export async function writeKcatInput(csv: string, out: string, range: { skip?: number; limit?: number } = {}): Promise<number> {
  const skip = range.skip ?? 0;
  const limit = range.limit ?? Infinity;
  const file = createWriteStream(out);
  const input = createReadStream(csv, { highWaterMark: 1 << 20 });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let header = true;
  let seen = 0;
  let n = 0;
  let buffered: string[] = [];
  for await (const l of lines) {
    if (header || l.length === 0) {
      header = false;
      continue;
    }
    if (seen++ < skip) continue;
    if (n === limit) break;
    buffered.push(`${l.slice(0, l.indexOf(','))}\t${l}\n`);
    n++;
    if (buffered.length === 10_000) {
      if (!file.write(buffered.join(''))) await new Promise<void>((r) => file.once('drain', () => r()));
      buffered = [];
    }
  }
  input.destroy(); // after a break at `limit`
  file.end(buffered.join(''));
  await finished(file);
  return n;
}

/**
 * Uploads the days to a bucket of the local S3 (created if absent) under `prefix` (e.g. 'logs/'), keeping
 * their file names; resolves with the s3:// URL of the prefix. Remove the bucket with removeBucket.
 */
export async function uploadDays(store: ObjectStore, bucket: string, prefix: string, days: Pick<GeneratedDays, 'files'>): Promise<string> {
  await store.ensureBucket(bucket);
  for (const file of days.files) await store.put(bucket, `${prefix}${basename(file)}`, createReadStream(file));
  return `s3://${bucket}/${prefix}`;
}

/** Deletes every object of a bench's bucket, then the bucket; a bucket that is not there is fine. */
export async function removeBucket(store: ObjectStore, bucket: string): Promise<void> {
  try {
    for await (const o of store.list(bucket, '')) await store.delete(bucket, o.key);
    await store.client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch {
    // never made, or already gone
  }
}
