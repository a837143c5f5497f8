/**
 * What a visit asks for: a filing (accession number) of a CIK, one file of it (the `extention` field) and
 * the response size — written straight into the output buffer, no string per row.
 *
 * A document is identified by (CIK, filing index j); j = 0 is the CIK's newest filing. Everything about a
 * filing (agent, year, sequence, XBRL stem, size of each file) is a hash of (seed, CIK, j), so repeat
 * visits of one file in a day report the same accession and size, as in the real logs. Only the choice of
 * file within a named class (R2.htm vs R7.htm) is drawn per visit.
 */
import { AliasTable } from './alias.js';
import {
  AGENT_SHARES,
  AGENTS,
  DOC_CLASSES,
  FILINGS_MAX,
  FOCUS_BANDS,
  FOCUS_SHARE,
  NAMES,
  QUANTILE_PROBS,
  SELF_FILED,
  SEQUENCE_QUANTILES,
  SIZE_200,
  SIZE_BY_STATUS,
  YEAR_LAG,
  YEAR_LAG_MEASURED_DAY_OF_YEAR,
  type DocClass,
} from './calibration.js';
import { hash2, labelHash, mix32, rngFor, type Sfc32 } from './prng.js';

export const CLASS_INDEX: Readonly<Record<DocClass, number>> = Object.fromEntries(DOC_CLASSES.map((c, i) => [c, i])) as Record<
  DocClass,
  number
>;

/** Fixed extention text of the unnamed classes (null for named classes). */
const FIXED_EXT: readonly (Buffer | null)[] = DOC_CLASSES.map((c) =>
  c === 'index_htm'
    ? Buffer.from('-index.htm')
    : c === 'index_html'
      ? Buffer.from('-index.html')
      : c === 'txt'
        ? Buffer.from('.txt')
        : c === 'primary_doc'
          ? Buffer.from('primary_doc.xml')
          : c === 'hdr_sgml'
            ? Buffer.from('.hdr.sgml')
            : null,
);

/** `idx` is 1 for the index pages of a filing. */
export const IS_INDEX: readonly boolean[] = DOC_CLASSES.map((c) => c === 'index_htm' || c === 'index_html');

