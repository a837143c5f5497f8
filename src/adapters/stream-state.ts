/**
 * The live state `findoc stream` keeps in Redis, and every read of it (`findoc top`, later `findoc watch`).
 * The key layout, its TTLs, the Redis Cluster hash tag and the exactly-once argument are documented in
 * docs/redis.md; the writes are one Lua script per write group (stream-state-apply.lua), the window reads one
 * script per query (stream-state-top.lua).
 *
 * Keys of a namespace (prefix P, default "findoc:"; T = P without its trailing ":"):
 *
 *   P{T}:meta          hash   filter, layout, created-ms, retention-s
 *   P{T}:offsets       hash   "topic:partition" → last applied offset          (the exactly-once marker)
 *   P{T}:applied-at    hash   "topic:partition" → wall ms of its last apply
 *   P{T}:totals        hash   records, visits, filtered, rejected, late, latest (event second), updated-ms,
 *                             all-floor
 *   P{T}:rejects       hash   reason → records rejected
 *   P{T}:samples       list   the 20 latest reject samples (JSON: topic, partition, offset, reason, text)
 *   P{T}:all           hash   CIK (10 digits) → all-time visits
 *   P{T}:top:all       zset   the same for the CIKs with at least `all-floor` visits (the ranking's head)
 *   P{T}:sec:<s>       string the CIK of each visit in event second s, 5 bytes each  (kept for the last hour)
 *   P{T}:vps:<m>       hash   s − m → visits in event second s, for the minute starting at m (retention)
 *   P{T}:idx:sec       zset   s → s for every sec:<s> key that exists
 *   P{T}:idx:vps       zset   m → m for every vps:<m> key that exists
 *   P{T}:ingest:<t>    hash   records, visits applied during wall second t     (TTL 120 s)
 *   P{T}:rb:<d>:<topic>:<partition>
 *                      hash   ip → encoded robots state of the ip on day d (robots filter; core/robots.ts)
 *   P{T}:idx:rb        zset   "<d>:<topic>:<partition>" → d for every rb key that exists
 *   P{T}:ss:<topic>:<partition>
 *                      hash   ip key → "first,last,count" of its open session; "@clock" → the partition's
 *                             latest event second (stream --sessions; core/live-sessions.ts)
 *   P{T}:idx:ss        set    "<topic>:<partition>" of every ss key
 *   P{T}:se            stream ended sessions, field s = "ip,first,last,count" (XADD MAXLEN ~ SESSIONS_KEPT)
 *   P{T}:sm:<m>        hash   sessions whose last request is in the minute starting at m: n (ended),
 *                             r (requests), d<duration> → sessions (retention, like vps)
 *   P{T}:idx:sm        zset   m → m for every sm:<m> key that exists
 * (totals also hold robots, robot-ips, late-robots; vps:<m> also "r<s − m>" → robot visits in second s)
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { usageError, configError, FindocError } from '../core/errors.js';
import type { AppliedOffset } from '../core/lag.js';
import { addCounts, aggregate, countPackedCiks, emptyCounts, type BatchCounts, type BatchDelta, type ParsedBatch, type RejectedRecord, type StreamRejectReason } from '../core/stream-delta.js';
import {
  LONGEST_WINDOW_SECONDS,
  cikMember,
  isoSecond,
  memberCik,
  topN,
  windowSeconds,
  type TopEntry,
  type TopWindowName,
} from '../core/windows.js';
import { loadLua } from './redis.js';

/** The hash tag and key names of one namespace. */
export interface NamespaceKeys {
  prefix: string;
  /** "<prefix>{<tag>}:" — every key of the namespace starts with it. */
  base: string;
  meta: string;
  offsets: string;
  appliedAt: string;
  totals: string;
  rejects: string;
  samples: string;
  /** Every CIK's all-time visits (hash). */
  allCounts: string;
  /** The all-time ranking's head (sorted set), see stream-state-apply.lua. */
  allTime: string;
  secIndex: string;
  vpsIndex: string;
  /** Index of the robots state hashes (rb:<day>:<topic>:<partition>). */
  robotsIndex: string;
  /** Index of the open-session hashes (ss:<topic>:<partition>), the per-minute session hashes, and the ended sessions. */
  sessionsIndex: string;
  sessionMinutesIndex: string;
  endedSessions: string;
}

