/**
 * One synthetic day in the EDGAR log format, as a sequence of Buffers of CSV text (header first, then
 * rows in time order and, within a second, in ip-string order — the order of the SEC's files).
 *
 * SYNTHETIC DATA: rows are made up from the calibration (calibration.ts); none is an SEC row.
 *
 * Format written (DESIGN §1), LF line ends, every numeric flag as a float:
 *
 *   ip,date,time,zone,cik,accession,extention,code,size,idx,norefer,noagent,find,crawler,browser
 *   101.81.133.jja,2017-06-30,00:00:00,0.0,1608552.0,0001047469-17-004337,-index.htm,200.0,80251.0,1.0,0.0,0.0,9.0,0.0,
 *
 * - zone 0.0 (500.0 before 2007); size empty for 304; browser empty from 2007 (a 3-letter code before);
 *   crawler = 1.0 exactly on 404 rows (as measured); idx = 1.0 on -index.htm / -index.html.
 *
 * How a second is made: the plan (day-plan.ts) fixes its row count; each row is assigned to a crawler
 * episode, a human or a ranked IP by their shares; rows of one client are grouped into bursts of the
 * measured sizes (a "session": one ip in one second); sessions are sorted by ip string; each row draws a
 * status, a document class, a CIK (or repeats the previous row's), a filing and a file.
 *
 * Speed: rows are written byte by byte into 1 MiB Buffers (no string, object or array per row); skewed
 * choices use alias tables. bench/generate.ts measures it against a raw write of the same bytes.
 *
 * Determinism: three PRNG streams per (seed, day) — plan, population, rows — plus one for hot-burst rows,
 * so a --hot burst only adds rows: the rest of the day is byte-identical with or without it.
 */
import { AliasTable } from './alias.js';
import {
  BROWSER_MIX_2003,
  CLASS_GIVEN_STATUS,
  DEFAULT_DAY_VARIATION,
  FIND_MIX,
  FIND_MIX_2003,
  HUMAN_SHARE,
  IP_RANKED,
  NOAGENT_SHARE,
  SAME_ACCESSION_GIVEN_CIK,
  SAME_CIK,
  STATUS_MIX,
  ZONE_BEFORE_2007,
} from './calibration.js';
import { planDay, type DayPlan } from './day-plan.js';
import { Documents, IS_INDEX, writeUint } from './documents.js';
import { EarlyClients } from './early-clients.js';
import type { HotBurst } from './hot-burst.js';
import { DayCiks, DayIps, HEAD_RANKS, Universe, ipSortKey, writeIp } from './population.js';
import { labelHash, rngFor, type Sfc32 } from './prng.js';

/** The SEC's header, misspelling included (equals visit.ts EDGAR_HEADER; a test checks). */
export const LOG_HEADER = 'ip,date,time,zone,cik,accession,extention,code,size,idx,norefer,noagent,find,crawler,browser';

export interface DayOptions {
  seed: number;
  /** YYYY-MM-DD (UTC day). */
  date: string;
  /** The day's expected rows of normal traffic (exact when dayVariation is 0). */
  rowsPerDay: number;
  /** sd of the day's total relative to rowsPerDay (default 0.10). */
  dayVariation?: number;
  hot?: readonly HotBurst[];
  /** Size of the Buffers yielded (default 1 MiB). */
  chunkBytes?: number;
}

export interface ParsedDate {
  date: string;
  year: number;
  /** yyyymmdd as a number: the day's PRNG key. */
  key: number;
  /** 1 … 366. */
  dayOfYear: number;
}

export function parseDate(date: string): ParsedDate | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const t = Date.UTC(year, month - 1, day);
  const d = new Date(t);
  if (year < 1970 || d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return null;
  return { date, year, key: year * 10000 + month * 100 + day, dayOfYear: Math.floor((t - Date.UTC(year, 0, 1)) / 86_400_000) + 1 };
}

/** The SEC's file name for a day: logYYYYMMDD.csv (.csv.gz, .zip). */
export function logFileName(date: string, format: 'csv' | 'csv.gz' | 'zip'): string {
  return `log${date.replaceAll('-', '')}.${format}`;
}

let lastUniverse: Universe | null = null;
/** The universe of a seed (cached: consecutive days of one run share it). */
export function universeFor(seed: number): Universe {
  if (lastUniverse?.seed !== seed) lastUniverse = new Universe(seed);
  return lastUniverse;
}

