/**
 * The robots filter (issue 14): the ONE definition of "robot IP" shared by stream and batch, so that live
 * human counts and historical human bands compare people with people.
 *
 * Definition (causal mode)
 * ------------------------
 * An IP is a robot on a calendar day (event time, UTC) from the first visit with which one of its counts
 * goes over a limit of the rule; that visit and every later one of the IP that day are robot visits, the
 * visits before it stay human. Counting starts again at 00:00:00 UTC. The counts, per (day, ip):
 *
 *   minute-requests  requests in the calendar minute (HH:MM) of the visit
 *   minute-ciks      distinct CIKs requested in that calendar minute
 *   day-requests     requests in the day
 *   day-ciks         distinct CIKs requested in the day
 *
 * A limit N means "more than N": the (N+1)-th request of a minute crosses minute-requests=N. Visits are
 * taken in the order they are given (file order in batch; partition order in the stream, which is the
 * same per IP because the Kafka key is the IP): of several visits of one IP in one second, file order
 * decides which one crosses. When one visit crosses several limits at once, the limit recorded is the first
 * in the order of the list above.
 *
 * The robots counts see every valid visit of the day, whatever the other filter rules (crawlers, errors)
 * drop: a robot that also makes failing requests is still counted as making them, and the classification
 * of an IP does not depend on which other rules are combined with robots.
 *
 * Day mode (batch only): an IP that is a robot at any moment of the day (the same IPs as the causal mode
 * finds by the end of the day) is a robot for all of its visits of that day — the research definition.
 *
 * Rules and canonical names
 * -------------------------
 * RULE is a preset or a spec `minute-requests=N,minute-ciks=N,day-requests=N,day-ciks=N` (any non-empty
 * subset, any order). Presets (sources in docs/robots.md):
 *
 *   drt    minute-requests=5,day-requests=1000                    Drake, Roulstone & Thornock (2015), default
 *   lm     day-ciks=50                                            Loughran & McDonald (2017)
 *   ryans  minute-requests=25,minute-ciks=3,day-requests=500      Ryans (2017)
 *
 * The canonical rule name is the preset's name when the limits equal a preset's (so `drt` and
 * `day-requests=1000,minute-requests=5` are one rule with one name), otherwise the spec with its limits in
 * the order of the list above. The filter name is `robots(<rule>)` in causal mode and `robots-day(<rule>)`
 * in day mode: sets built with different rules or modes never share a name.
 *
 * State per (day, ip)
 * -------------------
 * Compact and serialisable, because the stream keeps it in Redis, written in the same atomic write as its
 * counts (encodeIpState / decodeIpState). A human IP keeps its current minute, its request counts, and the
 * distinct-CIK sets of the limits the rule uses only (each holds at most N CIKs: the (N+1)-th makes the
 * IP a robot and the set is dropped). A robot IP keeps only its flag, first robot second, the limit it
 * crossed and its robot visit count (for `findoc robots`).
 */
import { usageError } from './errors.js';
import { SECONDS_PER_DAY, type VisitBatch } from './visit.js';

export const ROBOT_LIMITS = ['minute-requests', 'minute-ciks', 'day-requests', 'day-ciks'] as const;
export type RobotLimit = (typeof ROBOT_LIMITS)[number];

export type RobotLimits = Partial<Record<RobotLimit, number>>;

export const ROBOT_PRESETS = {
  drt: { 'minute-requests': 5, 'day-requests': 1000 },
  lm: { 'day-ciks': 50 },
  ryans: { 'minute-requests': 25, 'minute-ciks': 3, 'day-requests': 500 },
} as const satisfies Record<string, RobotLimits>;

export type RobotPreset = keyof typeof ROBOT_PRESETS;
export const DEFAULT_ROBOT_RULE: RobotPreset = 'drt';

export const ROBOTS_MODES = ['causal', 'day'] as const;
export type RobotsMode = (typeof ROBOTS_MODES)[number];

export interface RobotRule {
  /** Canonical rule name: a preset name, or the spec with its limits in ROBOT_LIMITS order. */
  readonly name: string;
  readonly limits: Readonly<RobotLimits>;
}