/** Reject samples kept in the namespace (newest first). */
export const SAMPLES_KEPT = 20;
/** Per-CIK per-second counts are kept this far behind the latest second: the longest window. */
export const CIK_HORIZON_SECONDS = LONGEST_WINDOW_SECONDS;
/** All-time rankings up to this long are read from the tracked set (longer ones from the hash of every CIK). */
export const ALL_TIME_TRACKED = 10_000;

/**
 * The keys of the namespace under `prefix`. The hash tag is the prefix without trailing colons, so every
 * key of one namespace hashes to one Redis Cluster slot (scripts may touch several of them) while
 * different namespaces spread over slots. Braces would change what Redis hashes, and glob characters what
 * `--reset` matches: both are refused.
 */
export function namespaceKeys(prefix: string): NamespaceKeys {
  const tag = prefix.replace(/:+$/, '');
  if (tag === '' || /[{}*?[\]\\\s]/.test(prefix)) {
    throw usageError(
      `invalid --redis-prefix "${prefix}"`,
      'use letters, digits and separators such as ":", "-", "_", "." (no braces, spaces or *?[]\\), e.g. findoc:',
    );
  }
  const base = `${prefix}{${tag}}:`;
  return {
    prefix,
    base,
    meta: base + 'meta',
    offsets: base + 'offsets',
    appliedAt: base + 'applied-at',
    totals: base + 'totals',
    rejects: base + 'rejects',
    samples: base + 'samples',
    allCounts: base + 'all',
    allTime: base + 'top:all',
    secIndex: base + 'idx:sec',
    vpsIndex: base + 'idx:vps',
    robotsIndex: base + 'idx:rb',
    sessionsIndex: base + 'idx:ss',
    sessionMinutesIndex: base + 'idx:sm',
    endedSessions: base + 'se',
  };
}

export interface ApplyResult {
  /** False when any range does not follow the stored offset of its partition: then nothing changed. */
  applied: boolean;
  /** The offset stored per range before the call (null: none), in delta.ranges order. */
  stored: (number | null)[];
  /** The namespace's latest event second after the call (null: none yet). */
  latest: number | null;
}

/** A write sent and not settled yet (StreamState.send). */
export interface SentWrite {
  batches: readonly ParsedBatch[];
  delta: BatchDelta;
  result: Promise<ApplyResult | null>;
}

/** What applyBatches did. */
export interface ApplyReport extends BatchCounts {
  /** Records left out because the namespace already had them (redelivered after a crash or a rebalance). */
  duplicates: number;
  /** Script calls made. */
  calls: number;
  latest: number | null;
}

export interface TopResult {
  window: TopWindowName;
  /** The latest event second applied (null when the namespace is empty). */
  asOf: number | null;
  /** The window's last second (asOf unless asked otherwise). */
  end: number | null;
  entries: TopEntry[];
  /**
   * False when the window reaches further back than the per-CIK counts are kept (a window ending more
   * than an hour minus its width before the latest second): its entries then miss the oldest seconds.
   */
  complete: boolean;
}

export interface VisitsPerSecond {
  /** First and last second asked for; counts[i] is second from + i. */
  from: number;
  to: number;
  counts: number[];
  /** Robot visits per second, likewise (robots filter; zeros without it). */
  robots: number[];
  latest: number | null;
  /** Seconds before this one are outside the retention and read as 0 (null: nothing retained yet). */
  retainedFrom: number | null;
}

export interface PartitionProgress {
  topic: string;
  partition: number;
  /** The last offset applied; the next record the group reads is offset + 1. */
  offset: number;
  appliedAt: string | null;
}

export interface StreamProgress {
  prefix: string;
  filter: string | null;
  retentionSeconds: number | null;
  /** stream --sessions: the inactivity the namespace keeps sessions with (null: none). */
  sessions: number | null;
  createdAt: string | null;
  updatedAt: string | null;
  latestSecond: number | null;
  latest: string | null;
  records: number;
  visits: number;
  filtered: number;
  /** Robot visits (robots filter; part of filtered) and IPs that became robots. */
  robots: number;
  robotIps: number;
  rejected: number;
  late: number;
  rejects: Partial<Record<StreamRejectReason, number>>;
  samples: RejectedRecord[];
  partitions: PartitionProgress[];
  /** Mean over the last `rateSeconds` whole wall seconds (every stream process of the namespace). */
  ingest: { visitsPerSecond: number; recordsPerSecond: number; rateSeconds: number };
}

export interface ResetResult {
  prefix: string;
  deleted: number;
  /** Keys deleted per kind: "sec" (per-second CIK sets), "vps" (visits per second), "ingest", "state". */
  byKind: Record<string, number>;
}

