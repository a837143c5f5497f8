/**
 * Writes generated days to their destination — a local directory, stdout or S3 — one file per day, named
 * like the SEC's (logYYYYMMDD.csv / .csv.gz / .zip), streaming: a day is never held in memory (the
 * generator yields 1 MiB buffers and stream.pipeline applies backpressure all the way to the disk or the
 * multipart upload).
 *
 * A day never looks complete unless it is: a local file is written under a temporary name
 * (`.logYYYYMMDD.csv.partial-PID`) and renamed when its last byte is flushed; an S3 object appears only
 * when its multipart upload completes (ObjectStore.put). On abort (Ctrl-C) or error the partial file is
 * removed and the upload aborted; the days already finished stay. A second Ctrl-C (immediate exit) still
 * removes the partial file, from an exit handler.
 */
import { createWriteStream, unlinkSync } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DayGenerator, MAX_ROW_LENGTH, logFileName } from './day-generator.js';
import { ByteCounter, CONTENT_TYPES, encoderStages, type LogFormat } from './encode.js';
import type { HotBurst } from './hot-burst.js';

/** The two object-store operations generate needs (src/adapters/s3.ts ObjectStore has them). */
export interface ObjectPut {
  ensureBucket(bucket: string): Promise<void>;
  put(
    bucket: string,
    key: string,
    body: Readable,
    options?: { metadata?: Record<string, string>; contentType?: string },
  ): Promise<void>;
}

export type Destination =
  | { kind: 'dir'; dir: string }
  | { kind: 'stdout'; stream?: Writable }
  | { kind: 's3'; bucket: string; prefix: string; store: ObjectPut };

export interface GenerateDaysOptions {
  seed: number;
  dates: readonly string[];
  rowsPerDay: number;
  dayVariation: number;
  hot: readonly HotBurst[];
  format: LogFormat;
  destination: Destination;
}

export interface DayResult {
  date: string;
  /** Local path, "-" for stdout, or s3://bucket/key. */
  target: string;
  rows: number;
  /** Of which rows of --hot bursts. */
  hotRows: number;
  /** Uncompressed CSV bytes. */
  csvBytes: number;
  /** Bytes written (after compression). */
  bytes: number;
  seconds: number;
}

export interface Progress {
  /** Called often (every chunk): which day, how far into it. */
  onChunk?(state: { dayIndex: number; date: string; rows: number; expectedRows: number; bytes: number }): void;
  onDayDone?(result: DayResult): void;
}

export interface GenerateDaysResult {
  days: DayResult[];
  /** True when the signal stopped the run; the day being written was discarded. */
  interrupted: boolean;
}

/** stream.pipeline over an array of stages; typed loosely because @types/node's array overload leaves out async-generator stages, which Node accepts. */
const runPipeline = pipeline as unknown as (stages: unknown[], options: { signal: AbortSignal; end?: boolean }) => Promise<void>;

/** Marks every file as what it is. The zip's archive comment and the S3 object metadata carry it. */
export function syntheticNote(seed: number): string {
  return `findoc synthetic EDGAR-format log - NOT SEC data - seed ${seed}`;
}

export async function generateDays(
  options: GenerateDaysOptions,
  signal: AbortSignal,
  progress: Progress = {},
): Promise<GenerateDaysResult> {
  const { destination } = options;
  const days: DayResult[] = [];
  if (destination.kind === 'dir') await mkdir(destination.dir, { recursive: true });
  if (destination.kind === 's3') await destination.store.ensureBucket(destination.bucket);
  for (let i = 0; i < options.dates.length; i++) {
    if (signal.aborted) return { days, interrupted: true };
    try {
      const result = await writeDay(options, i, signal, progress);
      days.push(result);
      progress.onDayDone?.(result);
    } catch (e) {
      if (signal.aborted) return { days, interrupted: true };
      throw e;
    }
  }
  return { days, interrupted: false };
}

type Stages = Parameters<typeof runPipeline>[0];

