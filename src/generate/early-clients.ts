/**
 * Who visits on a day before 2007: readers and robots, each with its own schedule (calibration.ts,
 * EARLY_ROBOTS and EARLY_READER_*, measured on D2003).
 *
 * SYNTHETIC DATA: the clients and their addresses are made up.
 *
 * - Robots have absolute schedules: their rows sit at fixed seconds (high, steady rates over their active
 *   minutes), on top of the day's plan, which is made for the day's rows minus the robots' (so the total
 *   stays exact). A bigger day has more robots of the same kinds, so a rule's robot share does not depend
 *   on --rows-per-day.
 * - Readers fill the plan's rows (its per-second counts keep their calibrated dispersion): each minute's
 *   rows go to the readers active in that minute, in proportion to their pace. Session starts are drawn in
 *   proportion to the plan's rows per minute, so the readers' pace matches the plan's volume.
 * - Every client asks for a CIK it has not asked for today with its own probability (robots: many CIKs,
 *   readers and bulk downloaders: a few, asked for again and again).
 */
import { AliasTable } from './alias.js';
import {
  D2003_ROWS,
  EARLY_PACE_BASE,
  EARLY_PACE_PER_LOG_ROW,
  EARLY_READER_NEW_CIK,
  EARLY_READER_ROWS,
  EARLY_ROBOT_MAX_SHARE,
  EARLY_ROBOTS,
  EARLY_SAME_CIK,
  EARLY_SESSIONS_PER_LOG_ROW,
} from './calibration.js';
import type { DayCiks, Universe } from './population.js';
import { ipFromHash, ipSortKey } from './population.js';
import { hash2, hash3, type Sfc32 } from './prng.js';

const MINUTES = 1440;
const ROBOT_SALT = 0x726f626f;
const READER_ROWS_TABLE = new AliasTable(EARLY_READER_ROWS.map((b) => b[2]));

/** Rows drawn from [lo, hi] log-uniformly at quantile u (integers; lo = hi gives lo). */
function logUniform(lo: number, hi: number, u: number): number {
  return lo === hi ? lo : lo * Math.pow(hi / lo, u);
}

export class EarlyClients {
  /** Per client: address parts, sort key, new-CIK probability. Robots first, then readers. */
  readonly o1: number[] = [];
  readonly o2: number[] = [];
  readonly o3: number[] = [];
  readonly code: number[] = [];
  readonly key: number[] = [];
  readonly newCik: number[] = [];
  /** The client's CIKs of today and their day ranks, interleaved [cik, rank, cik, rank …]. */
  private readonly seen: number[][] = [];
  /** The client's last CIK and its rank (−1: none yet). */
  private readonly lastCik: number[] = [];
  private readonly lastRank: number[] = [];
  readonly robots: number;
  /** Σ robot rows of the day. */
  readonly robotRows: number;
  /** Robot rows by second: events robotAt[s] … robotAt[s+1]−1 of robotClient / robotCount. */
  private readonly robotAt = new Int32Array(86_401);
  private robotClient = new Int32Array(0);
  private robotCount = new Int32Array(0);
  /** Reader weights by minute (CSR), and the minute's alias table once built. */
  private readerAt = new Int32Array(MINUTES + 1);
  private readerClient = new Int32Array(0);
  private readerWeight = new Float64Array(0);
  private tableMinute = -1;
  private table: AliasTable | null = null;