// Status and document class in one draw: a joint table over (status, class) pairs.
const ANSWER_TABLE = new AliasTable(STATUS_MIX.flatMap(([c, w]) => CLASS_GIVEN_STATUS[c].map((p) => w * p)));
const ANSWER_STATUS = Int32Array.from(STATUS_MIX.flatMap(([c]) => CLASS_GIVEN_STATUS[c].map(() => c)));
const ANSWER_CLASS = Int32Array.from(STATUS_MIX.flatMap(([c]) => CLASS_GIVEN_STATUS[c].map((_, k) => k)));
const ANSWER_TEXT = STATUS_MIX.flatMap(([c]) => CLASS_GIVEN_STATUS[c].map(() => Buffer.from(`${c}.0`)));
const FIND_TABLE = new AliasTable(FIND_MIX.map(([, w]) => w));
const FIND_TEXT = FIND_MIX.map(([f]) => Buffer.from(`${f}.0`));
const FIND_TABLE_2003 = new AliasTable(FIND_MIX_2003.map(([, w]) => w));
const FIND_TEXT_2003 = FIND_MIX_2003.map(([f]) => Buffer.from(`${f}.0`));
const FIND_ZERO_2003 = FIND_MIX_2003.map(([f]) => f === 0);
const BROWSER_TABLE = new AliasTable(BROWSER_MIX_2003.map(([, w]) => w));
const BROWSER_TEXT = BROWSER_MIX_2003.map(([b]) => Buffer.from(b));

const enum Kind {
  Ranked,
  Human,
  Episode,
  Hot,
  /** A reader or robot of a day before 2007 (early-clients.ts); sRef is the client. */
  Early,
}

/**
 * No row is longer than this (ip 15, ",date,time,zone," 27, cik 13, accession 21, the longest file name
 * 29, status 6, size 12, flags and find 21, browser 3, LF 1: 148 bytes); a test checks it. Used to decide
 * ZIP64 before a zip is written.
 */
export const MAX_ROW_LENGTH = 160;

/**
 * Room reserved per row before a second is written: more than the longest possible row (ip 15, date,
 * time and zone 27, cik 12, accession 20, the longest file name 28, status 5, size 13, flags and find 21,
 * browser 3, separators 15 ≈ 160 bytes).
 */
const MAX_ROW_BYTES = 256;
/** Where HH:MM:SS sits in the ",YYYY-MM-DD,HH:MM:SS,ZONE," prefix. */
const TIME_POS = 12;

export class DayGenerator {
  readonly date: ParsedDate;
  readonly plan: DayPlan;
  /** Rows written so far (hot rows included), and bytes (header included). */
  rows = 0;
  bytes = 0;

  private readonly chunkBytes: number;
  private readonly universe: Universe;
  private readonly ciks: DayCiks;
  private readonly ips: DayIps;
  private readonly docs: Documents;
  private readonly rng: Sfc32;
  private readonly hotRng: Sfc32;
  private readonly old: boolean;
  /** Days before 2007: their readers and robots (null for later days, whose clients are DayIps). */
  private readonly early: EarlyClients | null;

  // Session scratch (grown as needed).
  private cap = 1024;
  private sKind = new Uint8Array(this.cap);
  private sO1 = new Uint8Array(this.cap);
  private sO2 = new Uint8Array(this.cap);
  private sO3 = new Uint8Array(this.cap);
  private sCode = new Uint16Array(this.cap);
  private sRows = new Int32Array(this.cap);
  private sRef = new Int32Array(this.cap);
  private sKey = new Float64Array(this.cap);
  private order = new Int32Array(this.cap);
  private composite = new Float64Array(this.cap);
  private n = 0;
  /** ",YYYY-MM-DD,HH:MM:SS,ZONE," — the time digits are patched per second. */
  private readonly prefix: Buffer;
  /** Per-second row counts by IP rank, and the ranks touched this second. */
  private readonly perRank = new Int32Array(IP_RANKED);
  private readonly touched = new Int32Array(IP_RANKED);
  /** The same for early clients (days before 2007). */
  private perClient = new Int32Array(0);
  private earlyTouched: Int32Array = new Int32Array(1024);
  /** pickFiling's second and third results. */
  private pickedRank = 0;
  private pickedJ = 0;

