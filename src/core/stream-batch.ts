/**
 * From a batch of Kafka records to the counts it adds (findoc stream, DESIGN §3.3). Pure: no Kafka client,
 * no Redis; src/adapters/stream-state.ts applies a BatchDelta atomically with its offsets.
 *
 * Input contract (what `findoc replay` produces, DESIGN §3.2): one record per visit, value = one CSV row
 * without header in the SEC's column order (EDGAR_HEADER) with `date`/`time` re-stamped; the key (ip) and
 * the record timestamp are not read — the row's own date and time are the event time, so a row and its
 * counts never disagree.
 *
 * Rows are validated by the one EDGAR parser (log-parser.ts): a batch's values become one buffer, the
 * header line then one line per record, so line n + 2 is record n and every reject maps back to its
 * partition and offset. A value holding an LF would shift that mapping, so its LFs are turned into spaces
 * first (the row is then rejected by the grammar: a CSV row never holds a line end).
 *
 * Besides the parser's reasons (rejects.ts), two are the stream's own:
 *   empty_record   the record has no value or an empty one (a tombstone, or not a visit at all)
 *   future_event   the event second is later than the wall clock plus `maxFutureSeconds`: a clock or
 *                  producer bug. Judged against the wall clock, not the latest applied second, so that a
 *                  single bogus "2099" row cannot drag the latest second forward and make every true
 *                  visit "late".
 * Rejected records are counted per reason, a few are kept as samples (partition, offset, text), and they
 * are skipped: their offsets are applied like any other, so a partition never stalls on them.
 *
 * Visits dropped by the crawler filter (filter.ts) are counted as `filtered`. What remains is aggregated
 * per event second (visits) and per (event second, CIK), and per CIK for the all-time totals.
 */
import { LogParser } from './log-parser.js';
import { REJECT_DESCRIPTIONS, RejectLog, type RejectReason } from './rejects.js';
import type { VisitFilter } from './filter.js';
import { EDGAR_HEADER } from './visit.js';

export type StreamRejectReason = RejectReason | 'empty_record' | 'future_event';

export const STREAM_REJECT_DESCRIPTIONS: Record<StreamRejectReason, string> = {
  ...REJECT_DESCRIPTIONS,
  empty_record: 'the record has no value (not a visit row)',
  future_event: 'the event time is later than the wall clock plus --max-future (a clock or producer bug)',
};

/** One Kafka record as the stream reads it. */
export interface StreamRecord {
  offset: number;
  value: Buffer | null;
}

export interface RejectedRecord {
  topic: string;
  partition: number;
  offset: number;
  reason: StreamRejectReason;
  /** The value as text, cut to 200 characters. */
  text: string;
}

/** Visits of one event second in a batch, and how they split over CIKs (ciks ascending). */
export interface SecondDelta {
  second: number;
  visits: number;
  ciks: number[];
  counts: number[];
}

export interface BatchDelta {
  topic: string;
  partition: number;
  /** Offsets of the first record and of the end of the batch (the last record, or a later control record). */
  firstOffset: number;
  lastOffset: number;
  /** Records in the batch: visits + filtered + rejected. */
  records: number;
  /** Visits kept by the filter. */
  visits: number;
  /** Visits the filter dropped. */
  filtered: number;
  rejected: number;
  rejects: Partial<Record<StreamRejectReason, number>>;
  samples: RejectedRecord[];
  /** Per event second, ascending. */
  seconds: SecondDelta[];
  /** All-time visits per CIK (every kept visit, late ones included), ciks ascending. */
  ciks: number[];
  cikVisits: number[];
  /** The latest event second among the kept visits, or null when there are none. */
  maxSecond: number | null;
}

export interface DecodeOptions {
  topic: string;
  partition: number;
  filter: VisitFilter;
  /** Wall clock in Unix seconds, for the future_event bound. */
  nowSecond: number;
  maxFutureSeconds: number;
  /** The offset the batch ends at (≥ the last record's offset); default: the last record's offset. */
  lastOffset?: number;
  /** Samples kept per batch (default 5). */
  maxSamples?: number;
}

const LF = 10;
const SPACE = 32;
const HEADER = Buffer.from(EDGAR_HEADER + '\n');
const SAMPLE_CHARS = 200;

