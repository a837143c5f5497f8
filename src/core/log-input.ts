/**
 * The input layer: turns what a user names on the command line (DESIGN §3: local files, local directories,
 * `s3://bucket/key`, `s3://bucket/prefix/`; `.csv`, `.csv.gz` or `.zip`) into an ordered list of log
 * sources, opens each as a stream of decompressed CSV bytes, and feeds it to the parser. Every command
 * reads logs through readVisits():
 *
 *   for await (const batch of readVisits(['s3://edgar/raw/'], { from: '2017-01-01', store, onFileEnd })) {
 *     for (let i = 0; i < batch.length; i++) count(batch.second[i], batch.cik[i]);
 *   }
 *
 * Backpressure end to end: each stage is pulled by the next (async iterators over Readables with bounded
 * highWaterMarks), so a slow consumer stops the file reads and S3 downloads; no stage holds more than a few
 * chunks, never a day.
 *
 * Selection rules
 * ---------------
 * - A directory is searched recursively (an S3 prefix listing is recursive too, so both behave alike) for
 *   files named `log*.csv`, `log*.csv.gz` or `log*.zip` (case-insensitive); symbolic links to directories
 *   are not followed. A directory or prefix holding none is a usage error: the path is probably wrong.
 * - A file named explicitly may have any name, but must end in .csv, .csv.gz or .zip.
 * - The *file date* is the `logYYYYMMDD` in the file's name (a real calendar date), or null.
 * - `from`/`to` (YYYY-MM-DD, inclusive) keep the sources whose file date is in range. A source without a
 *   date is dropped by a date filter when it came from a directory/prefix listing, kept when named
 *   explicitly (the user asked for it).
 * - Sources are read in order of file date, then name (undated last), each once even if named twice: replay
 *   relies on this to send days in event-time order.
 */
