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
import type { VisitBatch } from '../core/visit.js';
import {
  RECORD_FILTERED,
  RECORD_KEPT,
  RECORD_SKIPPED,
  RECORD_REJECTED,
  RECORD_ROBOT,
  ROBOT_CROSSING,
  ROBOT_NONE,
  ROBOT_VISIT,
  STREAM_REJECT_REASONS,
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
const REASON_CODE = new Map<StreamRejectReason, number>(STREAM_REJECT_REASONS.map((r, i) => [r, RECORD_REJECTED + i]));

/**
 * The parser's reject log, also noting what became of each rejected record (line n + 2 is record n), so
 * that a batch knows every record's outcome (ParsedBatch.outcomes) without keeping every reject's text.
 */
class OutcomeRejectLog extends RejectLog {
  constructor(
    private readonly outcomes: Uint8Array,
    maxSamples: number,
  ) {
    super({ maxSamples, maxSampleChars: SAMPLE_CHARS });
  }

  override add(reason: RejectReason, line: number, offset: number, text: string | (() => string), file?: string): void {
    this.outcomes[line - 2] = REASON_CODE.get(reason)!;
    super.add(reason, line, offset, text, file);
  }
}

/** A batch's rejects while it is parsed: counted per reason, the first few kept as samples. */
class BatchRejects {
  readonly rejects: Partial<Record<StreamRejectReason, number>> = {};
  readonly samples: RejectedRecord[] = [];
  rejected = 0;

  constructor(
    private readonly source: RecordSet,
    private readonly options: ParseOptions,
    readonly outcomes: Uint8Array,
    readonly maxSamples: number,
  ) {}

  add(reason: StreamRejectReason, record: number, text: () => string): void {
    this.rejects[reason] = (this.rejects[reason] ?? 0) + 1;
    this.rejected++;
    this.outcomes[record] = REASON_CODE.get(reason)!;
    if (this.samples.length < this.maxSamples) {
      const { topic, partition } = this.options;
      this.samples.push({ topic, partition, offset: this.source.offsets[record], reason, text: printableSample(text(), SAMPLE_CHARS) });
    }
  }

  /** The parser's rejects, after the empty records'. */
  merge(log: RejectLog): void {
    for (const [reason, n] of Object.entries(log.counts) as [RejectReason, number][]) {
      if (n === 0) continue;
      this.rejects[reason] = (this.rejects[reason] ?? 0) + n;
      this.rejected += n;
    }
    const { topic, partition } = this.options;
    for (const s of log.samples) {
      if (this.samples.length >= this.maxSamples) break;
      this.samples.push({ topic, partition, offset: this.source.offsets[s.line - 2], reason: s.reason, text: s.text });
    }
  }
}

/** Parses one partition's records (in offset order, at least one). Each row is parsed here, once. */
export function parseRecords(source: RecordSet, options: ParseOptions): ParsedBatch {
  const count = source.offsets.length;
  if (count === 0) throw new RangeError('parseRecords: no records');
  const { topic, partition, filter } = options;
  const outcomes = new Uint8Array(count).fill(RECORD_SKIPPED);
  const rejects = new BatchRejects(source, options, outcomes, options.maxSamples ?? 5);
  const buf = linesOf(source, rejects);
  const log = new OutcomeRejectLog(outcomes, rejects.maxSamples);
  const parser = new LogParser({ source: { name: `${topic}/${partition}`, date: null }, rejects: log });
  const batch = parser.push(buf) ?? parser.end();
  parser.end();
  rejects.merge(log);
  const kept = keepVisits(batch, count, options, rejects);
  const sessionsTaken = options.carriedSessions ?? options.sessions?.drain() ?? { changes: [], ended: [] };
  return {
    topic,
    partition,
    follows: options.follows,
    firstOffset: source.offsets[0],
    lastOffset: Math.max(options.lastOffset ?? 0, source.offsets[count - 1]),
    records: count,
    visits: kept.visits,
    filtered: kept.filtered,
    robots: kept.robots,
    robotIps: kept.robotIps,
    rejected: rejects.rejected,
    rejects: rejects.rejects,
    samples: rejects.samples,
    second: kept.second,
    cik: kept.cik,
    robotSecond: kept.robotSecond,
    robotVerdicts: kept.verdicts,
    robotStates: options.carried?.states ?? options.robots?.drainChanged() ?? [],
    sessionChanges: sessionsTaken.changes,
    sessionsEnded: sessionsTaken.ended,
    outcomes,
    source,
    options,
  };
}

/**
 * One buffer: header, then one line per record (empty values stay as blank lines to keep the numbering,
 * and are rejected here). LFs inside values (never in a valid row) become spaces, looked for only when
 * the values hold one.
 */
function linesOf(source: RecordSet, rejects: BatchRejects): Buffer {
  const { values, starts } = source;
  const count = source.offsets.length;
  const hasLf = values.subarray(starts[0], starts[count]).includes(LF);
  const buf = Buffer.allocUnsafe(HEADER.length + (starts[count] - starts[0]) + count);
  let pos = HEADER.copy(buf, 0);
  for (let i = 0; i < count; i++) {
    const s = starts[i];
    const e = starts[i + 1];
    if (s === e) {
      rejects.add('empty_record', i, () => '');
    } else {
      const at = pos;
      pos += values.copy(buf, pos, s, e);
      if (hasLf) for (let q = at; q < pos; q++) if (buf[q] === LF) buf[q] = SPACE;
    }
    buf[pos++] = LF;
  }
  return buf;
}

/**
 * The valid rows' fate, in offset order: rejected when stamped in the future, a robot visit (robots
 * filter: decided by the partition's classifier, or carried from an earlier parse), dropped by the
 * filter's other rules, or kept (and fed to the sessions).
 */
function keepVisits(batch: VisitBatch | null, count: number, options: ParseOptions, rejects: BatchRejects) {
  const { filter } = options;
  const futureBound = options.nowSecond + options.maxFutureSeconds;
  const n = batch?.length ?? 0;
  const second = new Float64Array(n);
  const cik = new Float64Array(n);
  const robotSecond = new Float64Array(filter.robots ? n : 0);
  const classifier = options.robots ?? null;
  const carried = options.carried ?? null;
  if (filter.robots && !classifier && !carried) throw new Error('parseRecords: a robots filter needs the partition\'s classifier');
  const verdicts = filter.robots ? (carried?.verdicts ?? new Uint8Array(count)) : null;
  const outcomes = rejects.outcomes;
  let visits = 0;
  let filtered = 0;
  let robots = 0;
  let robotIps = 0;
  for (let i = 0; i < n; i++) {
    const s = batch!.second[i];
    const record = batch!.lineNumber[i] - 2;
    if (s > futureBound) {
      rejects.add('future_event', record, () => batch!.line(i));
      continue;
    }
    if (verdicts !== null) {
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
        outcomes[record] = RECORD_ROBOT;
        continue;
      }
    }
    if (!filter.keep(batch!, i)) {
      filtered++;
      outcomes[record] = RECORD_FILTERED;
    } else {
      second[visits] = s;
      cik[visits] = batch!.cik[i];
      visits++;
      outcomes[record] = RECORD_KEPT;
      options.sessions?.visit(ipKeyAt(batch!, i), s, record);
    }
  }
  return { visits, filtered, robots, robotIps, verdicts, second: second.subarray(0, visits), cik: cik.subarray(0, visits), robotSecond: robotSecond.subarray(0, robots) };
}