const ACCEPTED = `a preset (${Object.keys(ROBOT_PRESETS).join(', ')}) or a spec like minute-requests=5,minute-ciks=3,day-requests=1000,day-ciks=50 (any non-empty subset; N = "more than N")`;

/** Parses `--robots RULE` (undefined: the default preset). Bad forms are usage errors (exit 64). */
export function parseRobotRule(text: string | undefined): RobotRule {
  const t = (text ?? DEFAULT_ROBOT_RULE).trim().toLowerCase();
  if (t in ROBOT_PRESETS) return { name: t, limits: { ...ROBOT_PRESETS[t as RobotPreset] } };
  if (!t.includes('=')) throw usageError(`unknown robots preset "${text}"`, `--robots takes ${ACCEPTED}`);
  const limits: RobotLimits = {};
  for (const part of t.split(',')) {
    const m = /^\s*([a-z-]+)\s*=\s*(\d{1,9})\s*$/.exec(part);
    const key = m?.[1] as RobotLimit | undefined;
    if (!m || !key || !(ROBOT_LIMITS as readonly string[]).includes(key)) {
      throw usageError(`bad robots rule "${text}": "${part.trim()}" is not LIMIT=N`, `--robots takes ${ACCEPTED}`);
    }
    if (limits[key] !== undefined) throw usageError(`bad robots rule "${text}": ${key} given twice`, `--robots takes ${ACCEPTED}`);
    limits[key] = Number(m[2]);
  }
  return ruleOf(limits);
}

/** The rule with these limits, under its canonical name. */
export function ruleOf(limits: RobotLimits): RobotRule {
  const clean: RobotLimits = {};
  for (const k of ROBOT_LIMITS) if (limits[k] !== undefined) clean[k] = limits[k];
  const spec = ROBOT_LIMITS.filter((k) => clean[k] !== undefined).map((k) => `${k}=${clean[k]}`).join(',');
  if (spec === '') throw usageError('a robots rule needs at least one limit', `--robots takes ${ACCEPTED}`);
  for (const [name, preset] of Object.entries(ROBOT_PRESETS)) {
    const p = preset as RobotLimits;
    if (ROBOT_LIMITS.every((k) => p[k] === clean[k])) return { name, limits: clean };
  }
  return { name: spec, limits: clean };
}

export function parseRobotsMode(text: string | undefined): RobotsMode {
  const t = (text ?? 'causal').trim().toLowerCase();
  if (!(ROBOTS_MODES as readonly string[]).includes(t)) {
    throw usageError(`unknown robots mode "${text}"`, `--robots-mode takes ${ROBOTS_MODES.join(' or ')} (causal is the default)`);
  }
  return t as RobotsMode;
}

/** The filter name recorded with stored counts: robots(<rule>) or robots-day(<rule>). */
export function robotsFilterName(rule: RobotRule, mode: RobotsMode): string {
  return `${mode === 'day' ? 'robots-day' : 'robots'}(${rule.name})`;
}

// ── IP keys ──────────────────────────────────────────────────────────────────────────────────────────────
// The parser only lets through ips of the form o1.o2.o3.xyz (octets of 1 to 3 digits, ≤ 255, three lowercase
// letters), so an ip maps exactly onto an integer: a Map keyed by number, read straight from the batch's
// bytes, with no string per visit. The key is one-to-one on the ip as written: besides the octets' values
// and the letters (below 2^24 · 26^3 ≈ 2.9e11) it holds each octet's leading zeros (0 to 2, so "01.2.3.abc"
// and "1.2.3.abc" stay two visitors), 27 forms in all: below 8e12 < 2^53. Logged ips have no leading zeros
// (form 0), whose keys are the octets and letters alone.

const LETTERS = 26 * 26 * 26;
const CANONICAL = 256 * 256 * 256 * LETTERS;

/** The numeric key of an ip string; NaN when it is not of the logged form. */
export function ipKey(ip: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.([a-z]{3})$/.exec(ip);
  if (!m) return NaN;
  let key = 0;
  let form = 0;
  for (const digits of [m[1], m[2], m[3]]) {
    const v = Number(digits);
    if (v > 255) return NaN;
    key = key * 256 + v;
    form = form * 3 + (digits.length - String(v).length);
  }
  const l = m[4];
  const letters = (l.charCodeAt(0) - 97) * 676 + (l.charCodeAt(1) - 97) * 26 + (l.charCodeAt(2) - 97);
  return form * CANONICAL + key * LETTERS + letters;
}

