/**
 * Parsing a partition's batch of Kafka records into the visits and counters it adds (findoc stream, DESIGN
 * §3.3). Pure: no Kafka client, no Redis. The data it makes (ParsedBatch) and the merge into one write
 * (DeltaBuilder → BatchDelta) are core/stream-delta.ts; src/adapters/stream-state.ts applies a BatchDelta
 * atomically with its offsets.
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
 * Visits dropped by the crawler filter (filter.ts) are counted as `filtered`. Two steps:
 *   parseRecords  one partition's batch → its kept visits (event second, CIK) and counters; done as soon
 *                 as the batch is fetched;
 *   aggregate     the parsed batches of several partitions → one BatchDelta: visits per event second with
 *                 the CIK of each (packed, 5 bytes a visit), and visits per CIK. Merging partitions before
 *                 writing matters: they cover the same seconds and CIKs, so Redis gets one append per
 *                 second and one increment per CIK for all of them.
 */
import { LogParser } from '../core/log-parser.js';
import { printableSample, RejectLog, type RejectReason } from '../core/rejects.js';
import { ipKeyAt } from '../core/robots.js';
import {
  ROBOT_CROSSING,
  ROBOT_NONE,
  ROBOT_VISIT,
  type ParseOptions,
  type ParsedBatch,
  type RecordSet,
  type RejectedRecord,
  type StreamRejectReason,
} from '../core/stream-delta.js';
import { EDGAR_HEADER } from '../core/visit.js';

const LF = 10;
const SPACE = 32;
const HEADER = Buffer.from(EDGAR_HEADER + '\n');
const SAMPLE_CHARS = 200;

/** Parses one partition's records (in offset order, at least one). */
export function parseRecords(source: RecordSet, options: ParseOptions): ParsedBatch {
  const { offsets, values, starts } = source;
  const count = offsets.length;
  if (count === 0) throw new RangeError('parseRecords: no records');
  const { topic, partition, filter } = options;
  const maxSamples = options.maxSamples ?? 5;
  const rejects: Partial<Record<StreamRejectReason, number>> = {};
  const samples: RejectedRecord[] = [];
  let rejected = 0;
  const reject = (reason: StreamRejectReason, index: number, text: () => string) => {
    rejects[reason] = (rejects[reason] ?? 0) + 1;
    rejected++;
    if (samples.length < maxSamples) {
      samples.push({ topic, partition, offset: offsets[index], reason, text: printableSample(text(), SAMPLE_CHARS) });
    }
  };

  // One buffer: header, then one line per record (empty values stay as blank lines to keep the numbering).
  // LFs inside values (never in a valid row) become spaces, looked for only when the values hold one.
  const hasLf = values.subarray(starts[0], starts[count]).includes(LF);
  const buf = Buffer.allocUnsafe(HEADER.length + (starts[count] - starts[0]) + count);
  let pos = HEADER.copy(buf, 0);
  for (let i = 0; i < count; i++) {
    const s = starts[i];
    const e = starts[i + 1];
    if (s === e) {
      reject('empty_record', i, () => '');
    } else {
      const at = pos;
      pos += values.copy(buf, pos, s, e);
      if (hasLf) for (let q = at; q < pos; q++) if (buf[q] === LF) buf[q] = SPACE;
    }
    buf[pos++] = LF;
  }

  const log = new RejectLog({ maxSamples, maxSampleChars: SAMPLE_CHARS });
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
    samples.push({ topic, partition, offset: offsets[s.line - 2], reason: s.reason, text: s.text });
  }

  const futureBound = options.nowSecond + options.maxFutureSeconds;
  const n = batch?.length ?? 0;
  const second = new Float64Array(n);
  const cik = new Float64Array(n);
  const robotSecond = new Float64Array(filter.robots ? n : 0);
  const classifier = options.robots ?? null;
  const carried = options.carried ?? null;
  if (filter.robots && !classifier && !carried) throw new Error('parseRecords: a robots filter needs the partition\'s classifier');
  const verdicts = filter.robots ? (carried?.verdicts ?? new Uint8Array(count)) : null;
  let visits = 0;
  let filtered = 0;
  let robots = 0;
  let robotIps = 0;
  for (let i = 0; i < n; i++) {
    const s = batch!.second[i];
    if (s > futureBound) {
      reject('future_event', batch!.lineNumber[i] - 2, () => batch!.line(i));
      continue;
    }
    if (verdicts !== null) {
      const record = batch!.lineNumber[i] - 2;
      let v: number;
      if (classifier !== null) {
        const before = classifier.crossings;
        v = classifier.visitKey(ipKeyAt(batch!, i), s, batch!.cik[i]) ? (classifier.crossings !== before ? ROBOT_CROSSING : ROBOT_VISIT) : ROBOT_NONE;
        verdicts[record] = v;
      } else v = verdicts[record];
      if (v !== ROBOT_NONE) {
        robotSecond[robots++] = s;
        if (v === ROBOT_CROSSING) robotIps++;
        filtered++;
        continue;
      }
    }
    if (!filter.keep(batch!, i)) {
      filtered++;
    } else {
      second[visits] = s;
      cik[visits] = batch!.cik[i];
      visits++;
      options.sessions?.visit(ipKeyAt(batch!, i), s, batch!.lineNumber[i] - 2);
    }
  }
  const sessionsTaken = options.carriedSessions ?? options.sessions?.drain() ?? { changes: [], ended: [] };

  return {
    topic,
    partition,
    follows: options.follows,
    firstOffset: offsets[0],
    lastOffset: Math.max(options.lastOffset ?? 0, offsets[count - 1]),
    records: count,
    visits,
    filtered,
    robots,
    robotIps,
    rejected,
    rejects,
    samples,
    second: second.subarray(0, visits),
    cik: cik.subarray(0, visits),
    robotSecond: robotSecond.subarray(0, robots),
    robotVerdicts: verdicts,
    robotStates: carried?.states ?? classifier?.drainChanged() ?? [],
    sessionChanges: sessionsTaken.changes,
    sessionsEnded: sessionsTaken.ended,
    source,
    options,
  };
}

/**
 * The part of a parsed batch after the offset the state holds (`stored`; null: none), parsed again and
 * marked as following it — or null when nothing of it is left.
 */
export function trimBatch(batch: ParsedBatch, stored: number | null): ParsedBatch | null {
  const { offsets, values, starts } = batch.source;
  let i = 0;
  if (stored !== null) while (i < offsets.length && offsets[i] <= stored) i++;
  if (i === offsets.length) return null;
  const carried = batch.robotVerdicts === null ? undefined : { verdicts: batch.robotVerdicts.subarray(i), states: batch.robotStates };
  // Sessions ended by the head's records were written by whoever applied the head; the tail's are ours.
  const carriedSessions =
    batch.options.sessions || batch.options.carriedSessions
      ? { changes: batch.sessionChanges, ended: batch.sessionsEnded.filter((e) => e.cause >= i).map((e) => ({ ...e, cause: e.cause - i })) }
      : undefined;
  return parseRecords(
    { offsets: offsets.subarray(i), values, starts: starts.subarray(i) },
    { ...batch.options, follows: stored, robots: undefined, carried, sessions: undefined, carriedSessions },
  );
}