  constructor(options: DayOptions) {
    const date = parseDate(options.date);
    if (!date) throw new RangeError(`not a date: ${options.date}`);
    if (!(Number.isSafeInteger(options.rowsPerDay) && options.rowsPerDay >= 0)) throw new RangeError(`bad rowsPerDay ${options.rowsPerDay}`);
    this.date = date;
    this.chunkBytes = Math.max(4096, options.chunkBytes ?? 1 << 20);
    this.universe = universeFor(options.seed);
    this.old = date.year < 2007;
    // Before 2007 robots have schedules of their own, on top of a plan for the rest of the day's rows.
    const earlyRng = this.old ? rngFor(options.seed, date.key, labelHash('early')) : null;
    this.early = earlyRng ? new EarlyClients(this.universe, date.key, options.rowsPerDay, earlyRng) : null;
    this.plan = planDay(
      {
        rowsPerDay: options.rowsPerDay - (this.early?.robotRows ?? 0),
        dayVariation: options.dayVariation ?? DEFAULT_DAY_VARIATION,
        hot: options.hot ?? [],
      },
      rngFor(options.seed, date.key, labelHash('plan')),
    );
    if (this.early && earlyRng) {
      const minuteRows = new Float64Array(1440);
      for (let s = 0; s < 86_400; s++) minuteRows[(s / 60) | 0] += this.plan.counts[s] * (1 - this.plan.episodeShare[s]);
      this.early.scheduleReaders(this.universe, minuteRows, earlyRng);
    }
    const pop = rngFor(options.seed, date.key, labelHash('population'));
    this.ciks = new DayCiks(this.universe, pop);
    this.ips = new DayIps(this.universe, pop, this.plan.total);
    this.docs = new Documents(options.seed, date.key, date.year, date.dayOfYear);
    this.rng = rngFor(options.seed, date.key, labelHash('rows'));
    this.hotRng = rngFor(options.seed, date.key, labelHash('hot'));
    this.prefix = Buffer.from(`,${date.date},00:00:00,${this.old ? ZONE_BEFORE_2007 : '0.0'},`);
  }

  /** Rows the day will have: the plan's total plus the early robots' and the hot rows. */
  get expectedRows(): number {
    return this.plan.total + (this.early?.robotRows ?? 0) + this.plan.hotTotal;
  }

  /** The day as CSV text, in Buffers of about chunkBytes. Each Buffer is new (safe to keep). */
  *chunks(): Generator<Buffer, void, undefined> {
    const header = Buffer.from(LOG_HEADER + '\n');
    let buf = Buffer.allocUnsafe(this.chunkBytes);
    header.copy(buf, 0);
    let p = header.length;
    const plan = this.plan;
    const hotIndex = new Int32Array(plan.hot.length);
    for (let s = 0; s < 86_400; s++) {
      const normal = plan.counts[s];
      let hot = 0;
      for (let b = 0; b < plan.hot.length; b++) {
        const h = plan.hot[b];
        hotIndex[b] = s >= h.start && s < h.end ? h.counts[s - h.start] : 0;
        hot += hotIndex[b];
      }
      if (this.early) {
        const [a, b] = this.early.robotEvents(s);
        for (let e = a; e < b; e++) hot += this.early.robotRowsAt(e);
      }
      if (normal + hot === 0) continue;
      // A second is written in one go (no yield inside the row loop, which keeps it fast): make room first.
      const need = (normal + hot) * MAX_ROW_BYTES;
      if (p + need > buf.length) {
        if (p > 0) {
          this.bytes += p;
          yield buf.subarray(0, p);
        }
        buf = Buffer.allocUnsafe(Math.max(this.chunkBytes, need));
        p = 0;
      }
      p = this.writeSecond(buf, p, s, normal, hotIndex);
      this.rows += normal + hot;
    }
    if (p > 0) {
      this.bytes += p;
      yield buf.subarray(0, p);
    }
  }

