/**
 * Where `findoc download` stores days (the DayStore contract in src/core/day-store.ts): an S3 prefix or a
 * local folder, with the same flat layout and the same completeness record.
 *
 * Layout (both): `<prefix or folder>/logYYYYMMDD.csv.gz` (or `.csv` with --no-gzip), the names `findoc
 * generate` writes and readVisits selects by date. Temporary names start with a dot and end in
 * `.partial-…`, so no listing by readVisits (which wants `log*.csv`, `log*.csv.gz`, `log*.zip`) ever picks
 * one up.
 *
 * S3
 * --
 *   1. The day is streamed by a multipart upload to `<prefix>.logYYYYMMDD.csv.gz.partial-<random>`: the
 *      object appears only if the upload completes, i.e. after the source ended without error (the zip's
 *      CRC-32 and length checked); a failed upload is aborted and its parts dropped.
 *   2. That object is copied server-side to `<prefix>logYYYYMMDD.csv.gz` with the completeness record as
 *      its metadata — S3 fixes an object's metadata when the upload starts, before the size and checksum
 *      are known, hence the copy — then the temporary object is deleted.
 *   Metadata (x-amz-meta-…): findoc-day (record version, "1"), findoc-date, findoc-source-url,
 *   findoc-csv-bytes, findoc-stored-bytes, findoc-rows, findoc-sha256 (of the CSV), findoc-downloaded-at.
 *   A day is complete when the object exists, carries that metadata, and its size equals
 *   findoc-stored-bytes. An object without it (written by something else) is not complete: it is
 *   downloaded again and replaced.
 *   A temporary object left by a process killed between steps 1 and 2 is deleted when the day is next
 *   written; an incomplete multipart upload left by kill -9 is invisible (an S3 lifecycle rule
 *   "AbortIncompleteMultipartUpload" reclaims its space on AWS).
 *
 * Folder
 * ------
 *   1. The day is written to `.logYYYYMMDD.csv.gz.partial-<pid>-<random>` in the folder, flushed to disk
 *      (fsync) when the source ends without error.
 *   2. The old sidecar, if any, is removed; the file is renamed to `logYYYYMMDD.csv.gz` (atomic within a
 *      file system); the sidecar `logYYYYMMDD.csv.gz.json` (the record as JSON) is written the same way
 *      (temporary, fsync, rename); the folder is fsynced so the renames survive a power cut.
 *   A day is complete when its sidecar parses and the file's size equals its storedBytes. A crash between
 *   the renames leaves a file without a sidecar: not complete, downloaded again. Temporary files of dead
 *   processes are removed by prepare().
 *
 * One `findoc download` per destination at a time: two runs writing the same day into one place may make
 * one of them fail that day (never leave a partial day).
 */
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { access, mkdir, open, readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, pipeline as pipelineCallback, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DayRecord, DayStore } from '../core/day-store.js';
import { FindocError, configError } from '../core/errors.js';
import { ObjectStore } from './s3.js';

/** Version of the completeness record; a record of another version is not trusted. */
const RECORD_VERSION = '1';

function contentType(name: string): string {
  return name.endsWith('.gz') ? 'application/gzip' : 'text/csv';
}

/** A pass-through that counts the bytes stored. */
function byteCounter(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}

function randomSuffix(): string {
  return randomBytes(6).toString('hex');
}

const DIGEST = /^[0-9a-f]{64}$/;

/** A record read back from S3 metadata or a sidecar, or undefined when any field is missing or wrong. */
function validRecord(r: Partial<Record<keyof DayRecord, unknown>>, name: string): DayRecord | undefined {
  const nonNegative = (v: unknown): number | undefined => {
    const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
    return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  };
  const csvBytes = nonNegative(r.csvBytes);
  const storedBytes = nonNegative(r.storedBytes);
  const rows = nonNegative(r.rows);
  if (csvBytes === undefined || storedBytes === undefined || rows === undefined) return undefined;
  if (typeof r.sha256 !== 'string' || !DIGEST.test(r.sha256)) return undefined;
  if (typeof r.date !== 'string' || typeof r.sourceUrl !== 'string') return undefined;
  return {
    name,
    date: r.date,
    sourceUrl: r.sourceUrl,
    gzip: name.endsWith('.gz'),
    csvBytes,
    storedBytes,
    rows,
    sha256: r.sha256,
    downloadedAt: typeof r.downloadedAt === 'string' ? r.downloadedAt : '',
  };
}

// ───────────────────────────── S3 ─────────────────────────────

export class S3DayStore implements DayStore {
  readonly location: string;

  /** `prefix` is "" or ends with "/". */
  constructor(
    private readonly s3: ObjectStore,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.location = `s3://${bucket}/${prefix}`;
  }

  async prepare(): Promise<void> {
    await this.s3.ensureBucket(this.bucket);
  }

  target(name: string): string {
    return `s3://${this.bucket}/${this.prefix}${name}`;
  }

  async find(name: string): Promise<DayRecord | undefined> {
    const head = await this.s3.head(this.bucket, this.prefix + name);
    if (!head) return undefined;
    const m = head.metadata;
    if (m['findoc-day'] !== RECORD_VERSION) return undefined;
    const record = validRecord(
      {
        date: m['findoc-date'],
        sourceUrl: m['findoc-source-url'],
        csvBytes: m['findoc-csv-bytes'],
        storedBytes: m['findoc-stored-bytes'],
        rows: m['findoc-rows'],
        sha256: m['findoc-sha256'],
        downloadedAt: m['findoc-downloaded-at'],
      },
      name,
    );
    return record && record.storedBytes === head.size ? record : undefined;
  }

