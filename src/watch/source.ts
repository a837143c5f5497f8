/**
 * What one dashboard refresh reads, and how it survives services going away.
 *
 * Per refresh (default 1 s):
 *   Redis (the stream's state)   progress (T, per-partition offsets and lag, ingest rate); visits per second
 *                                over [T − span − 20, T]; top 10 all time; top 10 of the window and its
 *                                total; the listed companies' visits over the window before, and its total.
 *   PostgreSQL                   names of CIKs not seen before (cached; unknown ones asked again after a
 *                                minute, so a `companies sync` shows up); the day set's row every 30 s, and
 *                                its 86,400 bands only when the set was recomputed (fingerprint changed) —
 *                                ~3 MB once, then every lookup is an array index and any span, across
 *                                midnight too, needs no query.
 *
 * Failures: a service that does not answer (connection refused, timeout) is listed in the snapshot's
 * `down` with the time it first failed, the last values read from it are kept on screen, and the next
 * refresh tries again — with a new Redis client, since the dashboard's clients do not queue commands while
 * offline (a refresh must not hang behind a dead connection). Anything else (a bug, a malformed key) is an
 * error that stops the dashboard with its message.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { getSet, readBands } from '../adapters/batch-store.js';
import { lookupCompanies } from '../adapters/companies-store.js';
import { isUndefinedTable, isUnreachable } from '../core/service-errors.js';
import { createPool, postgresAddress } from '../adapters/postgres.js';
import { createRedis, redisAddress } from '../adapters/redis.js';
import { StreamState } from '../adapters/stream-state.js';
import type { OffsetReader } from '../adapters/kafka/topic-offsets.js';
import type { CompanyName } from '../core/companies.js';
import { WINDOW_SECONDS, risingComparison, type PartitionLag, type ServiceDown, type TopEntry, type TopWindow, type WatchSnapshot } from './dashboard.js';
import { consumerLag } from '../core/lag.js';
import { percentileOfHistogram } from '../core/percentiles.js';
import { MEASURE_SECONDS, SECONDS_PER_DAY, type Band } from '../core/temperature.js';
import type { WatchSource } from './run.js';
import { UNUSUAL_REFRESH_MS, readUnusual } from './unusual.js';

export interface SourceOptions {
  redisUrl: string;
  postgresUrl: string;
  schema?: string;
  setName: string;
  prefix: string;
  /** Kafka: the topic's end offsets, for the lag (without it, lag shows as unknown). */
  kafka?: OffsetReader;
  /** Per-read timeout: a refresh never waits longer on one service. */
  timeoutMs?: number;
}

const TOP = 10;
const SET_CHECK_MS = 30_000;
/** stream --sessions: the median session length is over the sessions that ended in these last minutes. */
const SESSION_MINUTES = 5;
const UNKNOWN_NAME_RETRY_MS = 60_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

class Health {
  private readonly down = new Map<string, ServiceDown>();
  fail(service: string, address: string, e: unknown): void {
    const prev = this.down.get(service);
    this.down.set(service, { service, address, since: prev?.since ?? Date.now(), error: (e as Error)?.message ?? String(e) });
  }
  ok(service: string): void {
    this.down.delete(service);
  }
  list(): ServiceDown[] {
    return [...this.down.values()];
  }
  isDown(service: string): boolean {
    return this.down.has(service);
  }
}

/**
 * The set's bands for all 86,400 seconds (batch-store.ts reads; tables in docs/postgres.md), reloaded only
 * when the set's fingerprint changes.
 */
class Bands {
  private p25: Float64Array | null = null;
  private p50 = new Float64Array(0);
  private p75 = new Float64Array(0);
  private p95 = new Float64Array(0);
  private fingerprint: string | null | undefined = undefined;
  private checkedAt = -Infinity;
  note: string | undefined = undefined;
  /** The filter the set's days were counted under (null: no such set). */
  filter: string | null = null;

  constructor(private readonly setName: string) {}

  bandAt = (second: number): Band | undefined => {
    if (!this.p25 || Number.isNaN(this.p25[second])) return undefined;
    return { p25: this.p25[second], p50: this.p50[second], p75: this.p75[second], p95: this.p95[second] };
  };

