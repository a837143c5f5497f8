/**
 * findoc sessions (file mode): reads the inputs as one stream in date order and writes one line per
 * session as sessions end (src/core/sessions.ts). Default: the visits the shared parser accepts, rejects
 * counted. --insight: the challenge's rule, every row with a usable ip, date and time, read by a light row
 * reader that takes the column order from each file's header (the tests shuffle it).
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { badInput, interrupted } from '../core/errors.js';
import { filterOf, type VisitFilter } from '../core/filter.js';
import { ipKeyAt } from '../core/robots.js';
import { openSource, readVisits, resolveSources, type ObjectStore } from '../core/log-input.js';
import { Sessionizer, formatDateTime, sessionLine, type Session, type SessionOrder } from '../core/sessions.js';

export interface SessionsOptions {
  inputs: string[];
  inactivity: number;
  order: SessionOrder;
  insight: boolean;
  json: boolean;
  /** Default mode only: sessions of the visits the filter keeps (robots: causal, as the stream). */
  filter?: VisitFilter;
  /** Only the files dated in this range (by the date in the name), inclusive. */
  from?: string;
  to?: string;
}

export interface SessionsDeps {
  out: Writable;
  store?: ObjectStore;
  /** Aborted by Ctrl-C/SIGTERM: reading stops at the next chunk and run() throws FINDOC_INTERRUPTED. */
  signal?: AbortSignal;
}

function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw interrupted('interrupted: the sessions after the last one written were not written');
}

export interface SessionsReport {
  files: number;
  rows: number;
  sessions: number;
  skipped: number;
  /** Visits the filter dropped (in no session). */
  filtered: number;
}

/** Buffers output lines and writes them in blocks, waiting when the destination is full. */
class LineSink {
  private text = '';
  pending: Promise<unknown> | null = null;
  constructor(private readonly out: Writable) {}
  push(line: string): void {
    this.text += line + '\n';
    if (this.text.length > 65_536) this.flush();
  }
  flush(): void {
    if (this.text === '') return;
    if (!this.out.write(this.text) && this.pending === null) this.pending = once(this.out, 'drain').then(() => (this.pending = null));
    this.text = '';
  }
}

function jsonLine(s: Session): string {
  return JSON.stringify({
    ip: s.ip,
    first: formatDateTime(s.first),
    last: formatDateTime(s.last),
    durationSeconds: s.last - s.first + 1,
    requests: s.count,
    documents: [...(s.documents ?? [])],
    ciks: [...(s.ciks ?? [])],
  });
}

export async function run(options: SessionsOptions, deps: SessionsDeps): Promise<SessionsReport> {
  const sink = new LineSink(deps.out);
  const report: SessionsReport = { files: 0, rows: 0, sessions: 0, skipped: 0, filtered: 0 };
  const sessionizer = new Sessionizer(
    options.inactivity,
    options.order,
    (s) => {
      report.sessions++;
      sink.push(options.json ? jsonLine(s) : sessionLine(s));
    },
    options.json,
  );
  if (options.insight) await readInsight(options, deps, sessionizer, sink, report);
  else await readDefault(options, deps, sessionizer, sink, report);
  sessionizer.end();
  sink.flush();
  if (sink.pending) await sink.pending;
  return report;
}

