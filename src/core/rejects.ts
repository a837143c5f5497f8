/**
 * Reject accounting (DESIGN §2): a row that fails validation is not a visit. It is counted under exactly one
 * reason, and the first few are kept as samples (where, why, and the line itself, truncated) so that a
 * report — human or `--json` — can show what was wrong without holding the bad rows.
 *
 * A RejectLog is per file while parsing and merged into run totals afterwards; merging is associative and
 * keeps the earliest samples first, so a run's report does not depend on how files were grouped.
 */

/**
 * The closed list of reasons, in the order the parser checks them: a row gets the first reason that applies.
 * Adding a reason is a contract change (it shows up in --json output): add it here and in the grammar
 * comment of log-parser.ts.
 */
export const REJECT_REASONS = [
  'line_too_long',
  'field_count',
  'repeated_header',
  'bad_ip',
  'bad_date',
  'bad_time',
  'bad_zone',
  'bad_cik',
  'bad_code',
  'bad_size',
  'bad_flag',
  'bad_find',
  'bad_browser',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

/** One sentence per reason, for reports and --strict errors. */
export const REJECT_DESCRIPTIONS: Record<RejectReason, string> = {
  line_too_long: 'line longer than the limit (not an EDGAR log row)',
  field_count: 'number of fields differs from the header',
  repeated_header: 'a copy of the header line inside the data (files concatenated with their headers)',
  bad_ip: 'ip is not three decimal octets and a three-letter code (e.g. 101.81.133.jja)',
  bad_date: 'date is not a real calendar date written YYYY-MM-DD (year 1970 or later)',
  bad_time: 'time is not HH:MM:SS between 00:00:00 and 23:59:59',
  bad_zone: 'zone is not an integer between -1400 and 1400 (written like 500.0)',
  bad_cik: 'cik is not a non-negative integer of at most 10 digits written plainly (e.g. 1608552.0; 1.21e+24 is garbage)',
  bad_code: 'code is not an integer status between 0 and 999',
  bad_size: 'size is neither empty nor a non-negative integer below 2^53',
  bad_flag: 'idx, norefer, noagent or crawler is not 0 or 1',
  bad_find: 'find is not an integer between 0 and 10',
  bad_browser: 'browser is neither empty nor three lowercase letters',
};

export interface RejectSample {
  /** Display name of the source (local path or s3:// URL), when known. */
  file?: string;
  /** 1-based physical line number in the (decompressed) file; the header is line 1. */
  line: number;
  /** Byte offset of the line's first byte in the (decompressed) file. */
  offset: number;
  reason: RejectReason;
  /** The raw line, without its line end, truncated to RejectLog.maxSampleChars characters. */
  text: string;
}

/** The JSON shape of a RejectLog (what --json prints under "rejects"). */
export interface RejectSummary {
  total: number;
  /** Only reasons that occurred, in REJECT_REASONS order. */
  byReason: Partial<Record<RejectReason, number>>;
  samples: RejectSample[];
}

export interface RejectLogOptions {
  /** How many samples to keep (default 10). The earliest ones are kept. */
  maxSamples?: number;
  /** Sample text is cut to this many characters, an ellipsis marking the cut (default 200). */
  maxSampleChars?: number;
}

export function isRejectReason(value: unknown): value is RejectReason {
  return typeof value === 'string' && (REJECT_REASONS as readonly string[]).includes(value);
}

export class RejectLog {
  readonly maxSamples: number;
  readonly maxSampleChars: number;
  readonly counts: Record<RejectReason, number>;
  readonly samples: RejectSample[] = [];
  total = 0;

  constructor(options: RejectLogOptions = {}) {
    this.maxSamples = Math.max(0, options.maxSamples ?? 10);
    this.maxSampleChars = Math.max(1, options.maxSampleChars ?? 200);
    this.counts = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<RejectReason, number>;
  }

  /**
   * Counts one rejected row. `text` may be a function so that the line is only decoded when a sample is
   * actually kept (the common case of many rejects then costs no string).
   */
  add(reason: RejectReason, line: number, offset: number, text: string | (() => string), file?: string): void {
    this.counts[reason]++;
    this.total++;
    if (this.samples.length < this.maxSamples) {
      const raw = typeof text === 'function' ? text() : text;
      const sample: RejectSample = { line, offset, reason, text: printableSample(raw, this.maxSampleChars) };
      if (file !== undefined) sample.file = file;
      this.samples.push(sample);
    }
  }

  /** Adds another log's counts and samples into this one (earliest first: this log's, then the other's). */
  merge(other: RejectLog | RejectSummary): this {
    const counts: Partial<Record<RejectReason, number>> = other instanceof RejectLog ? other.counts : other.byReason;
    for (const reason of REJECT_REASONS) {
      const n = counts[reason] ?? 0;
      this.counts[reason] += n;
      this.total += n;
    }
    for (const s of other.samples) {
      if (this.samples.length >= this.maxSamples) break;
      this.samples.push({ ...s, text: printableSample(s.text, this.maxSampleChars) });
    }
    return this;
  }

  count(reason: RejectReason): number {
    return this.counts[reason];
  }

  toJSON(): RejectSummary {
    const byReason: Partial<Record<RejectReason, number>> = {};
    for (const reason of REJECT_REASONS) if (this.counts[reason] > 0) byReason[reason] = this.counts[reason];
    return { total: this.total, byReason, samples: this.samples.map((s) => ({ ...s })) };
  }

  /** Rebuilds a log from its JSON form (e.g. a worker's report); unknown reasons are refused. */
  static fromJSON(summary: RejectSummary, options: RejectLogOptions = {}): RejectLog {
    for (const key of Object.keys(summary.byReason)) {
      if (!isRejectReason(key)) throw new TypeError(`unknown reject reason "${key}"`);
    }
    for (const s of summary.samples) {
      if (!isRejectReason(s.reason)) throw new TypeError(`unknown reject reason "${String(s.reason)}"`);
    }
    return new RejectLog(options).merge(summary);
  }

  /** One line per reason, e.g. "bad_cik: 2 (cik is not …)", for terminal reports. */
  describe(): string[] {
    return REJECT_REASONS.filter((r) => this.counts[r] > 0).map(
      (r) => `${r}: ${this.counts[r]} (${REJECT_DESCRIPTIONS[r]})`,
    );
  }
}

/**
 * A reject sample as printable text of at most `max` characters: control bytes (C0, DEL, C1) become
 * `\xNN` and a lone surrogate becomes `\uXXXX`, so that a sample can go to a terminal, to JSON and
 * into a PostgreSQL jsonb column (which refuses `\u0000`) unchanged. Backslashes are kept as they are so
 * that the function is idempotent: merging already-printable samples (a worker's report) changes nothing.
 * Every stage (batch, replay, stream) keeps its samples through this one function. An escape is never
 * cut in half; a cut sample ends with "…".
 */
export function printableSample(text: string, max = 200): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    let piece: string;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      piece = text.slice(i, i + 2);
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      piece = `\\u${c.toString(16).padStart(4, '0')}`;
    } else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
      piece = `\\x${c.toString(16).padStart(2, '0')}`;
    } else {
      piece = text[i];
    }
    const rest = text.length - i - 1;
    if (out.length + piece.length > (rest > 0 ? max - 1 : max)) return out + '…';
    out += piece;
  }
  return out;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