  async refresh(pool: pg.Pool): Promise<void> {
    if (Date.now() - this.checkedAt < SET_CHECK_MS) {
      // Not due: still ask PostgreSQL if it is there (one round trip), so an outage and its end show at
      // the next refresh, not up to SET_CHECK_MS later.
      await pool.query('SELECT 1');
      return;
    }
    let set;
    try {
      set = await getSet(pool, this.setName);
    } catch (e) {
      if (!isUndefinedTable(e)) throw e;
      set = null;
    }
    this.filter = set?.filter ?? null;
    if (!set || set.days === 0) {
      this.p25 = null;
      this.fingerprint = undefined;
      this.note = !set ? `no day set "${this.setName}": run findoc batch` : `day set "${this.setName}" has no days yet`;
    } else if (set.fingerprint !== this.fingerprint || !this.p25) {
      const rows = await readBands(pool, this.setName);
      const p25 = new Float64Array(SECONDS_PER_DAY).fill(NaN);
      this.p50 = new Float64Array(SECONDS_PER_DAY);
      this.p75 = new Float64Array(SECONDS_PER_DAY);
      this.p95 = new Float64Array(SECONDS_PER_DAY);
      for (const r of rows) {
        p25[r.second] = Number(r.p25);
        this.p50[r.second] = Number(r.p50);
        this.p75[r.second] = Number(r.p75);
        this.p95[r.second] = Number(r.p95);
      }
      this.p25 = rows.length > 0 ? p25 : null;
      this.fingerprint = set.fingerprint;
      this.note = rows.length > 0 ? undefined : `day set "${this.setName}" has no bands yet`;
    }
    this.checkedAt = Date.now();
  }
}

/** Company names by CIK; unknown CIKs are asked again after a minute. */
class Names {
  readonly known = new Map<number, CompanyName>();
  private readonly unknownAt = new Map<number, number>();

  async refresh(pool: pg.Pool, ciks: Iterable<number>): Promise<void> {
    const now = Date.now();
    const ask = [...new Set(ciks)].filter((c) => !this.known.has(c) && now - (this.unknownAt.get(c) ?? -Infinity) >= UNKNOWN_NAME_RETRY_MS);
    if (ask.length === 0) return;
    const found = await lookupCompanies(pool, ask);
    for (const c of ask) {
      const n = found.get(c);
      if (n) {
        this.known.set(c, n);
        this.unknownAt.delete(c);
      } else this.unknownAt.set(c, now);
    }
    // Bounded: the dashboard lists 20 companies at a time, but runs for days.
    if (this.unknownAt.size > 10_000) this.unknownAt.clear();
    if (this.known.size > 10_000) this.known.clear();
  }
}

/**
 * How often a window's top 10 is recomputed: every refresh for the short windows, every 10 s for 1 h —
 * counting an hour of per-second CIK lists costs Redis 64–72 ms at 2017 rates (docs/redis.md, Reading), and
 * an hour's ranking hardly moves in a second.
 */
export const TOP_REFRESH_MS: Record<TopWindow, number> = { '10s': 0, '1m': 0, '5m': 0, '1h': 10_000 };

function sum(counts: readonly number[], from: number, a: number, b: number): number {
  let n = 0;
  for (let s = Math.max(a, from); s <= b && s - from < counts.length; s++) n += counts[s - from];
  return n;
}

export function createWatchSource(o: SourceOptions): WatchSource {
  return new LiveSource(o);
}

/**
 * The services behind one dashboard: Redis (the stream's state), Kafka (the lag), PostgreSQL (bands and
 * names). Each read fills one snapshot; a service that fails to answer is marked down in it, and the
 * others still answer.
 */
class LiveSource implements WatchSource {
  private readonly timeoutMs: number;
  private closed = false;
  private readonly health = new Health();
  private readonly bands: Bands;
  private readonly names = new Names();
  private readonly redisAt: string;
  private readonly pgAt: string;
  private redis: Redis | null = null;
  private state: StreamState | null = null;
  private readonly pool: ReturnType<typeof createPool>;
  private topReadAt = 0;
  private topReadWindow: TopWindow | null = null;
  private applied: { topic: string; partition: number; offset: number }[] = [];
  private unusualAt = -Infinity;
  private readonly snapshot: WatchSnapshot;

  constructor(private readonly o: SourceOptions) {
    this.timeoutMs = o.timeoutMs ?? 2000;
    this.bands = new Bands(o.setName);
    this.redisAt = redisAddress(o.redisUrl);
    this.pgAt = postgresAddress(o.postgresUrl);
    this.pool = createPool(o.postgresUrl, { schema: o.schema, max: 2, connectTimeoutMs: this.timeoutMs });
    this.snapshot = {
      now: Date.now(),
      latest: null,
      lastApplyMs: null,
      series: { from: 0, counts: [] },
      bandAt: this.bands.bandAt,
      setName: o.setName,
      prefix: o.prefix,
      topAll: [],
      window: '10s',
      topWindow: [],
      windowTotal: 0,
      previous: new Map(),
      previousTotal: 0,
      names: this.names.known,
      partitions: [],
      ingestRate: null,
      down: [],
    };
  }

