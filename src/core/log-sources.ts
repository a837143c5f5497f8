/**
 * Log sources: what a user names on the command line (local files and directories, s3://bucket/key and
 * s3://bucket/prefix/) resolved into an ordered list of sources with their file dates. The selection rules
 * are described in log-input.ts, which reads the sources.
 */
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { FindocError, badInput, configError, usageError } from './errors.js';
import { dayStart, type SourceRef } from './visit.js';

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
  if (kept.length === 0) throw nothingInRange(list, options, [...found.values()].map((c) => c.source));
  return kept.sort(compareSources);
}

/** A date range that selects none of the files found: exit 65, naming what was searched and what is there. */
function nothingInRange(specs: readonly string[], { from, to }: DateRange, found: LogSource[]): FindocError {
  const range = from !== undefined && to !== undefined ? (from === to ? `dated ${from}` : `dated ${from} to ${to}`) : from !== undefined ? `dated ${from} or later` : `dated ${to} or earlier`;
  const dates = found.map((s) => s.date).filter((d): d is string => d !== null).sort();
  const there = dates.length ? `: the ${found.length} found are dated ${dates[0]}${dates.length > 1 ? ` to ${dates[dates.length - 1]}` : ''}` : '';
  return badInput(`no log files ${range} in ${specs.join(', ')}${there}`, 'widen --from/--to, or name the files or folder that hold those days');
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
      throw badInput(
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

/** The store an s3:// input needs; a configuration error when the command has none. */
export function requireStore(store: ObjectStore | undefined, spec: string): ObjectStore {
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
      throw badInput(
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