import { createReadStream, type Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { finished } from 'node:stream/promises';
import zlib from 'node:zlib';
import yauzl from 'yauzl';
import { FindocError, badInput, configError, isFindocError, usageError } from './errors.js';
import { LogParser, type ParseStats } from './log-parser.js';
import { RejectLog } from './rejects.js';
import { dayStart, type SourceRef, type VisitBatch } from './visit.js';

// ───────────────────────────── sources ─────────────────────────────

export type LogFormat = 'csv' | 'csv.gz' | 'zip';

/**
 * The few object-store operations the input layer needs; src/adapters/s3.ts implements them with the AWS
 * SDK. `list` yields every key under the prefix (recursively, no delimiter) with its size in bytes; `get`
 * returns the object's bytes as a stream (it should throw a FindocError naming the service on failure).
 */
export interface ObjectStore {
  list(bucket: string, prefix: string): AsyncIterable<{ key: string; size: number }>;
  get(bucket: string, key: string): Promise<Readable>;
}

/** One log file to read. `name` is what messages show: the local path as given, or s3://bucket/key. */
export interface LogSource extends SourceRef {
  readonly kind: 'file' | 's3';
  readonly format: LogFormat;
  /** Local path (kind "file"). */
  readonly path?: string;
  /** Bucket and key (kind "s3"). */
  readonly bucket?: string;
  readonly key?: string;
  /** Stored (compressed) size in bytes, when known. */
  readonly size?: number;
}

export interface S3Location {
  bucket: string;
  /** The object key, or a prefix when empty or ending with "/". */
  key: string;
}

const S3_URL = /^s3:\/\/([^/]+)(?:\/(.*))?$/i;

export function isS3Url(spec: string): boolean {
  return spec.toLowerCase().startsWith('s3://');
}

/** `s3://bucket/prefix/` → { bucket: "bucket", key: "prefix/" }; `s3://bucket` → key "". */
export function parseS3Url(url: string): S3Location {
  const m = S3_URL.exec(url);
  if (!isS3Url(url) || !m || m[1] === '') {
    throw usageError(`"${url}" is not an S3 URL`, 'write s3://bucket/key or s3://bucket/prefix/');
  }
  return { bucket: m[1], key: m[2] ?? '' };
}

export function formatS3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** The format a file name announces, or null. */
export function logFormat(name: string): LogFormat | null {
  const n = name.toLowerCase();
  if (n.endsWith('.csv.gz')) return 'csv.gz';
  if (n.endsWith('.csv')) return 'csv';
  if (n.endsWith('.zip')) return 'zip';
  return null;
}

const LOG_FILE_NAME = /^log.*\.(csv|csv\.gz|zip)$/i;

/** Whether a directory or prefix listing picks this file (by its base name). */
export function isLogFileName(name: string): boolean {
  return LOG_FILE_NAME.test(basename(name));
}

const NAME_DATE = /(?:^|[^a-z0-9])log(\d{4})(\d{2})(\d{2})(?!\d)/i;

/** The YYYY-MM-DD of a `logYYYYMMDD…` base name, or null (also for impossible dates like log20170231). */
export function dateFromName(name: string): string | null {
  const m = NAME_DATE.exec(basename(name));
  if (!m) return null;
  const day = `${m[1]}-${m[2]}-${m[3]}`;
  return Number.isNaN(dayStart(day)) ? null : day;
}

export interface DateRange {
  /** First day kept, YYYY-MM-DD, inclusive. */
  from?: string;
  /** Last day kept, YYYY-MM-DD, inclusive. */
  to?: string;
}

function checkRange({ from, to }: DateRange): void {
  for (const [flag, value] of [['--from', from], ['--to', to]] as const) {
    if (value !== undefined && Number.isNaN(dayStart(value))) {
      throw usageError(`${flag} ${value} is not a date`, 'write dates as YYYY-MM-DD, e.g. 2017-06-30');
    }
  }
  if (from !== undefined && to !== undefined && from > to) {
    throw usageError(`--from ${from} is after --to ${to}`);
  }
}

function inRange(date: string, { from, to }: DateRange): boolean {
  return (from === undefined || date >= from) && (to === undefined || date <= to);
}

export interface ResolveOptions extends DateRange {
  /** Needed for s3:// specs. */
  store?: ObjectStore;
}

interface Candidate {
  source: LogSource;
  explicit: boolean;
}

/**
 * Expands input specs into the sources to read, filtered by file date and sorted (see the rules at the
 * top). Throws FINDOC_USAGE for a missing path, an unsupported file type or an empty directory/prefix,
 * and FINDOC_CONFIG for an s3:// spec without an ObjectStore.
 */
export async function resolveSources(specs: string | readonly string[], options: ResolveOptions = {}): Promise<LogSource[]> {
  const list = typeof specs === 'string' ? [specs] : specs;
  if (list.length === 0) throw usageError('no input given', 'name log files, directories or s3:// URLs');
  checkRange(options);
  const found = new Map<string, Candidate>();
  for (const spec of list) {
    const candidates = isS3Url(spec) ? await resolveS3(spec, options.store) : await resolveLocal(spec);
    for (const c of candidates) {
      const id = c.source.kind === 'file' ? resolve(c.source.path as string) : c.source.name;
      const seen = found.get(id);
      if (!seen) found.set(id, c);
      else if (c.explicit) seen.explicit = true;
    }
  }
  const filtering = options.from !== undefined || options.to !== undefined;
  const kept = [...found.values()]
    .filter(({ source, explicit }) => (source.date === null ? explicit || !filtering : inRange(source.date, options)))
    .map((c) => c.source);
  return kept.sort(compareSources);
}

function compareSources(a: LogSource, b: LogSource): number {
  const da = a.date ?? '\uffff';
  const db = b.date ?? '\uffff';
  if (da !== db) return da < db ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function resolveLocal(spec: string): Promise<Candidate[]> {
  let info;
  try {
    info = await stat(spec);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw usageError(`input ${spec} does not exist`);
    throw usageError(`cannot read input ${spec}: ${(e as Error).message}`);
  }
  if (info.isDirectory()) {
    const files: string[] = [];
    await walk(spec, files);
    if (files.length === 0) {
      throw usageError(
        `no log files in directory ${spec}`,
        'a directory is searched recursively for log*.csv, log*.csv.gz and log*.zip',
      );
    }
    return files.map((path) => ({ source: localSource(path, logFormat(path) as LogFormat), explicit: false }));
  }
  const format = logFormat(spec);
  if (!format) {
    throw usageError(`input ${spec} is not a .csv, .csv.gz or .zip file`, 'rename it, or name its directory');
  }
  return [{ source: localSource(spec, format, info.size), explicit: true }];
}

function localSource(path: string, format: LogFormat, size?: number): LogSource {
  return { kind: 'file', name: path, path, format, date: dateFromName(path), ...(size !== undefined ? { size } : {}) };
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw usageError(`cannot list directory ${dir}: ${(e as Error).message}`);
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if ((entry.isFile() || entry.isSymbolicLink()) && isLogFileName(entry.name)) {
      if (entry.isSymbolicLink() && !(await stat(path).then((s) => s.isFile(), () => false))) continue;
      out.push(path);
    }
  }
}

function requireStore(store: ObjectStore | undefined, spec: string): ObjectStore {
  if (!store) {
    throw configError(
      `cannot read ${spec}: no S3 connection is configured for this command`,
      'AWS_ENDPOINT_URL_S3 (or --s3-endpoint)',
      'configure S3 (endpoint and credentials), or read local files instead',
    );
  }
  return store;
}

async function resolveS3(spec: string, maybeStore: ObjectStore | undefined): Promise<Candidate[]> {
  const { bucket, key } = parseS3Url(spec);
  const store = requireStore(maybeStore, spec);
  if (key === '' || key.endsWith('/')) {
    const out: Candidate[] = [];
    for await (const obj of store.list(bucket, key)) {
      if (obj.key.endsWith('/') || !isLogFileName(obj.key)) continue;
      out.push({ source: s3Source(bucket, obj.key, obj.size), explicit: false });
    }
    if (out.length === 0) {
      throw usageError(
        `no log files under ${formatS3Url(bucket, key)}`,
        'a prefix is searched for log*.csv, log*.csv.gz and log*.zip; end a prefix with "/"',
      );
    }
    return out;
  }
  if (!logFormat(key)) {
    throw usageError(
      `input ${spec} is not a .csv, .csv.gz or .zip object`,
      `to read every log under it, end the prefix with "/": ${spec}/`,
    );
  }
  return [{ source: s3Source(bucket, key), explicit: true }];
}

function s3Source(bucket: string, key: string, size?: number): LogSource {
  return {
    kind: 's3',
    name: formatS3Url(bucket, key),
    bucket,
    key,
    format: logFormat(key) as LogFormat,
    date: dateFromName(key),
    ...(size !== undefined ? { size } : {}),
  };
}

// ───────────────────────────── opening ─────────────────────────────

/**
 * Read size for local files. 256 KiB rather than Node's 64 KiB: parsing measured ~15% faster (fewer, larger
 * batches of ~2,200 rows, which consumers also prefer); bench/parse.ts shows both raw read rates.
 */
export const FILE_CHUNK_BYTES = 256 * 1024;
/** zlib output chunk size (its default is 16 KiB). */
const INFLATE_CHUNK_BYTES = 64 * 1024;
/** Compressed bytes handed to the inflater at a time: bounds its output per step (zip bombs). */
const INFLATE_FEED_BYTES = 16 * 1024;
/** The parser makes batches of at least this many bytes (about 2,200 rows). */
export const DEFAULT_BATCH_BYTES = 256 * 1024;

export interface OpenOptions {
  store?: ObjectStore;
  /** Local read size (default FILE_CHUNK_BYTES). */
  highWaterMark?: number;
}

/**
 * Opens a source as a stream of decompressed CSV bytes. The caller destroys it when done (readSource does).
 * Zips: the first member whose name ends in .csv (README.txt and others are skipped), CRC-32 checked.
 */
export async function openSource(source: LogSource, options: OpenOptions = {}): Promise<Readable> {
  const highWaterMark = options.highWaterMark ?? FILE_CHUNK_BYTES;
  if (source.kind === 'file' && source.format === 'zip') return openZipFile(source.path as string, source.name, highWaterMark);
  const raw =
    source.kind === 'file'
      ? createReadStream(source.path as string, { highWaterMark })
      : await requireStore(options.store, source.name).get(source.bucket as string, source.key as string);
  switch (source.format) {
    case 'csv':
      return raw;
    case 'csv.gz':
      // pipeline() forwards a read error to the gunzip stream and destroys both on any error.
      return pipeline(raw, zlib.createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }), () => {});
    case 'zip':
      return Readable.from(unzipFirstCsv(raw, source.name), { objectMode: false });
  }
}