/** The ip string of a numeric key (inverse of ipKey). */
export function ipOfKey(key: number): string {
  const canonical = key % CANONICAL;
  let form = (key - canonical) / CANONICAL;
  const letters = canonical % LETTERS;
  let rest = (canonical - letters) / LETTERS;
  const octets: string[] = [];
  for (let i = 0; i < 3; i++) {
    const v = rest % 256;
    rest = (rest - v) / 256;
    const zeros = form % 3;
    form = (form - zeros) / 3;
    octets.unshift('0'.repeat(zeros) + String(v));
  }
  const l = String.fromCharCode(97 + Math.floor(letters / 676), 97 + (Math.floor(letters / 26) % 26), 97 + (letters % 26));
  return `${octets[0]}.${octets[1]}.${octets[2]}.${l}`;
}

/** The numeric key of visit i's ip, read from the batch's bytes (the parser has validated the form). */
export function ipKeyAt(batch: VisitBatch, i: number): number {
  const k = i * (batch.layout.ncols + 1) + batch.layout.index.ip;
  const buf = batch.buffer;
  let p = batch.fieldStart[k];
  const end = batch.fieldStart[k + 1] - 1;
  let key = 0;
  for (let octet = 0; octet < 3; octet++) {
    // A leading zero (an octet of two or more digits starting with 0) is rare: the string path keeps it exact.
    if (buf[p] === 0x30 && buf[p + 1] !== 0x2e) return ipKey(batch.ip(i));
    let v = 0;
    let c = buf[p++];
    while (c !== 0x2e) {
      v = v * 10 + (c - 0x30);
      c = buf[p++];
    }
    key = key * 256 + v;
  }
  if (end - p !== 3) return ipKey(batch.ip(i)); // not reached for parsed visits; kept exact anyway
  return key * LETTERS + (buf[p] - 97) * 676 + (buf[p + 1] - 97) * 26 + (buf[p + 2] - 97);
}

// ── per-(day, ip) state ──────────────────────────────────────────────────────────────────────────────────

const LIMIT_NONE = -1;

/** The state of one IP on one day. Fields are public for speed; use the classifier's methods to change it. */
export class IpState {
  /** Day number: floor(event second / 86,400). */
  day: number;
  robot = false;
  /** Calendar minute (event second / 60, floored) the minute counts are for; −1 before the first visit. */
  minute = -1;
  minuteRequests = 0;
  dayRequests = 0;
  /** Distinct CIKs of the current minute / of the day; null when the rule has no such limit, or robot. */
  minuteCiks: Set<number> | null = null;
  dayCiks: Set<number> | null = null;
  /** Robot only: the event second of the crossing visit, the limit crossed (index in ROBOT_LIMITS). */
  firstRobotSecond = -1;
  limit = LIMIT_NONE;
  /** Robot visits (the crossing one included). */
  robotVisits = 0;
  /** Listed in the classifier's changed list since the last drainChanged(). */
  changed = false;

  constructor(day: number) {
    this.day = day;
  }
}

/** A robot IP of a day, for `findoc robots` and reports. */
export interface RobotIp {
  ip: string;
  /** Robot visits that day (from the crossing visit on). */
  visits: number;
  /** Event second (Unix, UTC) of the visit that crossed a limit. */
  firstRobotSecond: number;
  limit: RobotLimit;
}

/** A state changed since the last drainChanged(), with its encoded form (what the stream writes). */
export interface ChangedIpState {
  day: number;
  ip: string;
  encoded: string;
}

/**
 * Encoding (text, base 36 numbers, `.` between fields; e.g. 59 bytes for a human with a few CIKs):
 *   human  `<day>.h.<minute>.<minuteRequests>.<dayRequests>.<minute CIKs joined by ->.<day CIKs joined by ->`
 *   robot  `<day>.r.<firstRobotSecond>.<limit index>.<robotVisits>`
 * The minute is the absolute calendar minute (event second / 60). An unused CIK set is an empty field.
 */
