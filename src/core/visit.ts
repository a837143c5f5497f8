/**
 * The central record types of findoc: what a visit is and how a batch of them is laid out in memory.
 *
 * Glossary
 * --------
 * log file (source)
 *   One CSV of the EDGAR Log File Data Set, usually one UTC day (`logYYYYMMDD.csv`), read from a local
 *   file or S3, plain, gzip'd or zipped (see log-input.ts). Its *file date* is the YYYYMMDD in its name.
 * line
 *   A physical line of the decompressed CSV, ended by LF or CRLF (the last may have no end). Numbered from
 *   1; the header is line 1. Reports and `--strict` errors say `file:line`.
 * header
 *   The first non-blank line: column names. Columns are found by name, never by position (log-parser.ts).
 * row
 *   Any non-blank line after the header. A row is either a visit or a reject.
 * blank line
 *   An empty line (nothing before its LF/CRLF). Skipped; neither a visit nor a reject, but counted.
 * visit
 *   A row that passed every check of the grammar in log-parser.ts: one request of one document by one
 *   client, at one event second.
 * reject, reason
 *   A row that failed a check. It is counted under exactly one reason from a closed list (rejects.ts), a
 *   few are kept as samples, and it never stops a run — unless `--strict`, where the first reject is a
 *   FINDOC_BAD_INPUT error (exit 65) naming file:line and reason.
 * event time, event second
 *   The row's `date` + `time` read as UTC, as whole seconds since 1970-01-01T00:00:00Z (a "Unix second").
 *   It is the only clock stream and batch use; arrival time never counts.
 * day
 *   A UTC calendar date, written YYYY-MM-DD. A visit's day is its `date` column; a file's day is its file
 *   date. They agree in real files.
 * second of day
 *   0 … 86,399: event second mod 86,400, i.e. 3600·hh + 60·mm + ss of the row's `time`. Index into the
 *   zero-filled per-second vectors and the percentile bands.
 * CIK
 *   SEC Central Index Key of the filer whose document was requested: a non-negative integer of at most
 *   10 digits, written in the logs as a float (`1608552.0`). Carried as a JS number (exact below 2^53).
 * crawler flag
 *   The SEC's own `crawler` column: 1 when the user agent self-identifies as a bot, or the status was 404.
 * raw line
 *   The row's exact bytes without its line end. Replay forwards it with `date`/`time` re-stamped
 *   (VisitBatch.restamp); batch --raw can COPY it as is.
 * batch
 *   The visits parsed from one chunk of input bytes (VisitBatch), laid out as a struct of arrays: one typed
 *   array per hot field, indexed 0 … length-1, plus the bytes the lines came from. Other fields and strings
 *   are decoded only when asked for (ip(i), field(i, name), record(i)), so the parser creates no string per
 *   row. A batch never changes once produced and stays valid after the next one (its bytes are the input
 *   chunks' own memory or a copy of them; inputs are streams' chunks, which are never reused).
 */

/** Column names of the EDGAR log header, in the SEC's order. `extention` is the SEC's own spelling. */
export const EDGAR_COLUMNS = [
  'ip',
  'date',
  'time',
  'zone',
  'cik',
  'accession',
  'extention',
  'code',
  'size',
  'idx',
  'norefer',
  'noagent',
  'find',
  'crawler',
  'browser',
] as const;

export type EdgarColumn = (typeof EDGAR_COLUMNS)[number];

/** The header line as written: the SEC's 15 columns in the SEC's order. */
export const EDGAR_HEADER = EDGAR_COLUMNS.join(',');

export const SECONDS_PER_DAY = 86_400;

/** Where each column sits in a file's rows, built from its header (log-parser.ts parseHeader). */
export interface ColumnLayout {
  /** The header's column names as written (trimmed), including unknown extra columns. */
  readonly names: readonly string[];
  /** Number of fields every row must have: names.length. */
  readonly ncols: number;
  /** 0-based position of each EDGAR column in a row. */
  readonly index: Readonly<Record<EdgarColumn, number>>;
}

/** What a batch knows of the file it came from. log-input.ts's LogSource is a richer SourceRef. */
export interface SourceRef {
  /** Display name: a local path or an s3://bucket/key URL. */
  readonly name: string;
  /** The file date from the name (YYYY-MM-DD), or null when the name carries none. */
  readonly date: string | null;
}

/** One visit as a plain object, every field decoded: the slow, convenient form (tests, rare consumers). */
export interface VisitRecord {
  ip: string;
  /** YYYY-MM-DD as written. */
  date: string;
  /** HH:MM:SS as written. */
  time: string;
  zone: number;
  cik: number;
  accession: string;
  extention: string;
  code: number;
  /** null when the field is empty (304 responses). */
  size: number | null;
  idx: number;
  norefer: number;
  noagent: number;
  find: number;
  crawler: number;
  browser: string;
  /** Event second (Unix seconds, UTC). */
  second: number;
  /** Line number in the file. */
  line: number;
  /** The raw line without its line end. */
  text: string;
}

/**
 * The arrays a parser fills for one batch. Row i's fields are buffer[fieldStart[i·stride + c],
 * fieldStart[i·stride + c + 1] − 1) for column c (stride = ncols + 1; the last entry of a row is one past
 * the end of its last field, so the same formula serves every column and the line is
 * buffer[fieldStart[i·stride], fieldStart[i·stride + ncols] − 1)).
 */
export interface VisitBatchData {
  source: SourceRef;
  layout: ColumnLayout;
  buffer: Buffer;
  length: number;
  second: Float64Array;
  cik: Float64Array;
  crawler: Uint8Array;
  code: Uint16Array;
  size: Float64Array;
  lineNumber: Float64Array;
  fieldStart: Int32Array;
}