/** A zip member that holds the log: a file (not a directory) named *.csv, not macOS metadata. */
export function isCsvMember(name: string): boolean {
  const base = name.split('/').pop() ?? '';
  return /\.csv$/i.test(base) && !base.startsWith('.') && !name.startsWith('__MACOSX/');
}

/**
 * Local zips: yauzl reads the central directory (the authoritative index: local headers may be incomplete)
 * and finds where the CSV member's data starts; the data is then read with a plain file stream and zlib.
 * yauzl's own read stream was measured 2× slower here (~120 vs ~250 MB/s of CSV on the 2017-01-01 zip:
 * 16 KiB inflate output and small reads), and yauzl does not check CRC-32 — checkedStream does.
 */
async function openZipFile(path: string, name: string, highWaterMark: number): Promise<Readable> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(path, { lazyEntries: true, autoClose: false });
  } catch (e) {
    throw zipError(name, e);
  }
  let csv: yauzl.Entry | null = null;
  let dataStart = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      if (isCsvMember(entry.fileName)) {
        csv = entry;
        break;
      }
    }
    if (!csv) throw badInput(`${name}: the zip holds no .csv member`, 'an EDGAR daily zip holds logYYYYMMDD.csv');
    if (csv.isEncrypted()) throw badInput(`${name}: the zip member ${csv.fileName} is encrypted`);
    const method = csv.compressionMethod;
    if (method !== METHOD_DEFLATE && method !== METHOD_STORED) {
      throw badInput(`${name}: zip member ${csv.fileName} uses compression method ${method} (supported: deflate, stored)`);
    }
    dataStart = (await zip.readLocalFileHeaderPromise(csv, { minimal: true })).fileDataStart;
  } catch (e) {
    throw isFindocError(e) ? e : zipError(name, e);
  } finally {
    zip.close();
  }
  const entry = csv;
  const data =
    entry.compressedSize === 0
      ? Readable.from([], { objectMode: false })
      : createReadStream(path, { start: dataStart, end: dataStart + entry.compressedSize - 1, highWaterMark });
  const body =
    entry.compressionMethod === METHOD_DEFLATE
      ? pipeline(data, zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES }), () => {})
      : data;
  return Readable.from(checkedStream(body, name, entry.crc32, entry.uncompressedSize, false), { objectMode: false });
}