export function encodeIpState(s: IpState): string {
  const b = (n: number) => n.toString(36);
  if (s.robot) return `${b(s.day)}.r.${b(s.firstRobotSecond)}.${s.limit}.${b(s.robotVisits)}`;
  const set = (x: Set<number> | null) => (x === null ? '' : [...x].map(b).join('-'));
  return `${b(s.day)}.h.${b(s.minute + 1)}.${b(s.minuteRequests)}.${b(s.dayRequests)}.${set(s.minuteCiks)}.${set(s.dayCiks)}`;
}

/** Decodes encodeIpState's form; a RangeError when the text is not one. */
export function decodeIpState(text: string): IpState {
  const f = text.split('.');
  const n = (x: string | undefined) => {
    const v = x !== undefined && /^[0-9a-z]+$/.test(x) ? parseInt(x, 36) : NaN;
    if (!Number.isSafeInteger(v)) throw new RangeError(`not an encoded robots state: ${text}`);
    return v;
  };
  const s = new IpState(n(f[0]));
  if (f[1] === 'r' && f.length === 5) {
    s.robot = true;
    s.firstRobotSecond = n(f[2]);
    s.limit = Number(f[3]);
    s.robotVisits = n(f[4]);
    if (!(s.limit >= 0 && s.limit < ROBOT_LIMITS.length)) throw new RangeError(`not an encoded robots state: ${text}`);
    return s;
  }
  if (f[1] !== 'h' || f.length !== 7) throw new RangeError(`not an encoded robots state: ${text}`);
  s.minute = n(f[2]) - 1;
  s.minuteRequests = n(f[3]);
  s.dayRequests = n(f[4]);
  s.minuteCiks = f[5] === '' ? null : new Set(f[5].split('-').map(n));
  s.dayCiks = f[6] === '' ? null : new Set(f[6].split('-').map(n));
  return s;
}

/**
 * The states of one day by ip key: an open-addressing hash table (linear probing) over a Float64Array of
 * keys, the states in a parallel array. Faster than a Map here: a key (up to 2.9e11) is not a V8 small
 * integer, so each Map.get would box it and hash a heap number; this table hashes the double in place.
 * Grows by doubling at 50 % load; never shrinks (a day's table is dropped whole).
 */
class IpTable {
  private keys = new Float64Array(1024).fill(-1);
  private states: (IpState | undefined)[] = new Array(1024);
  private mask = 1023;
  private size = 0;

  private slot(key: number): number {
    const lo = key % 4294967296;
    const hi = (key - lo) / 4294967296;
    let h = Math.imul((lo | 0) ^ Math.imul(hi | 0, 0x27d4eb2d), 0x9e3779b1);
    h ^= h >>> 15;
    let i = h & this.mask;
    const keys = this.keys;
    while (keys[i] !== key && keys[i] !== -1) i = (i + 1) & this.mask;
    return i;
  }

  get(key: number): IpState | undefined {
    return this.states[this.slot(key)];
  }

  set(key: number, s: IpState): void {
    const i = this.slot(key);
    if (this.keys[i] === key) {
      this.states[i] = s;
      return;
    }
    this.keys[i] = key;
    this.states[i] = s;
    if (++this.size * 2 > this.mask) this.grow();
  }

  *entries(): Generator<[number, IpState]> {
    for (let i = 0; i <= this.mask; i++) if (this.keys[i] !== -1) yield [this.keys[i], this.states[i]!];
  }

  private grow(): void {
    const old = [...this.entries()];
    const n = (this.mask + 1) * 2;
    this.keys = new Float64Array(n).fill(-1);
    this.states = new Array(n);
    this.mask = n - 1;
    for (const [k, st] of old) {
      const i = this.slot(k);
      this.keys[i] = k;
      this.states[i] = st;
    }
  }
}

// ── the classifier ───────────────────────────────────────────────────────────────────────────────────────

export interface RobotClassifierOptions {
  /** Keep the list of states changed since the last drainChanged() (the stream). Default false. */
  trackChanges?: boolean;
}