  initial(): WatchSnapshot {
    return { ...this.snapshot, now: Date.now() };
  }

  async read(window: TopWindow, span: number): Promise<WatchSnapshot> {
    const { snapshot, pool, pgAt } = this;
    if (snapshot.window !== window) {
      // Shown at once, even while Redis is down: an empty table under the new window's title.
      Object.assign(snapshot, { window, topWindow: [], windowTotal: 0, previous: new Map(), previousTotal: 0, risingNow: undefined });
    }
    // Redis then Kafka (the lag needs the applied offsets), and PostgreSQL beside them (names wait for
    // the top lists): a refresh waits for the slower chain, not for the sum of the services.
    const redisThenKafka = this.readRedisThenKafka(window, span);
    const bandsRead = this.guarded('PostgreSQL', pgAt, async () => {
      await this.bands.refresh(pool);
      snapshot.bandsNote = this.bands.note;
      snapshot.setFilter = this.bands.filter;
    });
    // allSettled: an unexpected error in one must not leave the other's rejection unhandled.
    const [chain, pg] = await Promise.allSettled([redisThenKafka, bandsRead]);
    if (chain.status === 'rejected') throw chain.reason;
    if (pg.status === 'rejected') throw pg.reason;
    const pgOk = pg.value;
    if (pgOk && chain.value) await this.readUnusual();
    if (pgOk) await this.guarded('PostgreSQL', pgAt, () => this.names.refresh(pool, [...[...snapshot.topAll, ...snapshot.topWindow].map((e) => e.cik), ...this.unusualCiks()]));
    snapshot.now = Date.now();
    snapshot.down = this.health.list();
    return { ...snapshot };
  }

  async close(): Promise<void> {
    // A read still in flight must not open a new connection after this (it would keep the process alive).
    this.closed = true;
    this.redis?.disconnect();
    this.redis = null;
    await Promise.all([this.pool.end().catch(() => undefined), this.o.kafka?.close().catch(() => undefined)]);
  }

  /**
   * The "unusual now" panel (src/watch/unusual.ts), every UNUSUAL_REFRESH_MS rather than every refresh:
   * a 5-minute window hardly moves in a second, and the read costs Redis one window script. Only when
   * both services answered this refresh; if one stops during the read, the last read stays (the panel
   * says the service is down from the next refresh's health).
   */
  private async readUnusual(): Promise<void> {
    const { snapshot, state } = this;
    if (!state || Date.now() - this.unusualAt < UNUSUAL_REFRESH_MS) return;
    try {
      snapshot.unusual = await withTimeout(readUnusual(this.pool, state, this.o.setName, snapshot.streamFilter ?? null), this.timeoutMs * 2, 'the unusual-now read');
      this.unusualAt = Date.now();
    } catch (e) {
      if (!isUnreachable(e) && !/timed out after/.test(String((e as Error)?.message))) throw e;
    }
  }

  private unusualCiks(): number[] {
    const u = this.snapshot.unusual;
    return u && 'entries' in u ? u.entries.map((e) => e.cik) : [];
  }

  /** Whether Redis answered (Kafka's answer only changes the lag). */
  private async readRedisThenKafka(window: TopWindow, span: number): Promise<boolean> {
    const { o, snapshot } = this;
    const redisOk = await this.guarded('Redis', this.redisAt, () => this.readRedis(window, span), () => {
      this.redis?.disconnect();
      this.redis = null;
      this.state = null;
    });
    if (!redisOk || !o.kafka) {
      // Offsets unknown (Redis down), or no Kafka configured: the lag is unknown, not zero.
      snapshot.partitions = this.applied.map((a) => ({ partition: a.partition, lag: null }));
      return redisOk;
    }
    const kafkaOk = await this.guarded('Kafka', o.kafka.address, () => this.readKafka());
    if (!kafkaOk) snapshot.partitions = this.applied.map((a) => ({ partition: a.partition, lag: null }));
    return true;
  }

