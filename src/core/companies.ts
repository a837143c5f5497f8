/**
 * Company names and tickers by CIK, from the SEC's two reference files (DESIGN §1):
 *
 *   company_tickers.json   https://www.sec.gov/files/company_tickers.json
 *     {"0":{"cik_str":320193,"ticker":"AAPL","title":"Apple Inc."},"1":{…},…}
 *     Listed companies only (~10k CIKs, ~25–40% of logged requests), ordered by the SEC (largest first).
 *     A CIK with several share classes appears once per ticker (GOOGL and GOOG): the FIRST entry is kept,
 *     i.e. the SEC's primary listing. `title` is the current name.
 *
 *   cik-lookup-data.txt    https://www.sec.gov/Archives/edgar/cik-lookup-data.txt
 *     One `NAME:CIK:` line per name a filer has ever used, e.g. `APPLE INC:0000320193:`, latin-1 (ISO-8859-1),
 *     LF or CRLF, ~1M lines, sorted by name. A NAME may itself contain ':' ("A: B CORP:0001234567:"), so a
 *     line is read from its end: the last field before the final ':' is the CIK, everything before it the
 *     name. A CIK with several names (former names) keeps the FIRST in file order; the file has no "current"
 *     marker, and the tickers file's title, when a CIK has one, wins over every lookup name.
 *
 * Malformed entries are counted per reason with a few samples and never stop a sync.
 *
 * This module is pure: parsing and choosing. HTTP is src/adapters/sec-files.ts, storage
 * src/adapters/companies-store.ts, and syncCompanies() below wires them through small interfaces.
 */

/** Where a company's stored name came from (the `source` column). */
export type CompanySource = 'company_tickers' | 'cik_lookup';

export interface CompanyRecord {
  cik: number;
  name: string;
  ticker: string | null;
  source: CompanySource;
}

/** What top and watch show for a CIK. */
export interface CompanyName {
  name: string;
  ticker: string | null;
}

/** The largest CIK: 10 digits (EDGAR pads CIKs to 10). */
export const MAX_CIK = 9_999_999_999;

export const COMPANY_REJECT_REASONS = ['bad_json_entry', 'bad_cik', 'empty_name', 'no_separator', 'line_too_long'] as const;
export type CompanyRejectReason = (typeof COMPANY_REJECT_REASONS)[number];

export interface CompanyReject {
  reason: CompanyRejectReason;
  /** 1-based line in cik-lookup-data.txt, or the JSON key in company_tickers.json. */
  where: string;
  text: string;
}

/** Counts per reason and the first few samples. */
export class CompanyRejects {
  readonly counts = new Map<CompanyRejectReason, number>();
  readonly samples: CompanyReject[] = [];
  constructor(private readonly maxSamples = 5) {}

  add(reason: CompanyRejectReason, where: string, text: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    if (this.samples.length < this.maxSamples) this.samples.push({ reason, where, text: text.slice(0, 200) });
  }

  get total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  toJSON(): { total: number; byReason: Record<string, number>; samples: CompanyReject[] } {
    return { total: this.total, byReason: Object.fromEntries(this.counts), samples: this.samples };
  }
}

/** Removes characters a name must not carry: controls (incl. NUL, which PostgreSQL text refuses) and edge blanks. */
export function cleanName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function validCik(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0 && n <= MAX_CIK;
}

/**
 * Parses company_tickers.json (its whole text: ~1 MB). One record per CIK, the first entry of each CIK;
 * `title` and `ticker` trimmed; a ticker is upper-cased as the SEC writes it elsewhere.
 */
