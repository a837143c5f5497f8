/**
 * What a batch of Kafka records adds to the live counts (findoc stream, DESIGN §3.3), as data: the parsed
 * batch of one partition (ParsedBatch), the counters every step carries (BatchCounts) and the merge of
 * several partitions' batches into the one delta a Redis write applies with its offsets (DeltaBuilder,
 * aggregate → BatchDelta). Pure: no Kafka client, no Redis. Shared by the stream (src/stream/parse.ts
 * makes the parsed batches) and the Redis adapter (src/adapters/stream-state.ts applies a BatchDelta
 * atomically with its offsets, and merges a refused batch again on its own).
 *
 * Glossary:
 *   record set    one partition's fetched records, flat (offsets, one buffer of values, their starts)
 *   parsed batch  one partition's records after parsing: its kept visits (event second, CIK), counters,
 *                 rejects with samples, and the features' changes (robots states, sessions)
 *   delta         the parsed batches of several partitions merged: visits per event second with the CIK
 *                 of each (packed, 5 bytes a visit), visits per CIK, the features' writes, one offset
 *                 range per partition. Merging partitions before writing matters: they cover the same
 *                 seconds and CIKs, so Redis gets one append per second and one increment per CIK for all.
 */
import { REJECT_DESCRIPTIONS, REJECT_REASONS, type RejectReason } from './rejects.js';
import type { VisitFilter } from './filter.js';
import type { EndedSession, PartitionSessions, SessionChange } from './live-sessions.js';
import { ipOfKey, type ChangedIpState, type RobotClassifier } from './robots.js';

export type StreamRejectReason = RejectReason | 'empty_record' | 'future_event';

export const STREAM_REJECT_DESCRIPTIONS: Record<StreamRejectReason, string> = {
  ...REJECT_DESCRIPTIONS,
  empty_record: 'the record has no value (not a visit row)',
  future_event: 'the event time is later than the wall clock plus --max-future (a clock or producer bug)',
};

/**
 * One partition's records as the consumer hands them over, flat: record i has offset offsets[i] and value
 * values[starts[i], starts[i + 1]) (empty for a null value); starts has one more entry than offsets.
 */
export interface RecordSet {
  offsets: Float64Array;
  values: Buffer;
  starts: Int32Array;
}

/** A RecordSet from records given one by one (tests, small inputs). */
export function recordSet(records: readonly { offset: number | string; value: Buffer | string | null }[]): RecordSet {
  const parts = records.map((r) => (r.value === null ? Buffer.alloc(0) : Buffer.from(r.value)));
  const starts = new Int32Array(records.length + 1);
  parts.forEach((b, i) => (starts[i + 1] = starts[i] + b.length));
  return { offsets: Float64Array.from(records, (r) => Number(r.offset)), values: Buffer.concat(parts), starts };
}

export interface RejectedRecord {
  topic: string;
  partition: number;
  offset: number;
  reason: StreamRejectReason;
  /** The value as text, cut to 200 characters. */
  text: string;
}

export interface ParseOptions {
  topic: string;
  partition: number;
  filter: VisitFilter;
  /** Wall clock in Unix seconds, for the future_event bound. */
  nowSecond: number;
  maxFutureSeconds: number;
  /**
   * The partition's offset this batch follows: the last offset the state must hold for the batch to be
   * the next thing to apply (the consumer fetched it right after that offset), or null when the state must
   * hold none (the consumer started the partition at the topic's beginning or end).
   */
  follows: number | null;
  /** The offset the batch ends at (≥ the last record's offset: control records may follow it). */
  lastOffset?: number;
  /** Samples kept per batch (default 5). */
  maxSamples?: number;
  /**
   * The robots classifier of the batch's partition, when the filter has robots: it is fed every valid
   * visit in offset order (before the stateless rules, as in batch), and its changed states are taken
   * with the batch (ParsedBatch.robotStates).
   */
  robots?: RobotClassifier;
  /**
   * Instead of `robots` (trimBatch): the verdicts an earlier parse of the same records decided (one per
   * record: ROBOT_NONE, ROBOT_VISIT, ROBOT_CROSSING) and the states it took. A tail of a batch keeps the
   * verdicts and the states of the whole batch: the classification is a function of the partition's
   * records in order, so re-deciding them against a classifier that has moved on would be wrong.
   */
  carried?: { verdicts: Uint8Array; states: readonly ChangedIpState[] };
  /**
   * The sessions of the batch's partition (stream --sessions): fed every kept visit in offset order; the
   * batch takes their changes and the sessions they ended (ParsedBatch.sessionChanges, sessionsEnded).
   */
  sessions?: PartitionSessions;
  /** Instead of `sessions` (trimBatch): what an earlier parse of the whole batch took, ended sessions with their cause records. */
  carriedSessions?: { changes: readonly SessionChange[]; ended: readonly EndedSession[] };
}