function zipError(name: string, e: unknown): Error {
  return badInputFrom(`${name}: not a readable zip file (${(e as Error).message})`, 'download the file again', e);
}

/** badInput() that keeps the underlying error as its cause. */
function badInputFrom(message: string, hint: string | undefined, cause: unknown): FindocError {
  return new FindocError('FINDOC_BAD_INPUT', message, { hint }, { cause });
}

/** Passes the bytes through, then checks their CRC-32 and length against the zip's record of them. */
async function* checkedStream(
  input: AsyncIterable<Buffer>,
  name: string,
  crc: number,
  size: number,
  mod32: boolean,
): AsyncGenerator<Buffer> {
  let c = 0;
  let n = 0;
  for await (const chunk of input) {
    c = zlib.crc32(chunk, c);
    n += chunk.length;
    yield chunk;
  }
  if (c !== crc || (mod32 ? n % 2 ** 32 : n) !== size) {
    throw badInput(
      `${name}: corrupt zip: the CSV member's ${c !== crc ? 'CRC-32' : 'length'} does not match the zip's record`,
      'download the file again',
    );
  }
}

// ─────────────────────── streaming zip reader (S3) ───────────────────────
//
// Why stream rather than spool an S3 zip to a temp file for yauzl: a 2017 day is ~250 MB zipped, and
// streaming parses while downloading, needs no scratch disk and keeps memory to a few chunks. It reads the
// local file headers in order (zip layout: [local header, data, optional data descriptor]… central
// directory), skips members that are not the CSV (README.txt), and inflates the first *.csv member. The
// SEC's zips carry sizes in the local header (bit 3 clear; checked on log20030301.zip), but streaming
// writers set bit 3 and put sizes and CRC in a data descriptor after the data: for a deflated member the
// inflater finds the end of the deflate stream itself (zlib's bytesWritten tells how much input it
// consumed), and the descriptor is read after it. A *stored* member with a data descriptor has no
// knowable end and is refused. CRC-32 and length are verified, so a truncated or corrupt object is an
// error, never a silently short day. Reading stops after the CSV member.

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_DESCRIPTOR = 0x08074b50;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;