/**
 * One part of the one apply script, contributed by a stream feature (src/stream/features/): its Lua, run
 * after the frame stream-state-apply.lua and before stream-state-apply-end.lua in the order the parts are
 * given, and the function that pushes the ARGV section it reads, in the same order. The frame's shared
 * locals (the ARGV cursor `i`, `n`, `minutes`, `overDay`, `latest`, `base`, `retention`, `horizon`) and
 * its KEYS are what a part may use. This adapter knows no part: a writer passes them (options.parts).
 */
export interface ApplyPart {
  name: string;
  lua: string;
  args(delta: BatchDelta, out: (string | number | Buffer)[]): void;
}

const APPLY_FRAME_LUA = loadLua(import.meta.url, 'stream-state-apply.lua');
const APPLY_END_LUA = loadLua(import.meta.url, 'stream-state-apply-end.lua');
const TOP_LUA = loadLua(import.meta.url, 'stream-state-top.lua');
const PARTITION_LUA = loadLua(import.meta.url, 'stream-state-partition.lua');
/** Ended sessions kept in the capped stream `se` (XADD MAXLEN ~: Redis trims in whole nodes, so a few more). */
export const SESSIONS_KEPT = 1_000_000;

type ScriptReply = (Buffer | number | null | ScriptReply)[];
/** The scripts take one array of keys and arguments (ioredis flattens it): a spread of a large write's
 * tens of thousands of arguments would overflow the call stack. */
interface StateScripts {
  findocStreamTopBuffer(args: (string | number)[]): Promise<ScriptReply>;
  findocStreamPartition(args: string[]): Promise<[number, string[], string[]]>;
}

/** A partition's feature state and the offset it is at (StreamState.loadPartition). */
export interface PartitionState {
  /** The last offset applied (null: none): the states are exactly those after it. */
  stored: number | null;
  /** Robots: ip, encoded state (each starts with its day), of every day still kept. */
  states: [string, string][];
  /** Sessions: the open-session hash, flat (field, value, …). */
  sessions: string[];
}

/** The rates in progress are over this many whole wall seconds. */
const RATE_SECONDS = 10;

/**
 * The part of a parsed batch after the offset the namespace holds (`held`; null: none), marked as following
 * it, or null when nothing of it is left: the stream's (src/stream/parse.ts trimBatch), given to the
 * writer's StreamState, so this adapter applies any feature's batches without knowing how they are made.
 */
export type TrimBatch = (batch: ParsedBatch, held: number | null) => ParsedBatch | null;

export class StreamState {
  private readonly trim: TrimBatch | null;
  private readonly parts: readonly ApplyPart[] | null;
  private readonly applyCommand: string | null = null;
  readonly keys: NamespaceKeys;
  private readonly scripts: StateScripts;

  /** How long an all-time ranking the tracked set serves (tests make it small). */
  private readonly tracked: number;

  constructor(
    readonly redis: Redis,
    prefix: string,
    options: { allTimeTracked?: number; trim?: TrimBatch; parts?: readonly ApplyPart[] } = {},
  ) {
    this.trim = options.trim ?? null;
    this.parts = options.parts ?? null;
    this.keys = namespaceKeys(prefix);
    this.tracked = options.allTimeTracked ?? ALL_TIME_TRACKED;
    // defineCommand: EVALSHA, falling back to EVAL after a SCRIPT FLUSH or a failover.
    if (!('findocStreamTop' in redis)) {
      redis.defineCommand('findocStreamTop', { numberOfKeys: 4, lua: TOP_LUA });
      redis.defineCommand('findocStreamPartition', { numberOfKeys: 2, lua: PARTITION_LUA });
    }
    this.scripts = redis as unknown as StateScripts;
    if (this.parts) {
      // One command per set of parts (a writer's), named by the script's digest.
      const lua = [APPLY_FRAME_LUA, ...this.parts.map((p) => p.lua), APPLY_END_LUA].join('');
      this.applyCommand = `findocStreamApply${createHash('sha1').update(lua).digest('hex').slice(0, 12)}`;
      if (!(this.applyCommand in redis)) redis.defineCommand(this.applyCommand, { numberOfKeys: 14, lua });
    }
  }