/** Every reject reason of the stream, in a fixed order (ParsedBatch.outcomes codes them by index). */
export const STREAM_REJECT_REASONS: readonly StreamRejectReason[] = [...REJECT_REASONS, 'empty_record', 'future_event'];

/** What became of a record (ParsedBatch.outcomes). */
export const RECORD_KEPT = 0;
/** A line the parser passed over without a reason (none does today): neither counted nor kept. */
export const RECORD_SKIPPED = 255;
/** Dropped by the filter's stateless rules (crawlers, …). */
export const RECORD_FILTERED = 1;
/** A robot visit (robots filter): also filtered. */
export const RECORD_ROBOT = 2;
/** Rejected: RECORD_REJECTED + the index of its reason in STREAM_REJECT_REASONS. */
export const RECORD_REJECTED = 3;

/** Robot verdict per record (ParsedBatch.robotVerdicts). */
export const ROBOT_NONE = 0;
export const ROBOT_VISIT = 1;
/** The visit with which its IP crossed a limit (a robot visit, and a new robot IP of the day). */
export const ROBOT_CROSSING = 2;

/** The counters every step carries. */
export interface BatchCounts {
  /** Records: visits + filtered + rejected. */
  records: number;
  /** Visits kept by the filter. */
  visits: number;
  /** Visits the filter dropped (robot visits included). */
  filtered: number;
  /** Visits of robot IPs (robots filter): part of `filtered`, whatever the other rules say of them. */
  robots: number;
  /** IPs that became robots (the visits that crossed a limit). */
  robotIps: number;
  rejected: number;
  rejects: Partial<Record<StreamRejectReason, number>>;
  samples: RejectedRecord[];
}

/** One partition's batch, parsed. */
export interface ParsedBatch extends BatchCounts {
  topic: string;
  partition: number;
  /** See ParseOptions.follows. */
  follows: number | null;
  firstOffset: number;
  /** The offset the batch ends at (its last record, or control records after it). */
  lastOffset: number;
  /** Event second and CIK of each kept visit. */
  second: Float64Array;
  cik: Float64Array;
  /** Event second of each robot visit. */
  robotSecond: Float64Array;
  /** Robots filter: the verdict per record (ROBOT_*), and the partition's robots states changed by the batch
   * (as they are after its last record); null and [] without the robots rule. */
  robotVerdicts: Uint8Array | null;
  robotStates: readonly ChangedIpState[];
  /** Sessions: the partition's open-session changes (as after the last record) and the sessions the batch's records ended. */
  sessionChanges: readonly SessionChange[];
  sessionsEnded: readonly EndedSession[];
  /**
   * What became of each record (RECORD_KEPT, RECORD_FILTERED, RECORD_ROBOT, RECORD_SKIPPED, or RECORD_REJECTED + the index
   * of its reason in STREAM_REJECT_REASONS), so that trimBatch can cut a tail of the batch without
   * parsing its rows again.
   */
  outcomes: Uint8Array;
  /** What it was parsed from and how (trimBatch cuts a tail of it). */
  source: RecordSet;
  options: ParseOptions;
}

/**
 * Offsets a delta covers in one partition: every record after `follows` up to `last` (first is the first
 * record's offset, for messages), contiguous as the consumer fetched them.
 */
export interface OffsetRange {
  topic: string;
  partition: number;
  follows: number | null;
  first: number;
  last: number;
}

/**
 * Visits of one event second, and their CIKs: one CIK per visit, packed (packCiks), in no particular
 * order — the state appends them to the second's own list, and readers count.
 */
export interface SecondDelta {
  second: number;
  visits: number;
  ciks: Buffer;
}

/** Bytes per CIK in a packed list: 5, big-endian (CIKs have at most 10 digits, < 2^40). */
export const PACKED_CIK_BYTES = 5;