/**
 * Classifies visits, in the order given, by the causal definition above. One instance holds the state of
 * every (day, ip) it has seen or been loaded with; the stream drops finished days with forgetDaysBefore().
 * No allocation per visit: ips are numeric keys, CIK sets are created once per (day, ip) and cleared.
 */
export class RobotClassifier {
  readonly rule: RobotRule;
  private readonly minuteRequests: number;
  private readonly minuteCiks: number;
  private readonly dayRequests: number;
  private readonly dayCiks: number;
  private readonly useMinuteCiks: boolean;
  private readonly useDayCiks: boolean;
  private readonly days = new Map<number, IpTable>();
  private lastDay = NaN;
  private lastMap: IpTable | null = null;
  private lastKey = -1;
  private lastKeyDay = NaN;
  private lastState: IpState | null = null;
  private readonly trackChanges: boolean;
  private changedList: { key: number; state: IpState }[] = [];
  /** IPs that crossed a limit so far (each (day, ip) once): the stream counts new robot IPs with it. */
  crossings = 0;

  constructor(rule: RobotRule, options: RobotClassifierOptions = {}) {
    this.rule = rule;
    const l = rule.limits;
    this.minuteRequests = l['minute-requests'] ?? Infinity;
    this.minuteCiks = l['minute-ciks'] ?? Infinity;
    this.dayRequests = l['day-requests'] ?? Infinity;
    this.dayCiks = l['day-ciks'] ?? Infinity;
    this.useMinuteCiks = l['minute-ciks'] !== undefined;
    this.useDayCiks = l['day-ciks'] !== undefined;
    this.trackChanges = options.trackChanges === true;
  }

  /** Classifies one visit: true when it is a robot visit. */
  visit(ip: string, second: number, cik: number): boolean {
    const key = ipKey(ip);
    if (Number.isNaN(key)) throw new RangeError(`not a logged ip: ${ip}`);
    return this.visitKey(key, second, cik);
  }

  /** Classifies visit i of a batch. */
  visitAt(batch: VisitBatch, i: number): boolean {
    return this.visitKey(ipKeyAt(batch, i), batch.second[i], batch.cik[i]);
  }

  /** Classifies one visit of the ip with this numeric key (ipKey). */
  visitKey(key: number, second: number, cik: number): boolean {
    const day = Math.floor(second / SECONDS_PER_DAY);
    let s: IpState | undefined;
    // Rows are sorted by second then ip, so a busy IP's visits of one second are adjacent: reuse its state.
    if (key === this.lastKey && day === this.lastKeyDay) s = this.lastState!;
    else {
      const map = this.dayMap(day);
      s = map.get(key);
      if (s === undefined) {
        s = this.fresh(day);
        map.set(key, s);
      }
      this.lastKey = key;
      this.lastKeyDay = day;
      this.lastState = s;
    }
    if (this.trackChanges && !s.changed) {
      s.changed = true;
      this.changedList.push({ key, state: s });
    }
    if (s.robot) {
      s.robotVisits++;
      return true;
    }
    const minute = Math.floor(second / 60);
    if (minute !== s.minute) {
      s.minute = minute;
      s.minuteRequests = 0;
      s.minuteCiks?.clear();
    }
    s.minuteRequests++;
    s.dayRequests++;
    let crossed = LIMIT_NONE;
    if (s.minuteRequests > this.minuteRequests) crossed = 0;
    else if (this.useMinuteCiks && s.minuteCiks!.add(cik).size > this.minuteCiks) crossed = 1;
    else if (s.dayRequests > this.dayRequests) crossed = 2;
    else if (this.useDayCiks && s.dayCiks!.add(cik).size > this.dayCiks) crossed = 3;
    if (crossed === LIMIT_NONE) return false;
    this.crossings++;
    s.robot = true;
    s.limit = crossed;
    s.firstRobotSecond = second;
    s.robotVisits = 1;
    // A robot keeps only its flag, first second, limit and robot visits (what encodeIpState writes).
    s.minute = -1;
    s.minuteRequests = 0;
    s.dayRequests = 0;
    s.minuteCiks = null;
    s.dayCiks = null;
    return true;
  }

  /** Is the ip a robot at this point of the day (after the visits given so far)? */
  isRobot(day: number, key: number): boolean {
    return this.days.get(day)?.get(key)?.robot === true;
  }