/** Pull-based reader over an async byte stream, with exact reads and push-back. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  /** Bytes consumed so far (the stream offset of the next byte). */
  position = 0;

  constructor(private readonly it: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const chunk = r.value;
      if (chunk.length === 0) continue;
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      return true;
    }
    return false;
  }

  /** The next 1 … max bytes, or null at the end of the stream. */
  async chunk(max: number): Promise<Buffer | null> {
    if (this.buf.length === 0 && !(await this.fill())) return null;
    const out = this.buf.subarray(0, max);
    this.buf = this.buf.subarray(out.length);
    this.position += out.length;
    return out;
  }

  /** Exactly n bytes, or null if the stream ends first. */
  async exact(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) if (!(await this.fill())) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.position += n;
    return out;
  }

  async skip(n: number): Promise<boolean> {
    while (n > 0) {
      const c = await this.chunk(Math.min(n, 1 << 20));
      if (!c) return false;
      n -= c.length;
    }
    return true;
  }

  unshift(bytes: Buffer): void {
    this.buf = this.buf.length === 0 ? bytes : Buffer.concat([bytes, this.buf]);
    this.position -= bytes.length;
  }
}

/**
 * The bytes of the first *.csv member of a zip read front to back (an S3 object, a pipe). Throws
 * FINDOC_BAD_INPUT naming `name` for a corrupt, truncated or encrypted zip, or one without a CSV member.
 * Ends (and closes `input`) after the member.
 */
export async function* unzipFirstCsv(input: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  const it = input[Symbol.asyncIterator]();
  const r = new ByteReader(it);
  const corrupt = (what: string): Error =>
    badInput(`${name}: corrupt zip: ${what} (at byte ${r.position})`, 'download the file again');
  const need = async (n: number, what: string): Promise<Buffer> => {
    const b = await r.exact(n);
    if (!b) throw corrupt(`truncated in ${what}`);
    return b;
  };
  try {
    for (;;) {
      const sigBytes = await r.exact(4);
      if (!sigBytes) throw r.position === 0 ? badInput(`${name}: empty zip file`) : corrupt('truncated between members');
      const sig = sigBytes.readUInt32LE(0);
      if (sig === SIG_CENTRAL || sig === SIG_END || sig === SIG_END64) {
        throw badInput(`${name}: the zip holds no .csv member`, 'an EDGAR daily zip holds logYYYYMMDD.csv');
      }
      if (sig !== SIG_LOCAL) throw r.position === 4 ? badInput(`${name}: not a zip file`) : corrupt('bad member signature');
      const h = await need(26, 'a member header');
      const flags = h.readUInt16LE(2);
      const method = h.readUInt16LE(4);
      const crc = h.readUInt32LE(10);
      let csize = h.readUInt32LE(14);
      let usize = h.readUInt32LE(18);
      const nameBytes = await need(h.readUInt16LE(22), 'a member name');
      const extra = await need(h.readUInt16LE(24), 'a member header');
      const member = nameBytes.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
      const zip64 = csize === 0xffffffff || usize === 0xffffffff;
      if (zip64) [usize, csize] = zip64Sizes(extra, usize, csize, corrupt);
      const hasDescriptor = (flags & FLAG_DESCRIPTOR) !== 0;
      const isCsv = isCsvMember(member);
      if (flags & FLAG_ENCRYPTED && isCsv) throw badInput(`${name}: the zip member ${member} is encrypted`);

      if (!isCsv) {
        if (!hasDescriptor) {
          if (!(await r.skip(csize))) throw corrupt(`truncated in member ${member}`);
        } else if (method === METHOD_DEFLATE) {
          for await (const _ of inflateMember(r, null, corrupt)) {
            // skipped member: only its end matters
          }
          await readDescriptor(r, zip64, need);
        } else {
          throw badInput(`${name}: cannot stream past zip member ${member} (stored with a data descriptor)`);
        }
        continue;
      }

      if (method !== METHOD_DEFLATE && method !== METHOD_STORED) {
        throw badInput(`${name}: zip member ${member} uses compression method ${method} (supported: deflate, stored)`);
      }
      if (method === METHOD_STORED && hasDescriptor) {
        throw badInput(`${name}: cannot stream zip member ${member} (stored with a data descriptor)`);
      }
      let c = 0;
      let n = 0;
      const body = method === METHOD_DEFLATE ? inflateMember(r, hasDescriptor ? null : csize, corrupt) : storedMember(r, csize, corrupt);
      for await (const chunk of body) {
        c = zlib.crc32(chunk, c);
        n += chunk.length;
        yield chunk;
      }
      const want = hasDescriptor ? await readDescriptor(r, zip64, need) : { crc, usize };
      if (c !== want.crc || (zip64 ? n : n % 2 ** 32) !== want.usize) {
        throw corrupt(`member ${member} fails its ${c !== want.crc ? 'CRC-32' : 'length'} check`);
      }
      return;
    }
  } finally {
    await it.return?.();
  }
}