/** Writes `cik` at `buf[at … at + 5)`. */
export function packCik(buf: Buffer, at: number, cik: number): void {
  const high = Math.floor(cik / 0x1_0000_0000);
  buf[at] = high;
  buf.writeUInt32BE(cik - high * 0x1_0000_0000, at + 1);
}

/** Counts the CIKs of packed lists (occurrences per CIK), optionally only those in `only`. */
export function countPackedCiks(lists: Iterable<Buffer | null>, into = new Map<number, number>(), only?: ReadonlySet<number>): Map<number, number> {
  for (const list of lists) {
    if (!list) continue;
    for (let p = 0; p + PACKED_CIK_BYTES <= list.length; p += PACKED_CIK_BYTES) {
      const cik = list[p] * 0x1_0000_0000 + list.readUInt32BE(p + 1);
      if (only && !only.has(cik)) continue;
      into.set(cik, (into.get(cik) ?? 0) + 1);
    }
  }
  return into;
}

export interface BatchDelta extends BatchCounts {
  /** One range per partition, partitions ascending. */
  ranges: OffsetRange[];
  /** Per event second, ascending. */
  seconds: SecondDelta[];
  /** All-time visits per CIK (every kept visit, late ones included), ciks ascending. */
  ciks: number[];
  cikVisits: number[];
  /** Robot visits per event second, ascending. */
  robotSeconds: { second: number; visits: number }[];
  /**
   * The robots states to write, grouped by (day, topic, partition): the last state of each ip (later
   * batches of a partition override earlier ones).
   */
  robotStates: RobotStateGroup[];
  /** Sessions: open-session changes per "<topic>:<partition>" (value null: the ip has none any more). */
  sessionStates: { key: string; fields: string[]; values: (string | null)[] }[];
  /** Sessions that ended, "ip,first,last,count". */
  sessionsEnded: string[];
  /** Per minute of the ended sessions' last request: how many, their requests, durations (s) → sessions. */
  sessionMinutes: { minute: number; ended: number; requests: number; durations: [number, number][] }[];
  /** The latest event second among the kept and robot visits, or null when there are none. */
  maxSecond: number | null;
}

/** The robots states of one (day, topic, partition) in a delta. */
export interface RobotStateGroup {
  /** "<day>:<topic>:<partition>" (day: days since 1970-01-01 UTC). */
  key: string;
  day: number;
  ips: string[];
  states: string[];
}

/**
 * Merges parsed batches into one delta, batch by batch (the consumer adds each batch as it is fetched, so
 * the merging overlaps the previous write). Batches of one partition must each follow the previous one
 * (follows = its lastOffset); they become one range.
 */
export class DeltaBuilder {
  private readonly ranges = new Map<string, OffsetRange>();
  /** Per event second, the CIK of each visit. */
  private readonly perSecond = new Map<number, number[]>();
  private readonly perCik = new Map<number, number>();
  private readonly robotsPerSecond = new Map<number, number>();
  /** "<day>:<topic>:<partition>" → ip → encoded state. */
  private readonly states = new Map<string, { day: number; byIp: Map<string, string> }>();
  /** "<topic>:<partition>" → field → value (null: delete). */
  private readonly sessionStates = new Map<string, Map<string, string | null>>();
  private readonly sessionsEnded: string[] = [];
  private readonly sessionMinutes = new Map<number, { ended: number; requests: number; durations: Map<number, number> }>();
  private readonly counts: BatchCounts = emptyCounts();
  private maxSecond = -Infinity;

  get records(): number {
    return this.counts.records;
  }