export class VisitBatch {
  readonly source: SourceRef;
  readonly layout: ColumnLayout;
  /** The bytes the batch's lines were parsed from (rejected and blank lines included). */
  readonly buffer: Buffer;
  /** Number of visits. Every array below has exactly this length. */
  readonly length: number;
  /** Event second of each visit (Unix seconds, UTC). */
  readonly second: Float64Array;
  readonly cik: Float64Array;
  /** The SEC's crawler flag, 0 or 1. */
  readonly crawler: Uint8Array;
  /** HTTP status code (0 occurs in real files). */
  readonly code: Uint16Array;
  /** Response size in bytes; NaN when the field is empty (304 responses). */
  readonly size: Float64Array;
  /** Line number of each visit in its file. */
  readonly lineNumber: Float64Array;
  /** Field boundaries, see VisitBatchData. */
  readonly fieldStart: Int32Array;
  private readonly stride: number;

  constructor(data: VisitBatchData) {
    this.source = data.source;
    this.layout = data.layout;
    this.buffer = data.buffer;
    this.length = data.length;
    this.second = data.second;
    this.cik = data.cik;
    this.crawler = data.crawler;
    this.code = data.code;
    this.size = data.size;
    this.lineNumber = data.lineNumber;
    this.fieldStart = data.fieldStart;
    this.stride = data.layout.ncols + 1;
  }

  /** 0 … 86,399. */
  secondOfDay(i: number): number {
    return mod(this.second[i], SECONDS_PER_DAY);
  }

  /** The visit's day, YYYY-MM-DD. */
  day(i: number): string {
    return formatDay(this.second[i]);
  }

  /** The client address as logged (three octets and a three-letter code). */
  ip(i: number): string {
    return this.field(i, this.layout.index.ip);
  }

  /**
   * A field's text as written. `column` is an EDGAR column name or a 0-based position (for unknown extra
   * columns; see layout.names).
   */
  field(i: number, column: EdgarColumn | number): string {
    const c = typeof column === 'number' ? column : this.layout.index[column];
    if (!(c >= 0 && c < this.layout.ncols)) throw new RangeError(`no column ${String(column)}`);
    const k = i * this.stride + c;
    return this.buffer.toString('utf8', this.fieldStart[k], this.fieldStart[k + 1] - 1);
  }

  /** The raw line's bytes (a view into the batch's buffer: copy it to keep it beyond the batch). */
  lineBytes(i: number): Buffer {
    const k = i * this.stride;
    return this.buffer.subarray(this.fieldStart[k], this.fieldStart[k + this.layout.ncols] - 1);
  }

  /** The raw line, without its line end. */
  line(i: number): string {
    const k = i * this.stride;
    return this.buffer.toString('utf8', this.fieldStart[k], this.fieldStart[k + this.layout.ncols] - 1);
  }

  /**
   * The raw line with its `date` and `time` fields replaced by those of another event second (UTC), every
   * other byte unchanged: the record value replay sends (DESIGN §3.2).
   */
  restamp(i: number, second: number): string {
    const base = i * this.stride;
    const fs = this.fieldStart;
    const { date, time } = this.layout.index;
    // By position, so that a layout with time before date works too.
    let first = { start: fs[base + date], end: fs[base + date + 1] - 1, text: formatDay(second) };
    let next = { start: fs[base + time], end: fs[base + time + 1] - 1, text: formatTime(second) };
    if (next.start < first.start) [first, next] = [next, first];
    const b = this.buffer;
    return (
      b.toString('utf8', fs[base], first.start) +
      first.text +
      b.toString('utf8', first.end, next.start) +
      next.text +
      b.toString('utf8', next.end, fs[base + this.layout.ncols] - 1)
    );
  }

  /** Every field decoded into an object. */
  record(i: number): VisitRecord {
    const size = this.size[i];
    return {
      ip: this.ip(i),
      date: this.field(i, 'date'),
      time: this.field(i, 'time'),
      zone: Number(this.field(i, 'zone')),
      cik: this.cik[i],
      accession: this.field(i, 'accession'),
      extention: this.field(i, 'extention'),
      code: this.code[i],
      size: Number.isNaN(size) ? null : size,
      idx: Number(this.field(i, 'idx')),
      norefer: Number(this.field(i, 'norefer')),
      noagent: Number(this.field(i, 'noagent')),
      find: Number(this.field(i, 'find')),
      crawler: this.crawler[i],
      browser: this.field(i, 'browser'),
      second: this.second[i],
      line: this.lineNumber[i],
      text: this.line(i),
    };
  }

  /** All visits as objects (slow path: tests and small inputs). */
  records(): VisitRecord[] {
    const out: VisitRecord[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.record(i));
    return out;
  }
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** YYYY-MM-DD of an event second (UTC). */
export function formatDay(second: number): string {
  return new Date(Math.floor(second / SECONDS_PER_DAY) * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);
}

/** HH:MM:SS of an event second (UTC). */
export function formatTime(second: number): string {
  const s = mod(second, SECONDS_PER_DAY);
  return `${pad2(Math.floor(s / 3600))}:${pad2(Math.floor(s / 60) % 60)}:${pad2(s % 60)}`;
}

/** Event second of 00:00:00 UTC on a YYYY-MM-DD day; NaN if the text is not a valid day. */
export function dayStart(day: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return NaN;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return NaN;
  return Date.UTC(y, mo - 1, d) / 1000;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