  constructor(universe: Universe, dayKey: number, rowsPerDay: number, rng: Sfc32) {
    // Robots: per kind a count ∝ the day's size (stochastic rounding), rows stratified over the kind's range.
    const plans: { kind: number; rows: number; start: number; minutes: number; active: number }[] = [];
    EARLY_ROBOTS.forEach((kind, k) => {
      const want = (kind.perDay * rowsPerDay) / D2003_ROWS;
      const n = Math.floor(want) + (rng.float() < want - Math.floor(want) ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const rows = Math.round(logUniform(kind.rows[0], kind.rows[1], (i + rng.float()) / n));
        const minutes = Math.min(MINUTES, Math.max(1, Math.round(logUniform(kind.minutes[0], kind.minutes[1], rng.float()))));
        const start = rng.int(MINUTES - minutes + 1);
        const active = kind.active[0] + rng.float() * (kind.active[1] - kind.active[0]);
        plans.push({ kind: k, rows, start, minutes, active });
      }
    });
    let total = plans.reduce((a, p) => a + p.rows, 0);
    const cap = Math.floor(EARLY_ROBOT_MAX_SHARE * rowsPerDay);
    if (total > cap) {
      for (const p of plans) p.rows = Math.floor((p.rows * cap) / total);
      total = plans.reduce((a, p) => a + p.rows, 0);
    }
    this.robots = plans.length;
    this.robotRows = total;

    // Each robot's rows: its active minutes, rows spread evenly over them, each at a random second.
    const perSecond = new Map<number, number>();
    const events: number[] = [];
    plans.forEach((p, c) => {
      const kind = EARLY_ROBOTS[p.kind];
      // Steady crawlers and bulk downloaders come back every day of the seed; scrapers are the day's.
      const h = kind.kind === 'scraper' ? hash3(universe.humanSalt ^ ROBOT_SALT, dayKey, c) : hash2(universe.humanSalt ^ ROBOT_SALT, c);
      this.addClient(ipFromHash(h, hash2(h, 7)), kind.newCik);
      const minutes: number[] = [];
      for (let m = p.start; m < p.start + p.minutes; m++) if (rng.float() < p.active) minutes.push(m);
      if (minutes.length === 0) minutes.push(p.start + rng.int(p.minutes));
      perSecond.clear();
      for (let r = 0; r < p.rows; r++) {
        const m = minutes[Math.floor((r * minutes.length) / p.rows)];
        const s = m * 60 + rng.int(60);
        perSecond.set(s, (perSecond.get(s) ?? 0) + 1);
      }
      for (const [s, rows] of perSecond) events.push(s, c, rows);
    });
    const n = events.length / 3;
    this.robotClient = new Int32Array(n);
    this.robotCount = new Int32Array(n);
    for (let e = 0; e < n; e++) this.robotAt[events[3 * e] + 1]++;
    for (let s = 0; s < 86_400; s++) this.robotAt[s + 1] += this.robotAt[s];
    const fill = this.robotAt.slice(0, 86_400);
    for (let e = 0; e < n; e++) {
      const at = fill[events[3 * e]]++;
      this.robotClient[at] = events[3 * e + 1];
      this.robotCount[at] = events[3 * e + 2];
    }
  }