// Name templates, parsed once into literal / placeholder tokens.
const enum Tok {
  Lit,
  Tk,
  Date,
  N,
  N4,
  D6,
  Ex,
  Form,
}
interface Template {
  toks: Tok[];
  lits: (Buffer | null)[];
}
function parseTemplate(t: string): Template {
  const toks: Tok[] = [];
  const lits: (Buffer | null)[] = [];
  const re = /\{(tk|date|n|n4|d6|ex|form)\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  const names: Record<string, Tok> = { tk: Tok.Tk, date: Tok.Date, n: Tok.N, n4: Tok.N4, d6: Tok.D6, ex: Tok.Ex, form: Tok.Form };
  while ((m = re.exec(t))) {
    if (m.index > last) {
      toks.push(Tok.Lit);
      lits.push(Buffer.from(t.slice(last, m.index)));
    }
    toks.push(names[m[1]]);
    lits.push(null);
    last = m.index + m[0].length;
  }
  if (last < t.length) {
    toks.push(Tok.Lit);
    lits.push(Buffer.from(t.slice(last)));
  }
  return { toks, lits };
}

interface NamedClass {
  templates: Template[];
  table: AliasTable;
}
const NAMED: (NamedClass | null)[] = DOC_CLASSES.map((c) => {
  if (c !== 'xml_named' && c !== 'htm_named' && c !== 'txt_named' && c !== 'other') return null;
  const list = NAMES[c];
  return { templates: list.map(([t]) => parseTemplate(t)), table: new AliasTable(list.map(([, w]) => w)) };
});

const EXHIBITS = ['991', '101', '231', '311', '312', '321', '322', '211', '992', '41', '102', '51'].map((s) => Buffer.from(s));
const FORMS = ['10k', '10q', '8k', '425', '497', 's1', 'def14a', '20f'].map((s) => Buffer.from(s));
const QUARTER_ENDS = ['0331', '0630', '0930', '1231'].map((s) => Buffer.from(s));

/**
 * A value table for quantile interpolation: 1,025 points of the log-linear inverse CDF, linearly
 * interpolated between (8 KiB a table: the nine size tables stay in the CPU cache).
 */
const QT_POINTS = 1024;
export function quantileTable(q: readonly number[]): Float64Array {
  const t = new Float64Array(QT_POINTS + 1);
  let k = 0;
  for (let i = 0; i <= QT_POINTS; i++) {
    const u = i / QT_POINTS;
    while (k < QUANTILE_PROBS.length - 2 && u > QUANTILE_PROBS[k + 1]) k++;
    const p0 = QUANTILE_PROBS[k];
    const p1 = QUANTILE_PROBS[k + 1];
    const f = p1 > p0 ? (u - p0) / (p1 - p0) : 0;
    const a = Math.log(q[k] + 1);
    const b = Math.log(q[k + 1] + 1);
    t[i] = Math.exp(a + (b - a) * Math.min(1, Math.max(0, f))) - 1;
  }
  return t;
}
function fromTable(t: Float64Array, u: number): number {
  const x = u * QT_POINTS;
  const i = Math.floor(x);
  return Math.round(t[i] + (t[i + 1] - t[i]) * (x - i));
}

const SIZE_200_TABLES = DOC_CLASSES.map((c) => quantileTable(SIZE_200[c]));
const SIZE_STATUS_TABLES = new Map<number, Float64Array>(Object.entries(SIZE_BY_STATUS).map(([k, q]) => [Number(k), quantileTable(q)]));
const SEQ_TABLE = quantileTable(SEQUENCE_QUANTILES);

const CACHE_BITS = 13;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
const [FOCUS_RANK_0, FOCUS_P_0] = FOCUS_BANDS[0];
const [FOCUS_RANK_1, FOCUS_P_1] = FOCUS_BANDS[1];
const [FOCUS_RANK_2, FOCUS_P_2] = FOCUS_BANDS[2];
const FOCUS_P_3 = FOCUS_BANDS[3][1];

/** Per-seed, per-day document state: agents, year mix, salts. */
export class Documents {
  private readonly salt: number;
  private readonly daySalt: number;
  private readonly agents: Int32Array;
  private readonly agentTable: AliasTable;
  /** Each agent's CIK as 10 zero-padded digits. */
  private readonly agentBytes: Uint8Array;
  private readonly lagTable: AliasTable;
  private readonly year: number;
  private readonly filingsSalt: number;
  private readonly tickerSalt: number;
  /** Set by writeExtention: identifies the file within the filing, for its size. */
  private fileKey = 0;
  /** Year (2 digits) of the accession last written. */
  private yy = 0;
  private readonly cacheCik = new Float64Array(1 << CACHE_BITS).fill(-1);
  private readonly cacheJ = new Int32Array(1 << CACHE_BITS);
  private readonly cacheYy = new Int32Array(1 << CACHE_BITS);
  private readonly cacheBytes = new Uint8Array(20 << CACHE_BITS);

  constructor(seed: number, dayKey: number, year: number, dayOfYear: number) {
    this.salt = hash2(seed >>> 0, labelHash('documents'));
    this.daySalt = hash2(this.salt, dayKey);
    this.filingsSalt = hash2(this.salt, 0x51ed27);
    this.tickerSalt = hash2(this.salt, 0x746b);
    this.year = year;
    const rng = rngFor(seed, labelHash('agents'));
    // Filing agents: AGENTS synthetic agent CIKs, the measured shares for the top 10, a flat-ish tail.
    this.agents = new Int32Array(AGENTS);
    for (let i = 0; i < AGENTS; i++) this.agents[i] = 1_000_000 + rng.int(700_000);
    const top = AGENT_SHARES.reduce((a, b) => a + b, 0);
    const w = Array.from({ length: AGENTS }, (_, i) => (i < AGENT_SHARES.length ? AGENT_SHARES[i] : ((1 - top) * (1 / (i - 5))) / tailNorm()));
    this.agentTable = new AliasTable(w);
    this.agentBytes = new Uint8Array(AGENTS * 10);
    for (let i = 0; i < AGENTS; i++) writeZeroPadded(this.agentBytes, i * 10, this.agents[i], 10);
    // Filing years: the measured lag mix, the current year scaled by the share of the year gone.
    const lag = [...YEAR_LAG];
    lag[0] *= Math.min(1.5, dayOfYear / YEAR_LAG_MEASURED_DAY_OF_YEAR);
    const maxLag = Math.max(0, year - 1993);
    this.lagTable = new AliasTable(lag.map((v, i) => (i <= maxLag ? v : 0)).map((v, i) => (i === 0 ? Math.max(v, 1e-6) : v)));
  }

  /** Which filing of `cik` a visit asks for; `rank` is the CIK's rank today (focus depends on it). */
  pickFiling(cik: number, rank: number, rng: Sfc32): number {
    const focus = rank < FOCUS_RANK_0 ? FOCUS_P_0 : rank < FOCUS_RANK_1 ? FOCUS_P_1 : rank < FOCUS_RANK_2 ? FOCUS_P_2 : FOCUS_P_3;
    if (mix32(this.daySalt ^ cik) / 4294967296 < focus && rng.float() < FOCUS_SHARE) return 0;
    const filings = 2 + (mix32(this.filingsSalt ^ cik) % (FILINGS_MAX - 1));
    const u = rng.float();
    return Math.floor(filings * u * u * u);
  }

  /** The hash that fixes everything about filing j of cik. */
  docHash(cik: number, j: number): number {
    // CIKs can exceed 2^32 (hot bursts accept 10 digits): fold the high part in.
    const lo = cik >>> 0;
    const hi = cik > 0xffffffff ? Math.floor(cik / 4294967296) : 0;
    return mix32((mix32(lo ^ this.salt) ^ Math.imul(hi + 1, 0x85ebca6b)) + Math.imul(j + 1, 0x9e3779b1));
  }

  /**
   * Writes `AAAAAAAAAA-YY-NNNNNN` for the filing with hash h (docHash(cik, j)); returns the new position.
   * A small direct-mapped cache keeps recent filings' bytes: the busiest filings recur constantly. Only
   * `cacheable` filings (of head CIKs) enter it; the long tail is mostly seen once and would evict them.
   */
  writeAccession(buf: Buffer, p: number, cik: number, j: number, h: number, cacheable: boolean): number {
    const slot = h & CACHE_MASK;
    const at = slot * 20;
    const cache = this.cacheBytes;
    if (cacheable && this.cacheCik[slot] === cik && this.cacheJ[slot] === j) {
      for (let i = 0; i < 20; i++) buf[p + i] = cache[at + i]; // a 20-byte loop beats a native copy call
      this.yy = this.cacheYy[slot];
      return p + 20;
    }
    const h1 = mix32(h ^ 0x1b873593);
    const h2 = mix32(h ^ 0xcc9e2d51);
    const h3 = mix32(h ^ 0xe6546b64);
    const self = (h1 >>> 24) / 256 < SELF_FILED;
    const lag = this.lagTable.pickFrom((h2 & 0xffff) / 65536, (h2 >>> 16) / 65536);
    let year = this.year - lag;
    if (year < 1993) year = 1993;
    const yy = year % 100;
    const seq = fromTable(SEQ_TABLE, h3 / 4294967296);
    const start = p;
    if (self) p = writeZeroPadded(buf, p, cik, 10);
    else {
      const a = this.agentTable.pickFrom((h1 & 0xffff) / 65536, ((h1 >>> 16) & 0xff) / 256) * 10;
      const ab = this.agentBytes;
      for (let i = 0; i < 10; i++) buf[p + i] = ab[a + i];
      p += 10;
    }
    buf[p++] = 45;
    p = writeZeroPadded(buf, p, yy, 2);
    buf[p++] = 45;
    p = writeZeroPadded(buf, p, seq, 6);
    this.yy = yy;
    if (!cacheable) return p;
    for (let i = 0; i < 20; i++) cache[at + i] = buf[start + i];
    this.cacheCik[slot] = cik;
    this.cacheJ[slot] = j;
    this.cacheYy[slot] = yy;
    return p;
  }

  /**
   * Writes the `extention` field for a file of class `cls` of the filing with hash h (call after
   * writeAccession for the same filing: names use its year).
   */
  writeExtention(buf: Buffer, p: number, cls: number, cik: number, h: number, rng: Sfc32): number {
    const fixed = FIXED_EXT[cls];
    if (fixed !== null) {
      this.fileKey = cls;
      for (let i = 0; i < fixed.length; i++) buf[p++] = fixed[i];
      return p;
    }
    const named = NAMED[cls] as NamedClass;
    const v = named.table.drawFast(rng);
    const tpl = named.templates[v];
    h = mix32(h ^ 0x6e616d65);
    let n = 0;
    for (let t = 0; t < tpl.toks.length; t++) {
      switch (tpl.toks[t]) {
        case Tok.Lit: {
          const lit = tpl.lits[t] as Buffer;
          for (let i = 0; i < lit.length; i++) buf[p++] = lit[i];
          break;
        }
        case Tok.Tk: {
          const th = mix32(this.tickerSalt ^ cik);
          const len = 2 + (th % 3);
          for (let i = 0; i < len; i++) buf[p++] = 97 + (((th >>> (4 + 5 * i)) & 31) % 26);
          break;
        }
        case Tok.Date: {
          const yy = this.yy < 93 ? 2000 + this.yy : 1900 + this.yy;
          p = writeZeroPadded(buf, p, yy, 4);
          const q = QUARTER_ENDS[(h >>> 3) & 3];
          for (let i = 0; i < 4; i++) buf[p++] = q[i];
          break;
        }
        case Tok.N: {
          const u = rng.float();
          n = 1 + Math.floor(60 * u * u);
          p = writeUint(buf, p, n);
          break;
        }
        case Tok.N4:
          n = 1 + rng.int(12);
          p = writeZeroPadded(buf, p, n, 4);
          break;
        case Tok.D6:
          p = writeZeroPadded(buf, p, (h >>> 8) % 1_000_000, 6);
          break;
        case Tok.Ex: {
          n = rng.int(EXHIBITS.length);
          const e = EXHIBITS[n];
          for (let i = 0; i < e.length; i++) buf[p++] = e[i];
          break;
        }
        case Tok.Form: {
          const f = FORMS[h % FORMS.length];
          for (let i = 0; i < f.length; i++) buf[p++] = f[i];
          break;
        }
      }
    }
    this.fileKey = 16 + v * 128 + n;
    return p;
  }

  /** Size of a 200 response for the file last written by writeExtention (fixed per file). */
  size200(cls: number, h: number): number {
    return fromTable(SIZE_200_TABLES[cls], mix32(h ^ Math.imul(this.fileKey + 1, 0x27d4eb2f)) / 4294967296);
  }

  /** Size of a response with another status (drawn per visit); -1 = empty field (304). */
  sizeForStatus(code: number, rng: Sfc32): number {
    const t = SIZE_STATUS_TABLES.get(code);
    if (t === undefined) return -1;
    return fromTable(t, rng.float());
  }
}


let tailNormCache = 0;
function tailNorm(): number {
  if (tailNormCache === 0) for (let i = AGENT_SHARES.length; i < AGENTS; i++) tailNormCache += 1 / (i - 5);
  return tailNormCache;
}

/** "00" … "99": numbers are written two digits per division. */
const PAIRS = (() => {
  const t = new Uint8Array(200);
  for (let i = 0; i < 100; i++) {
    t[2 * i] = 48 + ((i / 10) | 0);
    t[2 * i + 1] = 48 + (i % 10);
  }
  return t;
})();

/** Writes n ≥ 0 (an integer) in decimal; returns the new position. */
export function writeUint(buf: Uint8Array, p: number, n: number): number {
  if (n > 0x7fffffff) {
    // Beyond int32 (10-digit CIKs): split so the digit loops stay in integer arithmetic.
    const hi = Math.floor(n / 1e9);
    p = writeUint(buf, p, hi);
    return writeZeroPadded(buf, p, n - hi * 1e9, 9);
  }
  if (n < 10) {
    buf[p] = 48 + n;
    return p + 1;
  }
  const digits = n < 100 ? 2 : n < 1000 ? 3 : n < 10000 ? 4 : n < 100000 ? 5 : n < 1000000 ? 6 : n < 10000000 ? 7 : n < 100000000 ? 8 : n < 1000000000 ? 9 : 10;
  return writeDigits(buf, p, n, digits);
}

/** Writes n (an integer, n < 10^width) in exactly `width` digits, zero-padded. */
export function writeZeroPadded(buf: Uint8Array, p: number, n: number, width: number): number {
  if (n > 0x7fffffff) {
    const lo = n % 1e9;
    writeZeroPadded(buf, p, (n - lo) / 1e9, width - 9);
    return writeZeroPadded(buf, p + width - 9, lo, 9);
  }
  return writeDigits(buf, p, n, width);
}

/** The last `width` digits of int32 n, right-aligned in buf[p … p+width). */
function writeDigits(buf: Uint8Array, p: number, n: number, width: number): number {
  let q = p + width;
  while (q - p >= 2) {
    const m = (n / 100) | 0;
    const r = 2 * (n - m * 100);
    buf[--q] = PAIRS[r + 1];
    buf[--q] = PAIRS[r];
    n = m;
  }
  if (q > p) buf[--q] = 48 + (n % 10);
  return p + width;
}