/** Writes under a temporary name in the folder, renamed at the end: the file is complete or absent. */
async function writeToDir(stages: Stages, dir: string, name: string, signal: AbortSignal): Promise<string> {
  const target = join(dir, name);
  const temp = join(dir, `.${name}.partial-${process.pid}`);
  // A second Ctrl-C exits at once (signals.ts): remove the partial file on the way out too.
  const onExit = () => {
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or removed
    }
  };
  process.once('exit', onExit);
  try {
    await runPipeline([...stages, createWriteStream(temp)], { signal });
    await rename(temp, target);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  } finally {
    process.off('exit', onExit);
  }
  return target;
}

async function writeToStdout(stages: Stages, to: Writable | undefined, signal: AbortSignal): Promise<string> {
  const stream = to ?? process.stdout;
  // A reader that goes away (`| head`) ends the process at once with 141 (src/cli.ts), as SIGPIPE would.
  await runPipeline([...stages, stream], { signal, end: stream !== process.stdout });
  return '-';
}

/** A multipart upload that only appears when complete. */
async function writeToS3(stages: Stages, dest: Extract<Destination, { kind: 's3' }>, name: string, options: GenerateDaysOptions, signal: AbortSignal): Promise<string> {
  const key = dest.prefix + name;
  const body = new PassThrough({ highWaterMark: 4 << 20 });
  const upload = dest.store.put(dest.bucket, key, body, {
    contentType: CONTENT_TYPES[options.format],
    metadata: { 'findoc-synthetic': 'true', 'findoc-seed': String(options.seed), 'findoc-note': 'synthetic EDGAR-format log, not SEC data' },
  });
  // Produce into the upload; if either side fails, fail both (an aborted upload leaves no object).
  const produce = runPipeline([...stages, body], { signal });
  try {
    await Promise.all([produce, upload]);
  } catch (e) {
    body.destroy(e as Error);
    const [made, sent] = await Promise.allSettled([produce, upload]);
    // The upload's failure is the cause (S3 went away: exit 69 naming it); the pipeline then only sees its
    // destination torn down (AbortError). Ctrl-C aborts the pipeline first, and that error stays.
    if (sent.status === 'rejected' && !signal.aborted) throw sent.reason;
    throw made.status === 'rejected' ? made.reason : e;
  }
  return `s3://${dest.bucket}/${key}`;
}

async function writeDay(options: GenerateDaysOptions, dayIndex: number, signal: AbortSignal, progress: Progress): Promise<DayResult> {
  const date = options.dates[dayIndex];
  const started = performance.now();
  const gen = new DayGenerator({ seed: options.seed, date, rowsPerDay: options.rowsPerDay, dayVariation: options.dayVariation, hot: options.hot });
  const name = logFileName(date, options.format);
  const expectedRows = gen.expectedRows;
  const csv = new ByteCounter(() => progress.onChunk?.({ dayIndex, date, rows: gen.rows, expectedRows, bytes: csv.bytes }));
  const out = new ByteCounter();
  const stages = [
    Readable.from(gen.chunks(), { objectMode: false, highWaterMark: 4 << 20 }),
    csv,
    ...encoderStages(options.format, {
      memberName: logFileName(date, 'csv'),
      date,
      comment: syntheticNote(options.seed),
      zip64: (expectedRows + 1) * MAX_ROW_LENGTH >= 0xffffffff,
    }),
    out,
  ];
  const dest = options.destination;
  const target =
    dest.kind === 'dir'
      ? await writeToDir(stages, dest.dir, name, signal)
      : dest.kind === 'stdout'
        ? await writeToStdout(stages, dest.stream, signal)
        : await writeToS3(stages, dest, name, options, signal);
  return {
    date,
    target,
    rows: gen.rows,
    hotRows: gen.plan.hotTotal,
    csvBytes: csv.bytes,
    bytes: out.bytes,
    seconds: (performance.now() - started) / 1000,
  };
}
