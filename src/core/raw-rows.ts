/**
 * `batch --raw`: every valid row of a day as PostgreSQL COPY text (the default `COPY … FROM STDIN`
 * format: tab-separated, `\N` for NULL, backslash escapes), built straight from the bytes the parser
 * already holds — no string per row, no float parsing (bench/batch.ts measures it).
 *
 * Columns, in this order (the raw_visits table of src/adapters/migrations/002_batch.sql):
 *
 *   day        date      the file date (the partition key: a day is replaced as a unit)
 *   second     int       event time − day 00:00:00 UTC, in seconds: 0 … 86,399 for the rows of the day;
 *                        another value for a row dated another day (see day-counts.ts), so that
 *                        day + second·1 s is always the row's event time
 *   ip         text      as logged (three octets and a three-letter code)
 *   cik        bigint
 *   accession  text      verbatim (see below)
 *   extention  text      verbatim (the SEC's spelling)
 *   code       smallint  HTTP status
 *   size       bigint    NULL when the field is empty (304 responses)
 *   idx, norefer, noagent, find, crawler  smallint
 *   browser    text      '' when the field is empty, as in the file
 *   zone       smallint
 *   line       int       line number in the decompressed file (provenance; the header is line 1)
 *
 * Numbers are written as the file wrote them minus the zero fraction ("1608552.0" → "1608552"): the
 * parser's grammar (log-parser.ts) guarantees `digits ["." zeros]`, so dropping from the dot on is exact.
 *
 * Text: accession and extention may hold any byte but comma and LF. COPY text escapes backslash, tab and
 * CR. PostgreSQL text cannot hold a NUL byte or invalid UTF-8 (the database encoding), so such a field is
 * decoded as UTF-8 with U+FFFD for each invalid sequence and NUL; the rows concerned are counted
 * (`sanitized`) and reported with the day. No real SEC row needs it.
 */
import type { VisitBatch } from './visit.js';

/** The raw_visits columns in COPY order. */
export const RAW_COLUMNS = [
  'day',
  'second',
  'ip',
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
  'zone',
  'line',
] as const;

const TAB = 9;
const LF = 10;
const CR = 13;
const BACKSLASH = 92;
const DOT = 46;

export class RawRowEncoder {
  /** Rows whose text needed U+FFFD replacement (NUL or invalid UTF-8). */
  sanitized = 0;
  /** Rows encoded so far. */
  rows = 0;
  private readonly dayBytes: Uint8Array;
  private readonly dayStart: number;

  /** `day` is the file date, YYYY-MM-DD; `dayStart` its 00:00:00 UTC event second. */
  constructor(day: string, dayStart: number) {
    this.dayBytes = Buffer.from(day, 'latin1');
    this.dayStart = dayStart;
  }

  /** COPY text for every visit of the batch (a fresh Buffer the caller owns). */
  encode(batch: VisitBatch): Buffer {
    const n = batch.length;
    const src = batch.buffer;
    const fs = batch.fieldStart;
    const ix = batch.layout.index;
    const ncols = batch.layout.ncols;
    const stride = ncols + 1;
    const [cIp, cCik, cAcc, cExt, cCode, cSize, cIdx, cNoref, cNoag, cFind, cCrawler, cBrowser, cZone] = [
      ix.ip, ix.cik, ix.accession, ix.extention, ix.code, ix.size, ix.idx, ix.norefer, ix.noagent, ix.find, ix.crawler, ix.browser, ix.zone,
    ];
    const day = this.dayBytes;
    const start = this.dayStart;
    const seconds = batch.second;
    const lines = batch.lineNumber;
    // Rows grow by ~25 bytes (day, second, line) and shrink by the dropped ".0"s and the unstored date,
    // time and extra columns; a row needing more (escapes) makes the buffer grow.
    let out = Buffer.allocUnsafe(Math.max(4096, Math.ceil(src.length * 1.1) + n * 32));
    let p = 0;
    for (let i = 0; i < n; i++) {
      const base = i * stride;
      const lineLen = fs[base + ncols] - 1 - fs[base];
      if (p + 3 * lineLen + 96 > out.length) {
        const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, p + 3 * lineLen + 96));
        out.copy(bigger, 0, 0, p);
        out = bigger;
      }
      for (let k = 0; k < 10; k++) out[p++] = day[k];
      out[p++] = TAB;
      p = writeInt(out, p, seconds[i] - start);
      out[p++] = TAB;
      p = copyField(src, fs[base + cIp], fs[base + cIp + 1] - 1, out, p);
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cCik], fs[base + cCik + 1] - 1, out, p);
      out[p++] = TAB;
      const qa = copyTextSanitized(src, fs[base + cAcc], fs[base + cAcc + 1] - 1, out, p);
      p = qa < 0 ? -qa : qa;
      out[p++] = TAB;
      const qe = copyTextSanitized(src, fs[base + cExt], fs[base + cExt + 1] - 1, out, p);
      p = qe < 0 ? -qe : qe;
      if (qa < 0 || qe < 0) this.sanitized++;
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cCode], fs[base + cCode + 1] - 1, out, p);
      out[p++] = TAB;
      const ss = fs[base + cSize];
      const se = fs[base + cSize + 1] - 1;
      if (se > ss) p = copyNumber(src, ss, se, out, p);
      else {
        out[p++] = BACKSLASH;
        out[p++] = 78; // N
      }
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cIdx], fs[base + cIdx + 1] - 1, out, p);
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cNoref], fs[base + cNoref + 1] - 1, out, p);
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cNoag], fs[base + cNoag + 1] - 1, out, p);
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cFind], fs[base + cFind + 1] - 1, out, p);
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cCrawler], fs[base + cCrawler + 1] - 1, out, p);
      out[p++] = TAB;
      p = copyField(src, fs[base + cBrowser], fs[base + cBrowser + 1] - 1, out, p);
      out[p++] = TAB;
      p = copyNumber(src, fs[base + cZone], fs[base + cZone + 1] - 1, out, p);
      out[p++] = TAB;
      p = writeInt(out, p, lines[i]);
      out[p++] = LF;
    }
    this.rows += n;
    return out.subarray(0, p);
  }
}