  /** The state of (day, ip), or undefined when neither seen nor loaded. */
  state(day: number, ip: string): IpState | undefined {
    return this.days.get(day)?.get(ipKey(ip));
  }

  /** Seeds the state of an ip from its encoded form (the stream, from Redis), replacing what was held. */
  load(ip: string, encoded: string): void {
    const key = ipKey(ip);
    if (Number.isNaN(key)) throw new RangeError(`not a logged ip: ${ip}`);
    const s = decodeIpState(encoded);
    // A state encoded under another rule may lack a CIK set this rule needs; start it empty then.
    if (!s.robot) {
      if (this.useMinuteCiks && s.minuteCiks === null) s.minuteCiks = new Set();
      if (!this.useMinuteCiks) s.minuteCiks = null;
      if (this.useDayCiks && s.dayCiks === null) s.dayCiks = new Set();
      if (!this.useDayCiks) s.dayCiks = null;
    }
    this.dayMap(s.day).set(key, s);
    this.lastKey = -1;
  }

  /** The states changed since the last call (needs trackChanges), encoded, and forgets the list. */
  drainChanged(): ChangedIpState[] {
    const out = this.changedList.map(({ key, state }) => {
      state.changed = false;
      return { day: state.day, ip: ipOfKey(key), encoded: encodeIpState(state) };
    });
    this.changedList = [];
    return out;
  }

  /** The robot ips of a day (day number), most robot visits first, ties by ip. */
  robots(day: number): RobotIp[] {
    const out: RobotIp[] = [];
    for (const [key, s] of this.days.get(day)?.entries() ?? []) {
      if (s.robot) out.push({ ip: ipOfKey(key), visits: s.robotVisits, firstRobotSecond: s.firstRobotSecond, limit: ROBOT_LIMITS[s.limit] });
    }
    return out.sort((a, b) => b.visits - a.visits || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  }

  /** Robot ips and robot visits of a day. */
  daySummary(day: number): { robotIps: number; robotVisits: number; ips: number } {
    let robotIps = 0;
    let robotVisits = 0;
    let ips = 0;
    for (const [, s] of this.days.get(day)?.entries() ?? []) {
      ips++;
      if (s.robot) {
        robotIps++;
        robotVisits += s.robotVisits;
      }
    }
    return { robotIps, robotVisits, ips };
  }

  /** Drops the state of the days before `day` (memory stays bounded in a long-running stream). */
  forgetDaysBefore(day: number): void {
    for (const d of this.days.keys()) if (d < day) this.days.delete(d);
    this.lastKey = -1;
    if (this.lastDay < day) {
      this.lastDay = NaN;
      this.lastMap = null;
    }
  }

  private fresh(day: number): IpState {
    const s = new IpState(day);
    if (this.useMinuteCiks) s.minuteCiks = new Set();
    if (this.useDayCiks) s.dayCiks = new Set();
    return s;
  }

  private dayMap(day: number): IpTable {
    if (day === this.lastDay && this.lastMap !== null) return this.lastMap;
    let m = this.days.get(day);
    if (m === undefined) {
      m = new IpTable();
      this.days.set(day, m);
    }
    this.lastDay = day;
    this.lastMap = m;
    return m;
  }
}

/**
 * The robot IPs among encoded states (ip → encodeIpState text, e.g. a day of the stream's Redis state),
 * most robot visits first, ties by ip. Text that is not an encoded state is counted in `unreadable`.
 */
export function robotsOfStates(states: Iterable<[string, string]>): { robots: RobotIp[]; ips: number; unreadable: number } {
  const robots: RobotIp[] = [];
  let ips = 0;
  let unreadable = 0;
  for (const [ip, encoded] of states) {
    let s: IpState;
    try {
      s = decodeIpState(encoded);
    } catch {
      unreadable++;
      continue;
    }
    ips++;
    if (s.robot) robots.push({ ip, visits: s.robotVisits, firstRobotSecond: s.firstRobotSecond, limit: ROBOT_LIMITS[s.limit] });
  }
  robots.sort((a, b) => b.visits - a.visits || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  return { robots, ips, unreadable };
}