export function parseCompanyTickers(text: string, rejects: CompanyRejects = new CompanyRejects()): CompanyRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`company_tickers.json is not JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('company_tickers.json is not a JSON object of entries');
  const seen = new Set<number>();
  const out: CompanyRecord[] = [];
  // Object keys "0","1",… iterate in numeric order (integer-like keys), which is the SEC's order.
  for (const [key, entry] of Object.entries(doc as Record<string, unknown>)) {
    const e = entry as { cik_str?: unknown; ticker?: unknown; title?: unknown } | null;
    if (typeof e !== 'object' || e === null) {
      rejects.add('bad_json_entry', key, JSON.stringify(entry) ?? String(entry));
      continue;
    }
    const cik = typeof e.cik_str === 'number' ? e.cik_str : typeof e.cik_str === 'string' && /^\d{1,10}$/.test(e.cik_str) ? Number(e.cik_str) : NaN;
    if (!validCik(cik)) {
      rejects.add('bad_cik', key, JSON.stringify(entry));
      continue;
    }
    const name = typeof e.title === 'string' ? cleanName(e.title) : '';
    if (name === '') {
      rejects.add('empty_name', key, JSON.stringify(entry));
      continue;
    }
    if (seen.has(cik)) continue;
    seen.add(cik);
    const ticker = typeof e.ticker === 'string' && e.ticker.trim() !== '' ? e.ticker.trim().toUpperCase() : null;
    out.push({ cik, name, ticker, source: 'company_tickers' });
  }
  return out;
}

/** A line longer than this is not a lookup entry (the longest real names are ~150 characters). */
export const MAX_LOOKUP_LINE = 4096;

export type LookupLine = { cik: number; name: string } | { reject: CompanyRejectReason };

/** Parses one `NAME:CIK:` line (without its line end; a trailing CR is tolerated). */
export function parseLookupLine(line: string): LookupLine {
  let s = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (s.length > MAX_LOOKUP_LINE) return { reject: 'line_too_long' };
  s = s.trimEnd();
  // The trailing ':' is part of the format; tolerate its absence ("NAME:CIK").
  if (s.endsWith(':')) s = s.slice(0, -1);
  const sep = s.lastIndexOf(':');
  if (sep < 0) return { reject: 'no_separator' };
  const digits = s.slice(sep + 1).trim();
  if (!/^\d{1,10}$/.test(digits)) return { reject: 'bad_cik' };
  const name = cleanName(s.slice(0, sep));
  if (name === '') return { reject: 'empty_name' };
  return { cik: Number(digits), name };
}

/**
 * Splits latin-1 bytes into lines and parses them, across chunk boundaries, without holding the file.
 * Decoding is true ISO-8859-1 (one byte = one code point; Buffer's 'latin1'), not WHATWG's "latin1" label,
 * which means windows-1252.
 */
export class LookupParser {
  private carry: Buffer | null = null;
  private lineNo = 0;
  private readonly firstName = new Map<number, string>();
  lines = 0;

  constructor(readonly rejects: CompanyRejects = new CompanyRejects()) {}

  /** Feeds a chunk; returns the records first seen in it (one per new CIK, in file order). */
  push(chunk: Buffer): CompanyRecord[] {
    const out: CompanyRecord[] = [];
    const buf = this.carry ? Buffer.concat([this.carry, chunk]) : chunk;
    let start = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, start);
      if (nl < 0) break;
      this.line(buf.toString('latin1', start, nl), out);
      start = nl + 1;
    }
    const rest = buf.subarray(start);
    // An over-long unterminated line is cut to the limit so that memory stays bounded; it is rejected when its end comes.
    this.carry = rest.length === 0 ? null : Buffer.from(rest.length > MAX_LOOKUP_LINE + 2 ? rest.subarray(0, MAX_LOOKUP_LINE + 2) : rest);
    return out;
  }

  /** The last line when the file does not end with a newline. */
  end(): CompanyRecord[] {
    const out: CompanyRecord[] = [];
    if (this.carry && this.carry.length > 0) this.line(this.carry.toString('latin1'), out);
    this.carry = null;
    return out;
  }

  /** Distinct CIKs seen so far. */
  get companies(): number {
    return this.firstName.size;
  }

  private line(text: string, out: CompanyRecord[]): void {
    this.lineNo++;
    if (text === '' || text === '\r') return;
    this.lines++;
    const r = parseLookupLine(text);
    if ('reject' in r) {
      this.rejects.add(r.reject, String(this.lineNo), text);
      return;
    }
    if (this.firstName.has(r.cik)) return;
    // Only the CIK → first name map is kept: ~1M entries at most, a few tens of MB, for the whole file.
    this.firstName.set(r.cik, r.name);
    out.push({ cik: r.cik, name: r.name, ticker: null, source: 'cik_lookup' });
  }
}

/** What a user typed to name a company: a CIK (digits, optionally "CIK" and zero-padded) or a ticker. */
export function parseCompanyRef(text: string): { cik: number } | { ticker: string } | null {
  const t = text.trim();
  const m = /^(?:cik)?0*(\d{1,10})$/i.exec(t);
  if (m) return { cik: Number(m[1]) };
  if (/^[A-Za-z][A-Za-z0-9.\-]{0,9}$/.test(t)) return { ticker: t.toUpperCase() };
  return null;
}

/** "Apple Inc. (AAPL)", or the CIK when the name is unknown: how top and watch label a company. */
export function companyLabel(cik: number, company: CompanyName | undefined | null): string {
  if (!company) return `CIK ${cik}`;
  return company.ticker ? `${company.name} (${company.ticker})` : company.name;
}

// ---------------------------------------------------------------------------------------------------------
// The sync, wired through interfaces so that this file stays free of HTTP and SQL.

export const COMPANY_SOURCES = ['tickers', 'lookup'] as const;
export type CompanySourceName = (typeof COMPANY_SOURCES)[number];

export const SEC_FILES: Record<CompanySourceName, string> = {
  tickers: '/files/company_tickers.json',
  lookup: '/Archives/edgar/cik-lookup-data.txt',
};

export interface CompanySink {
  /** Stages records (bounded batches; the sink applies backpressure by awaiting). */
  add(records: CompanyRecord[]): Promise<void>;
  /**
   * Merges what was staged into the companies table in one transaction. `tickersAuthoritative`: the
   * staged tickers are a complete snapshot, so a stored ticker-file row may be replaced by a lookup name
   * (a company delisted since); otherwise stored ticker-file rows are kept.
   */
  commit(tickersAuthoritative: boolean): Promise<{ inserted: number; updated: number; unchanged: number; total: number }>;
  /** Drops what was staged unless committed (always called, also after a failure or Ctrl-C). */
  close(): Promise<void>;
}

export interface SyncDeps {
  /** GETs an SEC path (SEC_FILES) and yields the body's bytes. */
  fetch(path: string, signal?: AbortSignal): AsyncIterable<Buffer>;
  sink: CompanySink;
  signal?: AbortSignal;
  /** Called now and then with the bytes and lines read so far. */
  onProgress?: (p: { source: CompanySourceName; bytes: number; lines: number }) => void;
}

export interface SourceReport {
  source: CompanySourceName;
  url: string;
  bytes: number;
  /** Entries read (JSON entries or non-blank lines). */
  entries: number;
  companies: number;
  rejects: ReturnType<CompanyRejects['toJSON']>;
}

export interface SyncReport {
  sources: SourceReport[];
  inserted: number;
  updated: number;
  unchanged: number;
  /** Rows in the companies table after the sync. */
  total: number;
}

const STAGE_BATCH = 5000;

/**
 * Fetches the chosen sources and merges them: the lookup names first, then the tickers file, whose entries
 * win for their CIKs (the sink orders by source). Nothing is written to the table if any fetch fails.
 */
export async function syncCompanies(sources: readonly CompanySourceName[], deps: SyncDeps, baseUrl: string): Promise<SyncReport> {
  const reports: SourceReport[] = [];
  for (const source of sources) {
    const rejects = new CompanyRejects();
    let bytes = 0;
    if (source === 'tickers') {
      const parts: Buffer[] = [];
      for await (const chunk of deps.fetch(SEC_FILES.tickers, deps.signal)) {
        parts.push(chunk);
        bytes += chunk.length;
      }
      const records = parseCompanyTickers(Buffer.concat(parts).toString('utf8'), rejects);
      for (let i = 0; i < records.length; i += STAGE_BATCH) await deps.sink.add(records.slice(i, i + STAGE_BATCH));
      deps.onProgress?.({ source, bytes, lines: records.length });
      reports.push({ source, url: baseUrl + SEC_FILES.tickers, bytes, entries: records.length + rejects.total, companies: records.length, rejects: rejects.toJSON() });
    } else {
      const parser = new LookupParser(rejects);
      let pending: CompanyRecord[] = [];
      for await (const chunk of deps.fetch(SEC_FILES.lookup, deps.signal)) {
        bytes += chunk.length;
        pending.push(...parser.push(chunk));
        if (pending.length >= STAGE_BATCH) {
          await deps.sink.add(pending);
          pending = [];
          deps.onProgress?.({ source, bytes, lines: parser.lines });
        }
      }
      pending.push(...parser.end());
      if (pending.length > 0) await deps.sink.add(pending);
      deps.onProgress?.({ source, bytes, lines: parser.lines });
      reports.push({ source, url: baseUrl + SEC_FILES.lookup, bytes, entries: parser.lines, companies: parser.companies, rejects: rejects.toJSON() });
    }
  }
  const merged = await deps.sink.commit(sources.includes('tickers'));
  return { sources: reports, ...merged };
}