  /** Writes every row of second s at buf[p…] (room for MAX_ROW_BYTES a row is guaranteed); returns the end. */
  private writeSecond(buf: Buffer, p: number, s: number, normal: number, hotCounts: Int32Array): number {
    const plan = this.plan;
    const prefix = this.prefix;
    const plen = prefix.length;
    this.buildSessions(s, normal, hotCounts);
    stampTime(prefix, s);

    const order = this.order;
    const docs = this.docs;
    const dayCiks = this.ciks;
    const keys = this.sKey;
    let headLen = 0;
    let headStart = -1;
    let prefixAt = -1;
    let findText = FIND_TEXT[0];
    let norefer = false;
    let browser: Buffer | null = null;
    let noagent = false;
    let prevCik = -1;
    let prevRank = 0;
    let prevJ = 0;
    let prevKey = -1;
    let prevKind = -1;
    for (let k = 0; k < this.n; k++) {
      const i = order[k];
      const kind = this.sKind[i];
      const rng = kind === Kind.Hot ? this.hotRng : this.rng;
      if (keys[i] !== prevKey || kind !== prevKind) {
        // A new burst (one ip in this second): the row start "ip,date,time,zone," is shared by its rows,
        // and so are the referrer class, the missing user agent and the browser.
        prevKey = keys[i];
        prevKind = kind;
        headStart = -1;
        if (this.old) {
          const f = FIND_TABLE_2003.drawFast(rng);
          findText = FIND_TEXT_2003[f];
          norefer = FIND_ZERO_2003[f];
          browser = BROWSER_TEXT[BROWSER_TABLE.drawFast(rng)];
        } else {
          findText = FIND_TEXT[FIND_TABLE.drawFast(rng)];
        }
        noagent = rng.float() < NOAGENT_SHARE;
        prevCik = -1;
      }
      const hotCik = kind === Kind.Hot ? plan.hot[this.sRef[i]].burst.cik : 0;
      for (let r = this.sRows[i]; r > 0; r--) {
        if (headStart < 0) {
          // First row of the burst: write "ip,date,time,zone," and remember where.
          headStart = p;
          p = writeIp(buf, p, this.sO1[i], this.sO2[i], this.sO3[i], this.sCode[i]);
          // ",date,time,zone," is the same for the whole second: copied from its first occurrence.
          if (prefixAt < 0) {
            prefixAt = p;
            for (let t = 0; t < plen; t++) buf[p + t] = prefix[t];
          } else buf.copyWithin(p, prefixAt, prefixAt + plen);
          p += plen;
          headLen = p - headStart;
        } else {
          // Later rows copy it within the same buffer (copyWithin is a native memmove: ~40 bytes cheaper
          // than a byte loop or Buffer.copy).
          buf.copyWithin(p, headStart, headStart + headLen);
          p += headLen;
        }

        const answer = ANSWER_TABLE.drawFast(rng);
        prevCik = this.pickFiling(kind, i, rng, hotCik, prevCik, prevRank, prevJ);
        prevRank = this.pickedRank;
        prevJ = this.pickedJ;
        p = writeRowTail(buf, p, docs, rng, prevCik, prevJ, prevRank < HEAD_RANKS, answer, norefer, noagent, findText, browser);
      }
    }
    return p;
  }

  /**
   * The filer and filing of a row of session i: returns the CIK, leaves its rank and filing index in
   * pickedRank and pickedJ (one call a row: fields, not an object, so that nothing is allocated).
   */
  private pickFiling(kind: Kind, i: number, rng: Sfc32, hotCik: number, prevCik: number, prevRank: number, prevJ: number): number {
    const docs = this.docs;
    const dayCiks = this.ciks;
    let cik: number;
    if (kind === Kind.Hot) {
      cik = hotCik;
      this.pickedRank = 0;
      this.pickedJ = rng.float() < 0.8 ? 0 : 1 + rng.int(3);
    } else if (kind === Kind.Early) {
      cik = this.early!.pickCik(this.sRef[i], dayCiks, rng);
      this.pickedRank = dayCiks.rank;
      this.pickedJ = prevCik === cik && rng.float() < SAME_ACCESSION_GIVEN_CIK ? prevJ : docs.pickFiling(cik, dayCiks.rank, rng);
    } else if (prevCik >= 0 && rng.float() < SAME_CIK) {
      cik = prevCik;
      this.pickedRank = prevRank;
      this.pickedJ = rng.float() < SAME_ACCESSION_GIVEN_CIK ? prevJ : docs.pickFiling(cik, prevRank, rng);
    } else {
      cik = dayCiks.draw(rng.float());
      this.pickedRank = dayCiks.rank;
      this.pickedJ = docs.pickFiling(cik, dayCiks.rank, rng);
    }
    return cik;
  }