  /**
   * Checks that this namespace may count under `filter` (exit 78 otherwise: one namespace never mixes
   * filters; --reset starts it over) and records the retention readers mask with.
   */
  async prepare(filter: string, retentionSeconds: number, sessions: number | null = null): Promise<void> {
    const [stored, storedSessions, records] = await Promise.all([this.redis.hget(this.keys.meta, 'filter'), this.redis.hget(this.keys.meta, 'sessions'), this.redis.hget(this.keys.totals, 'records')]);
    if (stored !== null && stored !== filter) throw filterMismatch(this.keys.prefix, stored, filter);
    // Sessions must see every record of the namespace with one inactivity: they are kept from the first
    // record on, or not at all.
    const has = storedSessions === null ? null : Number(storedSessions);
    if (has !== sessions && (has !== null || Number(records ?? 0) > 0)) {
      throw usageError(
        `the namespace ${this.keys.prefix} ${has === null ? 'has no sessions' : `keeps sessions with --sessions ${has}`}, not ${sessions === null ? 'none' : `--sessions ${sessions}`}`,
        `run with ${has === null ? 'no --sessions' : `--sessions ${has}`}, or start the namespace over with --reset`,
      );
    }
    await this.redis.hset(this.keys.meta, 'retention-s', retentionSeconds, ...(sessions === null ? [] : ['sessions', sessions]));
  }

  /** The last offset applied for a partition, or null when none was. */
  async storedOffset(topic: string, partition: number): Promise<number | null> {
    const v = await this.redis.hget(this.keys.offsets, `${topic}:${partition}`);
    return v === null ? null : Number(v);
  }

  /**
   * The last offset applied for a partition and, read in the same atomic step, the partition's robots
   * states and open sessions: a process taking the partition over goes on from exactly where the
   * namespace is.
   */
  async loadPartition(topic: string, partition: number): Promise<PartitionState> {
    const [stored, flat, sessions] = await this.scripts.findocStreamPartition([this.keys.offsets, this.keys.robotsIndex, this.keys.base, `${topic}:${partition}`]);
    const states: [string, string][] = [];
    for (let j = 0; j + 1 < flat.length; j += 2) states.push([flat[j], flat[j + 1]]);
    return { stored: stored < 0 ? null : Number(stored), states, sessions };
  }

  /** Whether the namespace keeps sessions, and their inactivity (meta "sessions"; null: none yet). */
  async sessionsInactivity(): Promise<number | null> {
    const v = await this.redis.hget(this.keys.meta, 'sessions');
    return v === null ? null : Number(v);
  }

  /** Ended sessions up to entry `end` (default: all), oldest first ("ip,first,last,count"), in pages of `page`. */
  async *readEndedSessions(end = '+', page = 10_000): AsyncGenerator<string> {
    let start = '-';
    for (;;) {
      const entries = (await this.redis.xrange(this.keys.endedSessions, start, end, 'COUNT', page)) as [string, string[]][];
      for (const [, fields] of entries) yield fields[1];
      if (entries.length < page) return;
      start = '(' + entries[entries.length - 1][0];
    }
  }

  /**
   * Sessions now (stream --sessions): how many are open, and the sessions that ended in the `minutes`
   * minutes up to the one holding `end` (by their last request): how many, and the durations histogram.
   */
  async readSessionStats(end: number, minutes: number): Promise<{ open: number; ended: number; requests: number; durations: [number, number][] }> {
    const groups = await this.redis.smembers(this.keys.sessionsIndex);
    const p = this.redis.pipeline();
    for (const g of groups) {
      p.hlen(`${this.keys.base}ss:${g}`);
      p.hexists(`${this.keys.base}ss:${g}`, '@clock');
    }
    const last = end - (end % 60);
    for (let m = last - 60 * (minutes - 1); m <= last; m += 60) p.hgetall(`${this.keys.base}sm:${m}`);
    const replies = (await p.exec()) ?? [];
    for (const [e] of replies) if (e) throw e;
    let open = 0;
    for (let j = 0; j < groups.length; j++) open += Number(replies[2 * j][1]) - Number(replies[2 * j + 1][1]);
    let ended = 0;
    let requests = 0;
    const durations = new Map<number, number>();
    for (const r of replies.slice(2 * groups.length)) {
      const h = r[1] as Record<string, string>;
      ended += Number(h.n ?? 0);
      requests += Number(h.r ?? 0);
      for (const [f, v] of Object.entries(h)) if (f.startsWith('d')) durations.set(Number(f.slice(1)), (durations.get(Number(f.slice(1))) ?? 0) + Number(v));
    }
    return { open, ended, requests, durations: [...durations].sort((a, b) => a[0] - b[0]) };
  }