/** Decodes and aggregates one batch of one partition. `records` must be in offset order and non-empty. */
export function decodeBatch(records: readonly StreamRecord[], options: DecodeOptions): BatchDelta {
  if (records.length === 0) throw new RangeError('decodeBatch: no records');
  const { topic, partition, filter } = options;
  const maxSamples = options.maxSamples ?? 5;
  const rejects: Partial<Record<StreamRejectReason, number>> = {};
  const samples: RejectedRecord[] = [];
  let rejected = 0;
  const reject = (reason: StreamRejectReason, index: number, text: () => string) => {
    rejects[reason] = (rejects[reason] ?? 0) + 1;
    rejected++;
    if (samples.length < maxSamples) {
      const t = text();
      samples.push({ topic, partition, offset: records[index].offset, reason, text: t.length > SAMPLE_CHARS ? t.slice(0, SAMPLE_CHARS - 1) + '…' : t });
    }
  };

  // One buffer: header, then one line per record (empty values stay as blank lines to keep the numbering).
  let size = HEADER.length;
  for (const r of records) size += (r.value?.length ?? 0) + 1;
  const buf = Buffer.allocUnsafe(size);
  let pos = HEADER.copy(buf, 0);
  for (let i = 0; i < records.length; i++) {
    const v = records[i].value;
    if (v === null || v.length === 0) {
      reject('empty_record', i, () => '');
    } else {
      const start = pos;
      pos += v.copy(buf, pos);
      if (v.indexOf(LF) >= 0) for (let p = start; p < pos; p++) if (buf[p] === LF) buf[p] = SPACE;
    }
    buf[pos++] = LF;
  }

  const log = new RejectLog({ maxSamples: maxSamples, maxSampleChars: SAMPLE_CHARS });
  const parser = new LogParser({ source: { name: `${topic}/${partition}`, date: null }, rejects: log });
  const batch = parser.push(buf) ?? parser.end();
  parser.end();
  for (const [reason, n] of Object.entries(log.counts) as [RejectReason, number][]) {
    if (n === 0) continue;
    rejects[reason] = (rejects[reason] ?? 0) + n;
    rejected += n;
  }
  for (const s of log.samples) {
    if (samples.length >= maxSamples) break;
    samples.push({ topic, partition, offset: records[s.line - 2].offset, reason: s.reason, text: s.text });
  }

  const futureBound = options.nowSecond + options.maxFutureSeconds;
  const perSecond = new Map<number, Map<number, number>>();
  const perCik = new Map<number, number>();
  let visits = 0;
  let filtered = 0;
  let maxSecond: number | null = null;
  if (batch) {
    // Records of a partition mostly arrive in time order: remember the last second's map.
    let lastSecond = NaN;
    let lastMap: Map<number, number> | undefined;
    for (let i = 0; i < batch.length; i++) {
      const second = batch.second[i];
      if (second > futureBound) {
        const index = batch.lineNumber[i] - 2;
        reject('future_event', index, () => batch.line(i));
        continue;
      }
      if (!filter.keep(batch, i)) {
        filtered++;
        continue;
      }
      visits++;
      const cik = batch.cik[i];
      if (second !== lastSecond) {
        lastSecond = second;
        lastMap = perSecond.get(second);
        if (!lastMap) perSecond.set(second, (lastMap = new Map()));
        if (maxSecond === null || second > maxSecond) maxSecond = second;
      }
      lastMap!.set(cik, (lastMap!.get(cik) ?? 0) + 1);
      perCik.set(cik, (perCik.get(cik) ?? 0) + 1);
    }
  }

  const seconds: SecondDelta[] = [];
  for (const second of [...perSecond.keys()].sort((a, b) => a - b)) {
    const m = perSecond.get(second)!;
    const ciks = [...m.keys()].sort((a, b) => a - b);
    const counts = ciks.map((c) => m.get(c)!);
    seconds.push({ second, visits: counts.reduce((a, b) => a + b, 0), ciks, counts });
  }
  const ciks = [...perCik.keys()].sort((a, b) => a - b);

  return {
    topic,
    partition,
    firstOffset: records[0].offset,
    lastOffset: Math.max(options.lastOffset ?? records[records.length - 1].offset, records[records.length - 1].offset),
    records: records.length,
    visits,
    filtered,
    rejected,
    rejects,
    samples,
    seconds,
    ciks,
    cikVisits: ciks.map((c) => perCik.get(c)!),
    maxSecond,
  };
}