  async write(name: string, body: Readable, record: (storedBytes: number) => DayRecord): Promise<DayRecord> {
    await this.removeTemporaries(name);
    const temporary = `${this.prefix}.${name}.partial-${randomSuffix()}`;
    let storedBytes = 0;
    // pipeline() forwards a source error to the upload, which then aborts instead of completing short.
    const counted = pipelineCallback(body, byteCounter((n) => (storedBytes += n)), () => {});
    try {
      await this.s3.put(this.bucket, temporary, counted, { contentType: contentType(name) });
    } catch (e) {
      counted.destroy();
      throw e;
    }
    try {
      const done = record(storedBytes);
      await this.s3.copy(this.bucket, temporary, this.prefix + name, {
        contentType: contentType(name),
        metadata: {
          'findoc-day': RECORD_VERSION,
          'findoc-date': done.date,
          'findoc-source-url': done.sourceUrl,
          'findoc-csv-bytes': String(done.csvBytes),
          'findoc-stored-bytes': String(done.storedBytes),
          'findoc-rows': String(done.rows),
          'findoc-sha256': done.sha256,
          'findoc-downloaded-at': done.downloadedAt,
        },
      });
      return done;
    } finally {
      await this.s3.delete(this.bucket, temporary).catch(() => {});
    }
  }

  async remove(name: string): Promise<void> {
    await this.s3.delete(this.bucket, this.prefix + name);
  }

  close(): void {
    this.s3.close();
  }

  /** Deletes the temporary objects of this day left by a process that died before moving them. */
  private async removeTemporaries(name: string): Promise<void> {
    for await (const o of this.s3.list(this.bucket, `${this.prefix}.${name}.partial-`)) await this.s3.delete(this.bucket, o.key);
  }
}

// ───────────────────────────── folder ─────────────────────────────

const TEMPORARY = /^\.(log.+)\.partial-(\d+)-[0-9a-f]+$/;

export class FolderDayStore implements DayStore {
  readonly location: string;

  constructor(dir: string) {
    this.location = resolve(dir);
  }

  async prepare(): Promise<void> {
    try {
      await mkdir(this.location, { recursive: true });
      await access(this.location, constants.W_OK);
    } catch (e) {
      throw folderError(e, `cannot write to folder ${this.location}`);
    }
    // Temporary files of processes that are gone (killed mid-day).
    for (const entry of await readdir(this.location)) {
      const m = TEMPORARY.exec(entry);
      if (m && !isAlive(Number(m[2]))) await unlink(join(this.location, entry)).catch(() => {});
    }
  }

  target(name: string): string {
    return join(this.location, name);
  }

  async find(name: string): Promise<DayRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.sidecar(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw folderError(e, `cannot read ${this.sidecar(name)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || (parsed as { findocDay?: unknown }).findocDay !== Number(RECORD_VERSION)) return undefined;
    const record = validRecord(parsed as Partial<Record<keyof DayRecord, unknown>>, name);
    if (!record) return undefined;
    try {
      return (await stat(this.target(name))).size === record.storedBytes ? record : undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw folderError(e, `cannot read ${this.target(name)}`);
    }
  }

  async write(name: string, body: Readable, record: (storedBytes: number) => DayRecord): Promise<DayRecord> {
    const final = this.target(name);
    const temporary = join(this.location, `.${name}.partial-${process.pid}-${randomSuffix()}`);
    let storedBytes = 0;
    try {
      // flush: fsync before close, so the rename below never publishes bytes still only in the page cache.
      await pipeline(body, byteCounter((n) => (storedBytes += n)), createWriteStream(temporary, { flags: 'wx', flush: true }));
    } catch (e) {
      await unlink(temporary).catch(() => {});
      // A source error passes through as it is (the caller tells it apart); a write error names the file.
      throw (e as NodeJS.ErrnoException).syscall ? folderError(e, `cannot write ${temporary}`) : e;
    }
    const done = record(storedBytes);
    try {
      await unlink(this.sidecar(name)).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw e;
      });
      await rename(temporary, final);
      await writeDurably(this.sidecar(name), JSON.stringify({ findocDay: Number(RECORD_VERSION), ...done }, null, 2) + '\n');
      await syncDirectory(this.location);
      return done;
    } catch (e) {
      await unlink(temporary).catch(() => {});
      throw folderError(e, `cannot store ${final}`);
    }
  }

  async remove(name: string): Promise<void> {
    for (const path of [this.sidecar(name), this.target(name)]) {
      await unlink(path).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== 'ENOENT') throw folderError(e, `cannot remove ${path}`);
      });
    }
  }

  private sidecar(name: string): string {
    return this.target(name) + '.json';
  }
}

async function writeDurably(path: string, text: string): Promise<void> {
  const dir = resolve(path, '..');
  const temporary = join(dir, `.${path.slice(dir.length + 1)}.partial-${process.pid}-${randomSuffix()}`);
  try {
    await writeFile(temporary, text, { flag: 'wx', flush: true });
    await rename(temporary, path);
  } catch (e) {
    await unlink(temporary).catch(() => {});
    throw e;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A file-system failure of the destination as a FindocError: permissions are configuration, a full disk temporary. */
function folderError(e: unknown, what: string): FindocError {
  const err = e as NodeJS.ErrnoException;
  const detail = `${what}: ${err.code ?? err.message}`;
  if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'EROFS' || err.code === 'ENOTDIR') {
    return configError(detail, '--out', 'choose a folder you can write to');
  }
  if (err.code === 'ENOSPC' || err.code === 'EDQUOT') {
    return new FindocError('FINDOC_TEMPORARY', detail, { hint: 'free some disk space and run again: stored days are skipped' }, { cause: e });
  }
  return new FindocError('FINDOC_INTERNAL', detail, {}, { cause: e });
}