  /**
   * Readers for the plan's rows (minus its episodes'): drawn until their rows cover them, sessions started
   * at minutes drawn ∝ the plan's rows per minute. Addresses of the seed's human population: reader i of a
   * day is human dayOffset + i, so many come back on other days.
   */
  scheduleReaders(universe: Universe, minuteRows: Float64Array, rng: Sfc32): void {
    let target = 0;
    for (let m = 0; m < MINUTES; m++) target += minuteRows[m];
    const startTable = new AliasTable(target > 0 ? minuteRows : new Float64Array(MINUTES).fill(1));
    const offset = rng.int(1 << 20);
    const entries: number[] = [];
    for (let covered = 0, i = 0; covered < target; i++) {
      const bin = EARLY_READER_ROWS[READER_ROWS_TABLE.drawFast(rng)];
      const rows = Math.max(1, Math.round(logUniform(bin[0], bin[1], rng.float())));
      covered += rows;
      const client = this.addClient(universe.human(offset + i), EARLY_READER_NEW_CIK);
      const lnRows = Math.log(rows);
      const sessions = 1 + rng.poisson(EARLY_SESSIONS_PER_LOG_ROW * lnRows);
      const paceMean = EARLY_PACE_BASE + EARLY_PACE_PER_LOG_ROW * lnRows;
      const q = paceMean / (1 + paceMean);
      let left = rows;
      for (let k = 0; k < sessions && left > 0; k++) {
        const sessionRows = k === sessions - 1 ? left : Math.min(left, 1 + rng.poisson((rows - sessions) / sessions));
        left -= sessionRows;
        // Pace: 1 + Geometric(q) rows a minute.
        const pace = 1 + Math.floor(Math.log(1 - rng.float()) / Math.log(q || 1e-9));
        const span = Math.max(1, Math.ceil(sessionRows / pace));
        const start = Math.min(MINUTES - span, startTable.drawFast(rng));
        for (let m = Math.max(0, start); m < Math.max(0, start) + span && m < MINUTES; m++) entries.push(m, client, sessionRows / span);
      }
    }
    const n = entries.length / 3;
    this.readerAt = new Int32Array(MINUTES + 1);
    this.readerClient = new Int32Array(n);
    this.readerWeight = new Float64Array(n);
    for (let e = 0; e < n; e++) this.readerAt[entries[3 * e] + 1]++;
    for (let m = 0; m < MINUTES; m++) this.readerAt[m + 1] += this.readerAt[m];
    const fill = this.readerAt.slice(0, MINUTES);
    for (let e = 0; e < n; e++) {
      const at = fill[entries[3 * e]]++;
      this.readerClient[at] = entries[3 * e + 1];
      this.readerWeight[at] = entries[3 * e + 2];
    }
  }

  /** The reader a row of minute m goes to, from a uniform; −1 when no reader is active then. */
  readerOf(m: number, u: number): number {
    if (m !== this.tableMinute) {
      this.tableMinute = m;
      const a = this.readerAt[m];
      const b = this.readerAt[m + 1];
      this.table = b > a ? new AliasTable(this.readerWeight.subarray(a, b)) : null;
    }
    return this.table ? this.readerClient[this.readerAt[m] + this.table.fromUniform(u)] : -1;
  }

  /** Robot events of second s: indices into robotClientAt / robotRowsAt. */
  robotEvents(s: number): [number, number] {
    return [this.robotAt[s], this.robotAt[s + 1]];
  }

  robotClientAt(e: number): number {
    return this.robotClient[e];
  }

  robotRowsAt(e: number): number {
    return this.robotCount[e];
  }

  /**
   * The CIK of a client's next row (its day rank left in ciks.rank): a new one with the client's
   * probability, else mostly the one it asked for last (EARLY_SAME_CIK), else any of its CIKs of today.
   */
  pickCik(client: number, ciks: DayCiks, rng: Sfc32): number {
    const seen = this.seen[client];
    let cik: number;
    if (seen.length === 0 || rng.float() < this.newCik[client]) {
      cik = ciks.draw(rng.float());
      seen.push(cik, ciks.rank);
    } else if (rng.float() < EARLY_SAME_CIK) {
      cik = this.lastCik[client];
      ciks.rank = this.lastRank[client];
    } else {
      const k = rng.int(seen.length / 2);
      cik = seen[2 * k];
      ciks.rank = seen[2 * k + 1];
    }
    this.lastCik[client] = cik;
    this.lastRank[client] = ciks.rank;
    return cik;
  }

  private addClient(ip: { o1: number; o2: number; o3: number; code: number }, newCik: number): number {
    this.o1.push(ip.o1);
    this.o2.push(ip.o2);
    this.o3.push(ip.o3);
    this.code.push(ip.code);
    this.key.push(ipSortKey(ip.o1, ip.o2, ip.o3, ip.code));
    this.newCik.push(newCik);
    this.seen.push([]);
    this.lastCik.push(-1);
    this.lastRank.push(0);
    return this.o1.length - 1;
  }
}