/**
 * The part of a parsed batch after the offset the state holds (`stored`; null: none), marked as following
 * it — or null when nothing of it is left. Cut from the first parse, not parsed again: the records'
 * outcomes say which visits, robot visits and rejects are the tail's. Only the reject samples can need
 * the rows again — when the first parse had more rejects than it kept samples of, the tail's first few
 * may not be among them —, and then the tail is parsed again as it always was (robots verdicts and
 * sessions carried, so the result is the same either way).
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
  const source = { offsets: offsets.subarray(i), values, starts: starts.subarray(i) };
  const options: ParseOptions = { ...batch.options, follows: stored, robots: undefined, carried, sessions: undefined, carriedSessions };
  if (batch.rejected > batch.samples.length) return parseRecords(source, options);
  return cutTail(batch, i, source, options);
}

/** The records from index i on of a batch whose every reject has its sample (see trimBatch). */
function cutTail(batch: ParsedBatch, i: number, source: RecordSet, options: ParseOptions): ParsedBatch {
  const { outcomes } = batch;
  let keptBefore = 0;
  let robotsBefore = 0;
  for (let r = 0; r < i; r++) {
    if (outcomes[r] === RECORD_KEPT) keptBefore++;
    else if (outcomes[r] === RECORD_ROBOT) robotsBefore++;
  }
  let filtered = 0;
  let rejected = 0;
  let robotIps = 0;
  const rejects: Partial<Record<StreamRejectReason, number>> = {};
  for (let r = i; r < outcomes.length; r++) {
    const o = outcomes[r];
    if (o === RECORD_FILTERED || o === RECORD_ROBOT) filtered++;
    if (o === RECORD_ROBOT && batch.robotVerdicts![r] === ROBOT_CROSSING) robotIps++;
    if (o >= RECORD_REJECTED && o !== RECORD_SKIPPED) {
      const reason = STREAM_REJECT_REASONS[o - RECORD_REJECTED];
      rejects[reason] = (rejects[reason] ?? 0) + 1;
      rejected++;
    }
  }
  const first = source.offsets[0];
  const sessions = options.carriedSessions ?? { changes: [], ended: [] };
  return {
    ...batch,
    follows: options.follows,
    firstOffset: first,
    records: outcomes.length - i,
    visits: batch.visits - keptBefore,
    filtered,
    robots: batch.robots - robotsBefore,
    robotIps,
    rejected,
    rejects: orderedRejects(rejects),
    samples: batch.samples.filter((s) => s.offset >= first),
    second: batch.second.subarray(keptBefore),
    cik: batch.cik.subarray(keptBefore),
    robotSecond: batch.robotSecond.subarray(robotsBefore),
    robotVerdicts: options.carried?.verdicts ?? null,
    robotStates: options.carried?.states ?? batch.robotStates,
    sessionChanges: sessions.changes,
    sessionsEnded: sessions.ended,
    outcomes: outcomes.subarray(i),
    source,
    options,
  };
}

/** The reasons in the order a parse lists them: empty records, then the parser's, then future events. */
function orderedRejects(rejects: Partial<Record<StreamRejectReason, number>>): Partial<Record<StreamRejectReason, number>> {
  const out: Partial<Record<StreamRejectReason, number>> = {};
  for (const reason of ['empty_record', ...STREAM_REJECT_REASONS.filter((r) => r !== 'empty_record')] as StreamRejectReason[]) {
    if (rejects[reason]) out[reason] = rejects[reason];
  }
  return out;
}