  add(b: ParsedBatch): void {
    const key = `${b.topic}:${b.partition}`;
    const range = this.ranges.get(key);
    if (!range) this.ranges.set(key, { topic: b.topic, partition: b.partition, follows: b.follows, first: b.firstOffset, last: b.lastOffset });
    else {
      if (b.follows !== range.last) throw new RangeError(`aggregate: ${key} batches do not follow each other (${b.follows} after ${range.last})`);
      range.last = b.lastOffset;
    }
    addCounts(this.counts, b);
    const { perSecond, perCik } = this;
    // Rows of one partition mostly come in time order: keep the last second's list at hand.
    let lastSecond = NaN;
    let list: number[] | undefined;
    for (let i = 0; i < b.visits; i++) {
      const s = b.second[i];
      const c = b.cik[i];
      if (s !== lastSecond) {
        lastSecond = s;
        list = perSecond.get(s);
        if (!list) perSecond.set(s, (list = []));
        if (s > this.maxSecond) this.maxSecond = s;
      }
      list!.push(c);
      perCik.set(c, (perCik.get(c) ?? 0) + 1);
    }
    const robotsPerSecond = this.robotsPerSecond;
    for (let i = 0; i < b.robots; i++) {
      const s = b.robotSecond[i];
      robotsPerSecond.set(s, (robotsPerSecond.get(s) ?? 0) + 1);
      if (s > this.maxSecond) this.maxSecond = s;
    }
    for (const st of b.robotStates) {
      const key = `${st.day}:${b.topic}:${b.partition}`;
      let group = this.states.get(key);
      if (!group) this.states.set(key, (group = { day: st.day, byIp: new Map() }));
      group.byIp.set(st.ip, st.encoded);
    }
    if (b.sessionChanges.length > 0) {
      let group = this.sessionStates.get(key);
      if (!group) this.sessionStates.set(key, (group = new Map()));
      for (const c of b.sessionChanges) group.set(c.field, c.value);
    }
    for (const e of b.sessionsEnded) {
      this.sessionsEnded.push(`${ipOfKey(e.key)},${e.first},${e.last},${e.count}`);
      const minute = e.last - (e.last % 60);
      let m = this.sessionMinutes.get(minute);
      if (!m) this.sessionMinutes.set(minute, (m = { ended: 0, requests: 0, durations: new Map() }));
      const duration = e.last - e.first + 1;
      m.ended++;
      m.requests += e.count;
      m.durations.set(duration, (m.durations.get(duration) ?? 0) + 1);
    }
  }

  build(): BatchDelta {
    const seconds: SecondDelta[] = [];
    for (const second of [...this.perSecond.keys()].sort((a, b) => a - b)) {
      const list = this.perSecond.get(second)!;
      const ciks = Buffer.allocUnsafe(list.length * PACKED_CIK_BYTES);
      for (let i = 0; i < list.length; i++) packCik(ciks, i * PACKED_CIK_BYTES, list[i]);
      seconds.push({ second, visits: list.length, ciks });
    }
    const ciks = [...this.perCik.keys()].sort((a, b) => a - b);
    return {
      ...this.counts,
      rejects: { ...this.counts.rejects },
      samples: [...this.counts.samples],
      ranges: [...this.ranges.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
      seconds,
      ciks,
      cikVisits: ciks.map((c) => this.perCik.get(c)!),
      robotSeconds: [...this.robotsPerSecond].sort((a, b) => a[0] - b[0]).map(([second, visits]) => ({ second, visits })),
      robotStates: [...this.states].map(([key, g]) => ({ key, day: g.day, ips: [...g.byIp.keys()], states: [...g.byIp.values()] })),
      sessionStates: [...this.sessionStates].map(([key, g]) => ({ key, fields: [...g.keys()], values: [...g.values()] })),
      sessionsEnded: [...this.sessionsEnded],
      sessionMinutes: [...this.sessionMinutes]
        .sort((a, b) => a[0] - b[0])
        .map(([minute, m]) => ({ minute, ended: m.ended, requests: m.requests, durations: [...m.durations].sort((a, b) => a[0] - b[0]) })),
      maxSecond: this.counts.visits + this.counts.robots > 0 ? this.maxSecond : null,
    };
  }
}

/** Merges parsed batches into one delta (see DeltaBuilder). */
export function aggregate(batches: readonly ParsedBatch[]): BatchDelta {
  const builder = new DeltaBuilder();
  for (const b of batches) builder.add(b);
  return builder.build();
}

/** Adds b's counters into `into` (samples: the first 10). */
export function addCounts(into: BatchCounts, b: BatchCounts): void {
  into.records += b.records;
  into.visits += b.visits;
  into.filtered += b.filtered;
  into.robots += b.robots;
  into.robotIps += b.robotIps;
  into.rejected += b.rejected;
  for (const [reason, n] of Object.entries(b.rejects) as [StreamRejectReason, number][]) into.rejects[reason] = (into.rejects[reason] ?? 0) + n;
  for (const s of b.samples) if (into.samples.length < 10) into.samples.push(s);
}

export function emptyCounts(): BatchCounts {
  return { records: 0, visits: 0, filtered: 0, robots: 0, robotIps: 0, rejected: 0, rejects: {}, samples: [] };
}