function zip64Sizes(extra: Buffer, usize: number, csize: number, corrupt: (w: string) => Error): [number, number] {
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const read = (): number => {
        if (q + 8 > p + 4 + len) throw corrupt('short zip64 extra field');
        const v = Number(extra.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      const u = usize === 0xffffffff ? read() : usize;
      const c = csize === 0xffffffff ? read() : csize;
      return [u, c];
    }
    p += 4 + len;
  }
  throw corrupt('zip64 sizes without a zip64 extra field');
}

async function readDescriptor(
  r: ByteReader,
  zip64: boolean,
  need: (n: number, what: string) => Promise<Buffer>,
): Promise<{ crc: number; usize: number }> {
  // The descriptor's signature is optional: [sig] crc csize usize (sizes 8 bytes each in zip64).
  let crc = (await need(4, 'a data descriptor')).readUInt32LE(0);
  if (crc === SIG_DESCRIPTOR) crc = (await need(4, 'a data descriptor')).readUInt32LE(0);
  const sizes = await need(zip64 ? 16 : 8, 'a data descriptor');
  const usize = zip64 ? Number(sizes.readBigUInt64LE(8)) : sizes.readUInt32LE(4);
  return { crc, usize };
}

async function* storedMember(r: ByteReader, size: number, corrupt: (w: string) => Error): AsyncGenerator<Buffer> {
  let remaining = size;
  while (remaining > 0) {
    const chunk = await r.chunk(Math.min(remaining, FILE_CHUNK_BYTES));
    if (!chunk) throw corrupt('truncated in the CSV member');
    remaining -= chunk.length;
    yield chunk;
  }
}

/**
 * Inflates a deflated member: `csize` compressed bytes, or (null) up to the end of the deflate stream, the
 * input the inflater did not consume being pushed back into the reader for the data descriptor.
 */
async function* inflateMember(
  r: ByteReader,
  csize: number | null,
  corrupt: (w: string) => Error,
): AsyncGenerator<Buffer> {
  const inflate = zlib.createInflateRaw({ chunkSize: INFLATE_CHUNK_BYTES });
  let fed = 0;
  const write = (chunk: Buffer): Promise<void> =>
    new Promise((res, rej) => inflate.write(chunk, (err) => (err ? rej(err) : res())));
  // The writer runs beside the reading loop below: a write completes only once its output has been read.
  const writer = (async () => {
    let remaining = csize ?? Infinity;
    while (remaining > 0) {
      const chunk = await r.chunk(Math.min(remaining, INFLATE_FEED_BYTES));
      if (!chunk) throw corrupt('truncated in a compressed member');
      remaining -= chunk.length;
      fed += chunk.length;
      await write(chunk);
      const unused = fed - inflate.bytesWritten;
      if (unused > 0) {
        // The deflate stream ended inside this chunk: what follows belongs to the zip, not the member.
        r.unshift(chunk.subarray(chunk.length - unused));
        break;
      }
    }
    inflate.end();
  })().catch((e: unknown) => {
    inflate.destroy(e as Error);
  });
  let completed = false;
  try {
    for await (const out of inflate) yield out as Buffer;
    completed = true;
  } finally {
    // Normal end: wait for the writer, which pushes back the unconsumed input. Early exit: destroying the
    // inflater drops a pending write callback for good (measured on Node 20), so the writer is abandoned
    // rather than awaited; it holds nothing but garbage.
    if (completed) await writer;
    else inflate.destroy();
  }
}