  /**
   * Assigns second s's rows to clients and sorts them by ip string. Each row picks its client by the
   * measured row shares (episode, human, ranked IP of this hour), so a day of any size keeps the measured
   * IP concentration — a small day looks like a random sample of a big one. Rows of one ip in one second
   * then form a burst, as in the real files (sessions with equal keys are merged when written).
   */
  private buildSessions(s: number, normal: number, hotCounts: Int32Array): void {
    this.n = 0;
    const rng = this.rng;
    const plan = this.plan;
    const epShare = plan.episodeShare[s];
    const humanCut = epShare + (1 - epShare) * HUMAN_SHARE;
    const table = this.ips.byHour[(s / 3600) | 0];
    const u = this.universe;
    const poolAtRank = this.ips.poolAtRank;
    // Ranked rows are counted per rank first, so a client's rows make one session (fewer to sort).
    const perRank = this.perRank;
    const touched = this.touched;
    let nTouched = 0;
    const rankScale = 1 / (1 - humanCut);
    let nEp = 0;
    if (this.early) {
      nEp = this.earlySessions(s, normal, epShare);
      normal = 0;
    }
    for (let i = 0; i < normal; i++) {
      const x = rng.float();
      if (x < epShare) nEp++;
      else if (x < humanCut) this.pushHuman(Kind.Human, rng, 0);
      else {
        // The same uniform, rescaled, picks the rank: one draw per row.
        const rank = table.fromUniform((x - humanCut) * rankScale);
        if (perRank[rank]++ === 0) touched[nTouched++] = rank;
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const rank = touched[t];
      const pi = poolAtRank[rank];
      this.push(Kind.Ranked, u.poolO1[pi], u.poolO2[pi], u.poolO3[pi], u.poolCode[pi], u.poolKey[pi], perRank[rank], 0);
      perRank[rank] = 0;
    }
    if (nEp > 0) {
      const pi = this.ips.spare[plan.episodeOf[s] % this.ips.spare.length];
      this.push(Kind.Episode, u.poolO1[pi], u.poolO2[pi], u.poolO3[pi], u.poolCode[pi], u.poolKey[pi], nEp, 0);
    }
    for (let k = 0; k < hotCounts.length; k++) {
      for (let left = hotCounts[k]; left > 0; left--) this.pushHuman(Kind.Hot, this.hotRng, k);
    }
    // Sort by ip string (sort key), ties by creation order: deterministic and stable. Keys (< 1.7e10)
    // times 4096 plus the index stay below 2^53, so a plain numeric sort of a Float64Array (native,
    // no comparator calls) does it; a second with more sessions falls back to a comparator.
    const n = this.n;
    const keys = this.sKey;
    const order = this.order;
    if (n < 4096) {
      const composite = this.composite.subarray(0, n);
      for (let i = 0; i < n; i++) composite[i] = keys[i] * 4096 + i;
      composite.sort();
      for (let i = 0; i < n; i++) order[i] = composite[i] % 4096;
    } else {
      for (let i = 0; i < n; i++) order[i] = i;
      order.subarray(0, n).sort((a, b) => keys[a] - keys[b] || a - b);
    }
  }

  /**
   * Second s of a day before 2007: each planned row goes to an episode or to a reader active this minute
   * (an occasional visitor when none is), and the robots' rows of this second are added. Returns the
   * episode's rows.
   */
  private earlySessions(s: number, normal: number, epShare: number): number {
    const early = this.early!;
    const rng = this.rng;
    if (this.perClient.length < early.o1.length) this.perClient = new Int32Array(early.o1.length);
    const perClient = this.perClient;
    let nTouched = 0;
    let nEp = 0;
    const m = (s / 60) | 0;
    for (let i = 0; i < normal; i++) {
      const x = rng.float();
      if (x < epShare) {
        nEp++;
        continue;
      }
      const c = early.readerOf(m, (x - epShare) / (1 - epShare));
      if (c < 0) this.pushHuman(Kind.Human, rng, 0);
      else if (perClient[c]++ === 0) {
        this.earlyTouched[nTouched++] = c;
        if (nTouched === this.earlyTouched.length) this.earlyTouched = growInt32(this.earlyTouched);
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const c = this.earlyTouched[t];
      this.push(Kind.Early, early.o1[c], early.o2[c], early.o3[c], early.code[c], early.key[c], perClient[c], c);
      perClient[c] = 0;
    }
    const [a, b] = early.robotEvents(s);
    for (let e = a; e < b; e++) {
      const c = early.robotClientAt(e);
      this.push(Kind.Early, early.o1[c], early.o2[c], early.o3[c], early.code[c], early.key[c], early.robotRowsAt(e), c);
    }
    return nEp;
  }

  /** A session of a human visitor: address from the day's human population (skewed: some return often). */
  private pushHuman(kind: Kind, rng: Sfc32, ref: number): void {
    const v = rng.float();
    const ip = this.universe.human(Math.floor(this.ips.humans * v * v));
    this.push(kind, ip.o1, ip.o2, ip.o3, ip.code, ipSortKey(ip.o1, ip.o2, ip.o3, ip.code), 1, ref);
  }

  private push(kind: Kind, o1: number, o2: number, o3: number, code: number, key: number, rows: number, ref: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.sKind[i] = kind;
    this.sO1[i] = o1;
    this.sO2[i] = o2;
    this.sO3[i] = o3;
    this.sCode[i] = code;
    this.sKey[i] = key;
    this.sRows[i] = rows;
    this.sRef[i] = ref;
  }

  private grow(): void {
    const cap = this.cap * 2;
    const g = <T extends Uint8Array | Uint16Array | Int32Array | Float64Array>(a: T, make: new (n: number) => T): T => {
      const b = new make(cap);
      b.set(a as never);
      return b;
    };
    this.sKind = g(this.sKind, Uint8Array);
    this.sO1 = g(this.sO1, Uint8Array);
    this.sO2 = g(this.sO2, Uint8Array);
    this.sO3 = g(this.sO3, Uint8Array);
    this.sCode = g(this.sCode, Uint16Array);
    this.sRows = g(this.sRows, Int32Array);
    this.sRef = g(this.sRef, Int32Array);
    this.sKey = g(this.sKey, Float64Array);
    this.order = new Int32Array(cap);
    this.composite = new Float64Array(cap);
    this.cap = cap;
  }
}

function growInt32(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function writeFlag(buf: Buffer, p: number, on: boolean): number {
  buf[p] = on ? 49 : 48;
  buf[p + 1] = 46;
  buf[p + 2] = 48;
  return p + 3;
}

/** Writes HH:MM:SS of second s into the row prefix ",date,time,zone,". */
function stampTime(prefix: Buffer, s: number): void {
  const hh = (s / 3600) | 0;
  const mm = ((s / 60) | 0) % 60;
  const ss = s % 60;
  prefix[TIME_POS] = 48 + ((hh / 10) | 0);
  prefix[TIME_POS + 1] = 48 + (hh % 10);
  prefix[TIME_POS + 3] = 48 + ((mm / 10) | 0);
  prefix[TIME_POS + 4] = 48 + (mm % 10);
  prefix[TIME_POS + 6] = 48 + ((ss / 10) | 0);
  prefix[TIME_POS + 7] = 48 + (ss % 10);
}

/** Writes a row from its cik column to its newline at buf[p…]; returns the end. */
function writeRowTail(
  buf: Buffer,
  p: number,
  docs: Documents,
  rng: Sfc32,
  cik: number,
  j: number,
  head: boolean,
  answer: number,
  norefer: boolean,
  noagent: boolean,
  findText: Buffer,
  browser: Buffer | null,
): number {
  const code = ANSWER_STATUS[answer];
  const cls = ANSWER_CLASS[answer];
  const dh = docs.docHash(cik, j);
  p = writeUint(buf, p, cik);
  buf[p++] = 46; // ".0,"
  buf[p++] = 48;
  buf[p++] = 44;
  p = docs.writeAccession(buf, p, cik, j, dh, head);
  buf[p++] = 44;
  p = docs.writeExtention(buf, p, cls, cik, dh, rng);
  buf[p++] = 44;
  const st = ANSWER_TEXT[answer];
  for (let t = 0; t < st.length; t++) buf[p++] = st[t];
  buf[p++] = 44;
  const size = code === 200 ? docs.size200(cls, dh) : docs.sizeForStatus(code, rng);
  if (size >= 0) {
    p = writeUint(buf, p, size);
    buf[p++] = 46;
    buf[p++] = 48;
  }
  buf[p++] = 44;
  p = writeFlag(buf, p, IS_INDEX[cls]);
  buf[p++] = 44;
  p = writeFlag(buf, p, norefer);
  buf[p++] = 44;
  p = writeFlag(buf, p, noagent);
  buf[p++] = 44;
  for (let t = 0; t < findText.length; t++) buf[p++] = findText[t];
  buf[p++] = 44;
  p = writeFlag(buf, p, code === 404);
  buf[p++] = 44;
  if (browser !== null) for (let t = 0; t < browser.length; t++) buf[p++] = browser[t];
  buf[p++] = 10;
  return p;
}