  private async readRedis(window: TopWindow, span: number): Promise<void> {
    const { o, snapshot } = this;
    if (!this.redis || !this.state) {
      if (this.closed) throw new Error('the watch source is closed');
      // Not persistent: commands fail at once while disconnected instead of queueing behind a dead link.
      const redis = createRedis(o.redisUrl, { connectTimeoutMs: this.timeoutMs });
      this.redis = redis;
      this.state = new StreamState(redis, o.prefix);
      await redis.connect();
      if (this.closed) {
        redis.disconnect();
        throw new Error('the watch source is closed');
      }
    }
    const st = this.state;
    const progress = await st.readProgress();
    this.applied = progress.partitions;
    snapshot.ingestRate = progress.ingest.visitsPerSecond;
    snapshot.streamFilter = progress.filter;
    snapshot.shares = progress.filter?.includes('robots(') ? { humans: progress.visits, robots: progress.robots } : null;
    if (progress.sessions !== null && progress.latestSecond !== null) {
      const stats = await st.readSessionStats(progress.latestSecond, SESSION_MINUTES);
      snapshot.sessions = { open: stats.open, ended: stats.ended, medianSeconds: percentileOfHistogram(stats.durations, 0.5), minutes: SESSION_MINUTES };
    } else snapshot.sessions = null;
    snapshot.latest = progress.latestSecond;
    snapshot.lastApplyMs = progress.updatedAt === null ? null : Date.parse(progress.updatedAt);
    if (progress.latestSecond === null) {
      Object.assign(snapshot, { series: { from: 0, counts: [] }, topAll: [], topWindow: [], windowTotal: 0, previous: new Map(), previousTotal: 0 });
      return;
    }
    const T = progress.latestSecond;
    const cmp = risingComparison(window, T);
    // One read of visits/s covers the chart, the temperature and trend, and the window totals.
    const from = Math.min(T - span - 2 * MEASURE_SECONDS, cmp.before.from);
    const visits = await st.readVisitsPerSecond(from, T);
    snapshot.series = { from, counts: visits.counts };
    const due = this.topReadWindow !== window || Date.now() - this.topReadAt >= TOP_REFRESH_MS[window];
    if (due) await this.readTops(st, window, T, from, visits.counts);
  }

  /** The top lists of all time and of the window, and what "rising" compares them with. */
  private async readTops(st: StreamState, window: TopWindow, T: number, from: number, counts: readonly number[]): Promise<void> {
    const { snapshot } = this;
    const cmp = risingComparison(window, T);
    const [all, now] = await Promise.all([st.readTop('all', TOP, { end: T }), st.readTop(window, TOP, { end: T })]);
    const ciks = now.entries.map((e) => e.cik);
    const [before, recent] = await Promise.all([
      st.readWindowVisits(cmp.before.window, ciks, { end: cmp.before.end }),
      cmp.now ? st.readWindowVisits(cmp.now.window, ciks, { end: T }) : Promise.resolve(null),
    ]);
    snapshot.topAll = all.entries;
    snapshot.topWindow = now.entries;
    snapshot.window = window;
    const w = WINDOW_SECONDS[window];
    // For rising: "now" is the window itself, or (1 h) its last 5 minutes; see risingComparison() in watch/dashboard.ts.
    snapshot.windowTotal = cmp.now ? sum(counts, from, cmp.now.from, cmp.now.to) : sum(counts, from, T - w + 1, T);
    snapshot.risingNow = recent ?? undefined;
    snapshot.previous = before;
    snapshot.previousTotal = sum(counts, from, cmp.before.from, cmp.before.to);
    this.topReadAt = Date.now();
    this.topReadWindow = window;
  }

  private async readKafka(): Promise<void> {
    const kafka = this.o.kafka;
    if (!kafka) return;
    const applied = this.applied;
    const topics = [...new Set(applied.map((a) => a.topic))];
    const lags: { partition: number; lag: number | null; topic: string }[] = [];
    for (const topic of topics) {
      const mine = applied.filter((a) => a.topic === topic);
      let ends;
      try {
        ends = await kafka.endOffsets(topic);
      } catch (e) {
        // A deleted topic is not an unreachable broker: its lag is unknown, Kafka is fine.
        if (!/does not host this topic-partition|UNKNOWN_TOPIC/i.test(String((e as Error)?.message))) throw e;
        lags.push(...mine.map((a) => ({ partition: a.partition, lag: null, topic })));
        continue;
      }
      lags.push(...consumerLag(mine, ends).map((l) => ({ partition: l.partition, lag: l.lag as number | null, topic })));
    }
    // One topic is the normal case; with several, partitions are told apart by topic in the label.
    this.snapshot.partitions = lags.map((l) => ({ partition: l.partition, lag: l.lag, topic: topics.length > 1 ? l.topic : undefined }));
  }

  private async guarded(service: string, address: string, f: () => Promise<void>, onFail?: () => void): Promise<boolean> {
    try {
      await withTimeout(f(), this.timeoutMs * 2, `${service} at ${address}`);
      this.health.ok(service);
      return true;
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      this.health.fail(service, address, e);
      onFail?.();
      return false;
    }
  }
}