  /** Ended sessions added after stream entry `after` ('$': from now), waiting up to blockMs: [last id, lines]. */
  async followEndedSessions(after: string, blockMs: number): Promise<[string, string[]]> {
    const reply = (await this.redis.xread('COUNT', 10_000, 'BLOCK', blockMs, 'STREAMS', this.keys.endedSessions, after)) as [string, [string, string[]][]][] | null;
    if (!reply) return [after, []];
    const entries = reply[0][1];
    return [entries.length ? entries[entries.length - 1][0] : after, entries.map(([, f]) => f[1])];
  }

  /** The id of the newest ended-session entry ('0-0' when none). */
  async lastEndedSessionId(): Promise<string> {
    const last = (await this.redis.xrevrange(this.keys.endedSessions, '+', '-', 'COUNT', 1)) as [string, string[]][];
    return last.length ? last[0][0] : '0-0';
  }

  /** Open sessions of every partition: ip key, first, last, count. */
  async readOpenSessions(): Promise<{ key: number; first: number; last: number; count: number }[]> {
    const out: { key: number; first: number; last: number; count: number }[] = [];
    for (const group of await this.redis.smembers(this.keys.sessionsIndex)) {
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(`${this.keys.base}ss:${group}`, cursor, 'COUNT', 5000);
        cursor = next;
        for (let j = 0; j + 1 < flat.length; j += 2) {
          if (flat[j].startsWith('@')) continue;
          const [first, last, count] = flat[j + 1].split(',').map(Number);
          out.push({ key: Number(flat[j]), first, last, count });
        }
      } while (cursor !== '0');
    }
    return out;
  }

  /** The robots states of a day (every partition), ip → encoded state. */
  async readRobotStates(day: number): Promise<Map<string, string>> {
    const groups = (await this.redis.zrangebyscore(this.keys.robotsIndex, day, day)).filter((g) => g.startsWith(`${day}:`));
    const out = new Map<string, string>();
    for (const g of groups) {
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscan(`${this.keys.base}rb:${g}`, cursor, 'COUNT', 5000);
        cursor = next;
        for (let j = 0; j + 1 < flat.length; j += 2) out.set(flat[j], flat[j + 1]);
      } while (cursor !== '0');
    }
    return out;
  }

  /** Days that have robots states (ascending). */
  async robotDays(): Promise<number[]> {
    const groups = await this.redis.zrange(this.keys.robotsIndex, '0', '-1');
    return [...new Set(groups.map((g) => Number(g.slice(0, g.indexOf(':')))))].sort((a, b) => a - b);
  }

  /** The last offset applied per partition of a topic. */
  async readOffsets(topic: string): Promise<AppliedOffset[]> {
    const all = await this.redis.hgetall(this.keys.offsets);
    const out: AppliedOffset[] = [];
    for (const [field, offset] of Object.entries(all)) {
      const at = field.lastIndexOf(':');
      if (field.slice(0, at) === topic) out.push({ partition: Number(field.slice(at + 1)), offset: Number(offset) });
    }
    return out.sort((a, b) => a.partition - b.partition);
  }

  /**
   * Applies parsed batches (several partitions, in fetch order per partition) exactly once: first all in
   * one script call; if any of them does not follow what the namespace holds (a redelivery, a partition
   * another process moved on), each batch alone, without the records at or below its partition's stored
   * offset, until nothing of it is left.
   */
  async applyBatches(batches: readonly ParsedBatch[], filter: string, retentionSeconds: number): Promise<ApplyReport> {
    return this.settle(this.send(batches, aggregate(batches), filter, retentionSeconds), filter, retentionSeconds);
  }

  /**
   * The first half of applyBatches: sends the one script call for all the batches (`delta`: their
   * aggregate) and returns at once, so that the caller can prepare the next write meanwhile.
   */
  send(batches: readonly ParsedBatch[], delta: BatchDelta, filter: string, retentionSeconds: number): SentWrite {
    const result = batches.length === 0 ? Promise.resolve(null) : this.apply(delta, filter, retentionSeconds);
    // Handled by settle(), maybe later: do not let an early rejection count as unhandled meanwhile.
    result.catch(() => undefined);
    return { batches, delta, result };
  }

  /** The second half of applyBatches: waits for a sent write and applies what the namespace refused of it. */
  async settle(sent: SentWrite, filter: string, retentionSeconds: number): Promise<ApplyReport> {
    const report: ApplyReport = { ...emptyCounts(), duplicates: 0, calls: 0, latest: null };
    const first = await sent.result;
    if (first === null) return report;
    report.calls++;
    report.latest = first.latest;
    if (first.applied) {
      addCounts(report, sent.delta);
      return report;
    }
    for (const batch of sent.batches) {
      let b: ParsedBatch | null = batch;
      while (b) {
        const one = aggregate([b]);
        const again = await this.apply(one, filter, retentionSeconds);
        report.calls++;
        report.latest = again.latest;
        if (again.applied) {
          addCounts(report, one);
          break;
        }
        const held = again.stored[0];
        // The namespace holds less than this process read past: Redis lost writes (restarted from an
        // append-only file a moment behind, or empty). Trimming cannot help: the records in between are
        // not in this batch. The consumer reads the partition again from what Redis holds.
        if (b.follows !== null && (held === null || held < b.follows)) throw new StateBehind(b.topic, b.partition, held, b.follows);
        if (!this.trim) throw new Error(`StreamState: a refused batch of ${b.topic}:${b.partition} needs the stream's trim (new StreamState(…, { trim }))`);
        const rest = this.trim(b, held);
        report.duplicates += b.records - (rest?.records ?? 0);
        b = rest;
      }
    }
    return report;
  }

  /** One script call: all of the delta with its offsets, or nothing (see stream-state-apply.lua). */
  async apply(delta: BatchDelta, filter: string, retentionSeconds: number): Promise<ApplyResult> {
    const k = this.keys;
    const args: (string | number | Buffer)[] = [
      k.meta, k.offsets, k.appliedAt, k.totals, k.rejects, k.samples, k.allTime, k.secIndex, k.vpsIndex, k.allCounts, k.robotsIndex,
      k.sessionsIndex, k.sessionMinutesIndex, k.endedSessions,
      k.base, filter, retentionSeconds, CIK_HORIZON_SECONDS, SAMPLES_KEPT,
      delta.records, delta.visits, delta.filtered, delta.rejected, delta.maxSecond === null ? '' : delta.maxSecond, this.tracked,
    ];
    args.push(delta.ranges.length);
    for (const r of delta.ranges) args.push(`${r.topic}:${r.partition}`, r.follows ?? -1, r.last);
    if (!this.parts || !this.applyCommand) throw new Error('StreamState: writing needs the stream\'s apply parts (new StreamState(…, { parts }))');
    for (const part of this.parts) part.args(delta, args);
    let reply: number[];
    try {
      reply = await (this.redis as unknown as Record<string, (a: typeof args) => Promise<number[]>>)[this.applyCommand](args);
    } catch (e) {
      const m = /FINDOC_FILTER_MISMATCH (\S+)/.exec(String((e as Error)?.message));
      if (m) throw filterMismatch(this.keys.prefix, m[1], filter);
      throw e;
    }
    const latest = reply[1] < 0 ? null : Number(reply[1]);
    const stored = reply.slice(2).map((o) => (o < 0 ? null : Number(o)));
    return { applied: reply[0] === 1, stored, latest };
  }

  /**
   * Top `limit` CIKs over a window ending at the latest second (or at `end`), sorted by visits desc then
   * CIK asc. Exact: the count of the window's seconds' CIKs (windows.ts), or the all-time counts.
   */
  async readTop(window: TopWindowName, limit: number, options: { end?: number } = {}): Promise<TopResult> {
    const reply = await this.top(window, options.end, limit, []);
    if (reply === null) return { window, asOf: null, end: null, entries: [], complete: true };
    const entries: TopEntry[] = [];
    if (window !== 'all') {
      for (const [cik, visits] of countPackedCiks(reply.values)) entries.push({ cik, visits });
    } else if (reply.found < 0) {
      // An all-time ranking longer than the tracked set: from the hash of every CIK.
      for (const [member, visits] of Object.entries(await this.redis.hgetall(this.keys.allCounts))) entries.push({ cik: memberCik(member), visits: Number(visits) });
    } else {
      const flat = reply.values as Buffer[];
      for (let i = 0; i < flat.length; i += 2) entries.push({ cik: memberCik(flat[i].toString()), visits: Number(flat[i + 1].toString()) });
    }
    return { window, asOf: reply.latest, end: reply.end, entries: topN(entries, limit), complete: reply.complete };
  }

  /** Visits of the given CIKs over a window (0 for a CIK without visits), e.g. the window before the current one. */
  async readWindowVisits(window: TopWindowName, ciks: readonly number[], options: { end?: number } = {}): Promise<Map<number, number>> {
    const out = new Map<number, number>(ciks.map((c) => [c, 0]));
    if (ciks.length === 0) return out;
    const reply = await this.top(window, options.end, null, window === 'all' ? ciks.map(cikMember) : []);
    if (reply === null) return out;
    if (window !== 'all') return countPackedCiks(reply.values, out, new Set(ciks));
    reply.values.forEach((v, i) => out.set(ciks[i], v === null ? 0 : Number(v.toString())));
    return out;
  }

  /** Visits per CIK in one event second (empty once the second left the last hour). */
  async readSecondVisits(second: number): Promise<Map<number, number>> {
    return countPackedCiks([await this.redis.getBuffer(`${this.keys.base}sec:${second}`)]);
  }

  /**
   * Runs the window script: for a sliding window, the CIK lists of its seconds; for all time, the top
   * `limit` entries, or (limit null) the visits of `members`.
   */
  private async top(window: TopWindowName, end: number | undefined, limit: number | null, members: string[]) {
    const k = this.keys;
    const width = windowSeconds(window) ?? 0;
    // The Buffer variant: CIK lists are bytes, not text.
    const reply = await this.scripts.findocStreamTopBuffer([
      k.totals, k.secIndex, k.allTime, k.allCounts, k.base, width, limit ?? 0, end ?? '', limit === null ? 'visits' : 'top', ...members,
    ]);
    if (reply.length === 0) return null;
    const latest = Number(reply[0]);
    const stop = Number(reply[1]);
    return {
      latest,
      end: stop,
      found: Number(reply[2]),
      complete: width === 0 || stop - width + 1 > latest - CIK_HORIZON_SECONDS,
      values: reply[3] as (Buffer | null)[],
    };
  }

  /** Visits per event second from … to (both included), zero-filled. */
  async readVisitsPerSecond(from: number, to: number): Promise<VisitsPerSecond> {
    if (!(Number.isInteger(from) && Number.isInteger(to) && to >= from)) throw new RangeError(`bad second range ${from}…${to}`);
    if (to - from >= 7 * 86_400) throw new RangeError('readVisitsPerSecond: at most 7 days at once');
    const counts = new Array<number>(to - from + 1).fill(0);
    const robots = new Array<number>(to - from + 1).fill(0);
    const pipeline = this.redis.pipeline();
    pipeline.hget(this.keys.totals, 'latest');
    pipeline.hget(this.keys.meta, 'retention-s');
    const minutes: number[] = [];
    for (let m = from - mod(from, 60); m <= to; m += 60) {
      minutes.push(m);
      pipeline.hgetall(this.keys.base + 'vps:' + m);
    }
    const replies = (await pipeline.exec()) ?? [];
    for (const [e] of replies) if (e) throw e;
    const latestText = replies[0][1] as string | null;
    const retentionText = replies[1][1] as string | null;
    const latest = latestText === null ? null : Number(latestText);
    const retainedFrom = latest === null || retentionText === null ? null : latest - Number(retentionText) + 1;
    minutes.forEach((m, j) => {
      const hash = replies[j + 2][1] as Record<string, string>;
      for (const [field, n] of Object.entries(hash)) {
        const robot = field.charCodeAt(0) === 114; // "r<offset>": robot visits
        const s = m + Number(robot ? field.slice(1) : field);
        if (s >= from && s <= to && (retainedFrom === null || s >= retainedFrom)) (robot ? robots : counts)[s - from] = Number(n);
      }
    });
    return { from, to, counts, robots, latest, retainedFrom };
  }

  /** Everything a dashboard shows about the stream itself; consumer lag: see core/lag.ts with the topic's end offsets. */
  async readProgress(): Promise<StreamProgress> {
    const k = this.keys;
    const [seconds] = await this.redis.time();
    const now = Number(seconds);
    const p = this.redis.pipeline();
    p.hgetall(k.meta);
    p.hgetall(k.totals);
    p.hgetall(k.rejects);
    p.lrange(k.samples, 0, -1);
    p.hgetall(k.offsets);
    p.hgetall(k.appliedAt);
    for (let t = now - RATE_SECONDS; t < now; t++) p.hgetall(k.base + 'ingest:' + t);
    const replies = (await p.exec()) ?? [];
    for (const [e] of replies) if (e) throw e;
    const [meta, totals, rejects, samples, offsets, appliedAt] = replies.map((r) => r[1]) as [
      Record<string, string>, Record<string, string>, Record<string, string>, string[], Record<string, string>, Record<string, string>,
    ];
    let visits = 0;
    let records = 0;
    for (const r of replies.slice(6)) {
      const h = r[1] as Record<string, string>;
      visits += Number(h.visits ?? 0);
      records += Number(h.records ?? 0);
    }
    const num = (v: string | undefined) => (v === undefined ? 0 : Number(v));
    const latestSecond = totals.latest === undefined ? null : Number(totals.latest);
    const ms = (v: string | undefined) => (v === undefined ? null : new Date(Number(v)).toISOString());
    return {
      prefix: k.prefix,
      filter: meta.filter ?? null,
      retentionSeconds: meta['retention-s'] === undefined ? null : Number(meta['retention-s']),
      sessions: meta.sessions === undefined ? null : Number(meta.sessions),
      createdAt: ms(meta['created-ms']),
      updatedAt: ms(totals['updated-ms']),
      latestSecond,
      latest: latestSecond === null ? null : isoSecond(latestSecond),
      records: num(totals.records),
      visits: num(totals.visits),
      filtered: num(totals.filtered),
      robots: num(totals.robots),
      robotIps: num(totals['robot-ips']),
      rejected: num(totals.rejected),
      late: num(totals.late),
      rejects: Object.fromEntries(Object.entries(rejects).map(([r, n]) => [r, Number(n)])) as Partial<Record<StreamRejectReason, number>>,
      samples: samples.map((s) => JSON.parse(s) as RejectedRecord),
      partitions: Object.entries(offsets)
        .map(([field, offset]) => {
          const at = field.lastIndexOf(':');
          return { topic: field.slice(0, at), partition: Number(field.slice(at + 1)), offset: Number(offset), appliedAt: ms(appliedAt[field]) };
        })
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
      ingest: { visitsPerSecond: visits / RATE_SECONDS, recordsPerSecond: records / RATE_SECONDS, rateSeconds: RATE_SECONDS },
    };
  }

  /** Does the namespace still have its state marker (meta's created-ms, written with its first write)? */
  async hasStateMarker(): Promise<boolean> {
    return (await this.redis.hexists(this.keys.meta, 'created-ms')) === 1;
  }

  /** Did any stream process apply a batch to this namespace in the last `seconds`? */
  async activeWithin(seconds: number): Promise<boolean> {
    const [updated, [now]] = await Promise.all([this.redis.hget(this.keys.totals, 'updated-ms'), this.redis.time()]);
    return updated !== null && Number(now) * 1000 - Number(updated) < seconds * 1000;
  }

  /**
   * Deletes every key of this namespace — and only those: SCAN MATCH "<prefix>{<tag>}:*" (the prefix is
   * free of glob characters, see namespaceKeys), UNLINK in slices.
   */
  async reset(): Promise<ResetResult> {
    const byKind: Record<string, number> = { sec: 0, vps: 0, ingest: 0, rb: 0, state: 0 };
    let deleted = 0;
    let cursor = '0';
    const base = this.keys.base;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${base}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length === 0) continue;
      deleted += await this.redis.unlink(...keys);
      for (const key of keys) {
        const kind = /^(sec|vps|ingest|rb):/.exec(key.slice(base.length))?.[1] ?? 'state';
        byKind[kind]++;
      }
    } while (cursor !== '0');
    return { prefix: this.keys.prefix, deleted, byKind };
  }
}

/**
 * A write refused because the namespace holds an older offset of a partition than the one the batch
 * follows: Redis lost writes that had been applied (an append-only file restored a little behind, or a
 * restart with no persistence). Nothing was changed; the partition must be read again from `held`.
 */
export class StateBehind extends Error {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly held: number | null,
    readonly follows: number,
  ) {
    super(`Redis holds ${topic}:${partition} up to ${held ?? 'nothing'}, behind the offset ${follows} this process had applied`);
    this.name = 'StateBehind';
  }
}

function filterMismatch(prefix: string, stored: string, wanted: string): FindocError {
  return configError(
    `the Redis namespace "${prefix}" counts visits under filter "${stored}", not "${wanted}"`,
    '--filter / --exclude-crawlers',
    `use the same filter, another --redis-prefix, or --reset to start "${prefix}" over under "${wanted}"`,
  );
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}