/**
 * Copies a text field with COPY's escapes and returns the new position, or −1 at the first byte that needs
 * the slow path (NUL or ≥ 0x80). The caller reserved 3 × the line's length, the worst case.
 */
function copyText(src: Uint8Array, start: number, end: number, out: Uint8Array, p: number): number {
  for (let q = start; q < end; q++) {
    const b = src[q];
    if (b > 0x20 && b < 0x7f && b !== BACKSLASH) out[p++] = b;
    else if (b === BACKSLASH) {
      out[p++] = BACKSLASH;
      out[p++] = BACKSLASH;
    } else if (b === TAB) {
      out[p++] = BACKSLASH;
      out[p++] = 116; // t
    } else if (b === CR) {
      out[p++] = BACKSLASH;
      out[p++] = 114; // r
    } else if (b >= 0x80 || b === 0) return -1;
    else out[p++] = b; // space and other control characters are valid text
  }
  return p;
}

/**
 * The whole field decoded as UTF-8 (U+FFFD for invalid sequences and NUL), escaped. Returns the new
 * position, negated when bytes had to be replaced.
 */
function copyTextSlow(src: Buffer, start: number, end: number, out: Uint8Array, p: number): number {
  const raw = src.subarray(start, end);
  const bytes = Buffer.from(raw.toString('utf8').replace(/\0/g, '\ufffd'), 'utf8');
  for (const b of bytes) {
    if (b === BACKSLASH) {
      out[p++] = BACKSLASH;
      out[p++] = BACKSLASH;
    } else if (b === TAB) {
      out[p++] = BACKSLASH;
      out[p++] = 116;
    } else if (b === CR) {
      out[p++] = BACKSLASH;
      out[p++] = 114;
    } else out[p++] = b;
  }
  return bytes.equals(raw) ? p : -p;
}

/** Copies bytes verbatim (fields the grammar restricts to safe ASCII: ip, browser). */
function copyField(src: Uint8Array, start: number, end: number, out: Uint8Array, p: number): number {
  for (let q = start; q < end; q++) out[p++] = src[q];
  return p;
}

/** Copies an integer written `[-]digits["." zeros]` without its fraction. */
function copyNumber(src: Uint8Array, start: number, end: number, out: Uint8Array, p: number): number {
  for (let q = start; q < end; q++) {
    const b = src[q];
    if (b === DOT) break;
    out[p++] = b;
  }
  return p;
}

/** Writes an integer (|value| < 2^31) in decimal. */
function writeInt(out: Uint8Array, p: number, value: number): number {
  if (value < 0) {
    out[p++] = 45; // -
    value = -value;
  }
  let digits = 1;
  for (let v = value; v >= 10; v = (v / 10) | 0) digits++;
  const end = p + digits;
  let q = end;
  do {
    const next = (value / 10) | 0;
    out[--q] = 48 + value - next * 10;
    value = next;
  } while (value > 0);
  return end;
}

/**
 * copyText, or copyTextSlow when the text holds a NUL or a byte outside ASCII: the end position, negated
 * when text had to be replaced with U+FFFD.
 */
function copyTextSanitized(src: Buffer, s: number, e: number, out: Uint8Array, p: number): number {
  const q = copyText(src, s, e, out, p);
  return q >= 0 ? q : copyTextSlow(src, s, e, out, p);
}