async function readDefault(options: SessionsOptions, deps: SessionsDeps, sz: Sessionizer, sink: LineSink, report: SessionsReport): Promise<void> {
  const visits = readVisits(options.inputs, {
    store: deps.store,
    from: options.from,
    to: options.to,
    onFileEnd: (r) => {
      if (r.bytes === 0) throw badInput(`${r.source.name}: the file is empty (0 bytes), not a log`, 'check the download');
    },
  });
  // One pass of the filter over every visit in file order: the robots classifier sees them all, as in
  // batch and the stream, and a dropped visit is in no session.
  const filter = options.filter ?? filterOf([]);
  const pass = filter.rules.length > 0 ? filter.start() : null;
  let next = await visits.next();
  while (!next.done) {
    const b = next.value;
    const { accession, extention } = b.layout.index;
    for (let i = 0; i < b.length; i++) {
      if (pass !== null && !pass.keep(b, i)) {
        report.filtered++;
        continue;
      }
      if (options.json) sz.add(ipKeyAt(b, i), b.second[i] as number, b.field(i, accession) + b.field(i, extention), b.cik[i]);
      else sz.add(ipKeyAt(b, i), b.second[i] as number);
    }
    sink.flush();
    if (sink.pending) await sink.pending;
    stopIfAborted(deps.signal);
    next = await visits.next();
  }
  report.files = next.value.files;
  report.rows = next.value.visits;
  report.skipped = next.value.rejected;
}

async function readInsight(options: SessionsOptions, deps: SessionsDeps, sz: Sessionizer, sink: LineSink, report: SessionsReport): Promise<void> {
  const sources = await resolveSources(options.inputs, { from: options.from, to: options.to, store: deps.store });
  for (const source of sources) {
    report.files++;
    const reader = new InsightRows(sz, options.json, report);
    const stream = await openSource(source, { store: deps.store });
    let bytes = 0;
    try {
      for await (const chunk of stream) {
        bytes += (chunk as Buffer).length;
        reader.push(chunk as Buffer);
        sink.flush();
        if (sink.pending) await sink.pending;
        stopIfAborted(deps.signal);
      }
    } finally {
      stream.destroy();
    }
    reader.end();
    if (bytes === 0) throw badInput(`${source.name}: the file is empty (0 bytes), not a log`, 'check the download');
  }
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})$/;

/** The challenge's rows: header first, then any row with ip, date and time usable. */
class InsightRows {
  private rest = '';
  private header: Record<string, number> | null = null;
  private lastDate = '';
  private lastDay = NaN;

  constructor(
    private readonly sz: Sessionizer,
    private readonly details: boolean,
    private readonly report: SessionsReport,
  ) {}

  push(chunk: Buffer): void {
    const text = this.rest + chunk.toString('latin1');
    let start = 0;
    let nl = text.indexOf('\n');
    while (nl !== -1) {
      this.line(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.rest = text.slice(start);
  }

  end(): void {
    if (this.rest !== '') this.line(this.rest);
    this.rest = '';
  }

  private line(raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const f = line.split(',');
    if (this.header === null) {
      this.header = {};
      f.forEach((name, i) => ((this.header as Record<string, number>)[name.trim().toLowerCase()] = i));
      return;
    }
    const h = this.header;
    const ip = (f[h.ip as number] ?? '').trim();
    const second = this.second((f[h.date as number] ?? '').trim(), (f[h.time as number] ?? '').trim());
    if (ip === '' || Number.isNaN(second)) {
      this.report.skipped++;
      return;
    }
    this.report.rows++;
    if (this.details) this.sz.add(ip, second, (f[h.accession as number] ?? '') + (f[h.extention as number] ?? ''), Number(f[h.cik as number]));
    else this.sz.add(ip, second);
  }

  private second(date: string, time: string): number {
    if (date !== this.lastDate) {
      const m = DATE.exec(date);
      let day = NaN;
      if (m) {
        const y = Number(m[1]), mo = Number(m[2]), d = Number(m[3]);
        const ms = Date.UTC(y, mo - 1, d);
        const back = new Date(ms);
        if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) day = ms / 1000;
      }
      this.lastDate = date;
      this.lastDay = day;
    }
    if (Number.isNaN(this.lastDay)) return NaN;
    const t = TIME.exec(time);
    if (!t) return NaN;
    const hh = Number(t[1]), mm = Number(t[2]), ss = Number(t[3]);
    if (hh > 23 || mm > 59 || ss > 59) return NaN;
    return this.lastDay + hh * 3600 + mm * 60 + ss;
  }
}