// ───────────────────────────── reading ─────────────────────────────

export interface ReadSourceOptions extends OpenOptions {
  /** Throw FINDOC_BAD_INPUT at the first rejected row. */
  strict?: boolean;
  /** Reject samples kept per file (default 10). */
  maxSamples?: number;
  /** See LogParserOptions.batchBytes (default DEFAULT_BATCH_BYTES). */
  batchBytes?: number;
}

/** What reading one file gave: the parser's counts and the file's rejects. */
export interface FileReport extends ParseStats {
  source: LogSource;
  rejects: RejectLog;
}

/**
 * Reads one source: its visits in batches, and (as the generator's return value) its report. Errors
 * reading or decompressing the file become FINDOC_BAD_INPUT naming it; a store's own errors pass through.
 */
export async function* readSource(source: LogSource, options: ReadSourceOptions = {}): AsyncGenerator<VisitBatch, FileReport, undefined> {
  const rejects = new RejectLog({ maxSamples: options.maxSamples });
  const parser = new LogParser({
    source,
    strict: options.strict,
    rejects,
    batchBytes: options.batchBytes ?? DEFAULT_BATCH_BYTES,
  });
  let stream: Readable | undefined;
  try {
    stream = await openSource(source, options);
    for await (const chunk of stream) {
      const batch = parser.push(chunk as Buffer);
      if (batch) yield batch;
    }
    const last = parser.end();
    if (last) yield last;
  } catch (e) {
    throw inputError(e, source);
  } finally {
    if (stream) {
      // Wait for the close, so that a consumer leaving its loop early finds file handles and S3
      // connections released when its loop statement ends.
      stream.destroy();
      await finished(stream).catch(() => {});
    }
  }
  return { source, ...parser.stats, rejects };
}

function inputError(e: unknown, source: LogSource): unknown {
  if (isFindocError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && err.code.startsWith('Z_')) {
    const kind = source.format === 'zip' ? 'zip' : 'gzip';
    return badInputFrom(`${source.name}: corrupt ${kind} data (${err.message})`, 'download the file again', e);
  }
  if (source.kind === 'file' && typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    return badInputFrom(`${source.name}: cannot read (${err.message})`, undefined, e);
  }
  if (source.kind === 'file' && source.format === 'zip' && e instanceof Error) return zipError(source.name, e);
  return e;
}

export interface ReadVisitsOptions extends ResolveOptions, ReadSourceOptions {
  /** Called once with the sources that will be read, in order. */
  onSources?: (sources: readonly LogSource[]) => void;
  onFileStart?: (source: LogSource) => void;
  /** Called after each file with its counts and rejects. */
  onFileEnd?: (report: FileReport) => void;
  /** Every file's rejects are merged into this log (run totals for the final report). */
  rejects?: RejectLog;
}

/** Totals over a run, the return value of readVisits. */
export interface RunReport {
  files: number;
  lines: number;
  visits: number;
  rejected: number;
  blankLines: number;
  bytes: number;
  rejects: RejectLog;
}

/**
 * The one entry point commands use: resolves specs (resolveSources), reads each source in order
 * (readSource) and yields its visit batches; batch.source says which file and day a batch is from.
 * Per-file reports go to onFileEnd; totals are the generator's return value and options.rejects.
 * Breaking out of the loop closes the open file or S3 stream.
 */
export async function* readVisits(specs: string | readonly string[], options: ReadVisitsOptions = {}): AsyncGenerator<VisitBatch, RunReport, undefined> {
  const sources = await resolveSources(specs, options);
  options.onSources?.(sources);
  const rejects = options.rejects ?? new RejectLog({ maxSamples: options.maxSamples });
  const total: RunReport = { files: 0, lines: 0, visits: 0, rejected: 0, blankLines: 0, bytes: 0, rejects };
  for (const source of sources) {
    options.onFileStart?.(source);
    const report = yield* readSource(source, options);
    total.files++;
    total.lines += report.lines;
    total.visits += report.visits;
    total.rejected += report.rejected;
    total.blankLines += report.blankLines;
    total.bytes += report.bytes;
    rejects.merge(report.rejects);
    options.onFileEnd?.(report);
  }
  return total;
}
