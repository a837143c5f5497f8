/**
 * The statistics the calibration is made of, computed the same way on real samples and on generated days:
 * test/core/synthetic.test.ts runs it over ../shared's real files (to check calibration.ts) and over
 * generated days (to check the generator reproduces them). Slow and simple on purpose — strings and maps,
 * for a few hundred thousand rows; it is not on any hot path.
 */
import { RobotClassifier, parseRobotRule } from '../core/robots.js';
import type { DocClass } from './calibration.js';

/** The document class of an `extention` value (calibration.ts DOC_CLASSES). */
export function docClassOf(ext: string): DocClass {
  if (ext === '-index.htm') return 'index_htm';
  if (ext === '-index.html') return 'index_html';
  if (ext === '.txt') return 'txt';
  if (ext === 'primary_doc.xml') return 'primary_doc';
  if (ext === '.hdr.sgml') return 'hdr_sgml';
  if (ext.endsWith('.xml')) return 'xml_named';
  if (ext.endsWith('.htm') || ext.endsWith('.html')) return 'htm_named';
  if (ext.endsWith('.txt')) return 'txt_named';
  return 'other';
}

function bump<K>(m: Map<K, number>, k: K, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

/** Accumulates rows of one day (columns in the SEC's header order) and derives the calibration figures. */
export class LogStats {
  rows = 0;
  /** Rows whose cik is not a plain number (e.g. 1.21e+24): counted, left out of everything else. */
  badCik = 0;
  readonly perSecond = new Int32Array(86_400);
  readonly cik = new Map<string, number>();
  readonly ip = new Map<string, number>();
  readonly accession = new Map<string, number>();
  readonly status = new Map<number, number>();
  readonly classes = new Map<DocClass, number>();
  readonly find = new Map<number, number>();
  readonly emptySizeByStatus = new Map<number, number>();
  readonly sizes200 = new Map<DocClass, number[]>();
  idx = 0;
  crawler = 0;
  noagent = 0;
  /** Rows per (second, ip) pair, and pairs whose consecutive rows repeat the cik. */
  private lastPair = '';
  private lastCik = '';
  pairs = 0;
  consecutiveInPair = 0;
  sameCikInPair = 0;
  /** Every row's ip, second of day and cik, in file order (for robotShare). */
  private readonly visits: (string | number)[] = [];

  /** Adds every row of a CSV text (header line skipped; CRLF accepted). */
  addCsv(text: string): void {
    let start = 0;
    let first = true;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      let line = text.slice(start, end);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      start = end + 1;
      if (first) {
        first = false;
        if (line.startsWith('ip,')) continue;
      }
      if (line.length > 0) this.add(line.split(','));
    }
  }

  add(f: string[]): void {
    const [ip, , time, , cik, accession, ext, code, size, idx, , noagent, find, crawler] = f;
    if (!/^\d+(\.0)?$/.test(cik)) {
      this.badCik++;
      return;
    }
    this.rows++;
    const second = Number(time.slice(0, 2)) * 3600 + Number(time.slice(3, 5)) * 60 + Number(time.slice(6, 8));
    this.perSecond[second]++;
    this.visits.push(ip, second, Number(cik));
    bump(this.cik, cik);
    bump(this.ip, ip);
    bump(this.accession, accession);
    const status = Number(code);
    bump(this.status, status);
    const cls = docClassOf(ext);
    bump(this.classes, cls);
    bump(this.find, Number(find));
    if (size === '') bump(this.emptySizeByStatus, status);
    else if (status === 200) {
      let a = this.sizes200.get(cls);
      if (!a) this.sizes200.set(cls, (a = []));
      a.push(Number(size));
    }
    if (idx === '1.0') this.idx++;
    if (crawler === '1.0') this.crawler++;
    if (noagent === '1.0') this.noagent++;
    const pair = time + ip;
    if (pair === this.lastPair) {
      this.consecutiveInPair++;
      if (cik === this.lastCik) this.sameCikInPair++;
    } else this.pairs++;
    this.lastPair = pair;
    this.lastCik = cik;
  }

  /**
   * Share of the rows that the robots filter (src/core/robots.ts, causal mode) classifies as robot visits
   * under RULE (a preset or a spec), the rows taken in file order.
   */
  robotShare(rule: string): number {
    const classifier = new RobotClassifier(parseRobotRule(rule));
    const v = this.visits;
    let robots = 0;
    for (let i = 0; i < v.length; i += 3) if (classifier.visit(v[i] as string, v[i + 1] as number, v[i + 2] as number)) robots++;
    return robots / this.rows;
  }

  /** Share of rows in each UTC hour. */
  hourShares(): number[] {
    const h = new Array<number>(24).fill(0);
    for (let s = 0; s < 86_400; s++) h[Math.floor(s / 3600)] += this.perSecond[s];
    return h.map((x) => x / this.rows);
  }

  /** Share of rows of the k most frequent keys. */
  static topShare(m: Map<string, number>, k: number, rows: number): number {
    const v = [...m.values()].sort((a, b) => b - a);
    let s = 0;
    for (let i = 0; i < Math.min(k, v.length); i++) s += v[i];
    return s / rows;
  }

  topCikShare(k: number): number {
    return LogStats.topShare(this.cik, k, this.rows);
  }

  topIpShare(k: number): number {
    return LogStats.topShare(this.ip, k, this.rows);
  }

  statusShare(code: number): number {
    return (this.status.get(code) ?? 0) / this.rows;
  }

  classShare(cls: DocClass): number {
    return (this.classes.get(cls) ?? 0) / this.rows;
  }

  /** Share of the day's 86,400 seconds with no row. */
  zeroSecondShare(): number {
    let z = 0;
    for (let s = 0; s < 86_400; s++) if (this.perSecond[s] === 0) z++;
    return z / 86_400;
  }

  /** Variance / mean of the per-second counts over seconds [from, to]. */
  dispersion(from: number, to: number): { mean: number; varOverMean: number } {
    return dispersionOf(this.perSecond, from, to);
  }

  /** Median status-200 size of a class. */
  median200(cls: DocClass): number {
    const a = [...(this.sizes200.get(cls) ?? [])].sort((x, y) => x - y);
    return a.length ? a[Math.floor((a.length - 1) / 2)] : NaN;
  }

  /** Mean rows per (second, ip) pair, and the share of consecutive rows of a pair that repeat the cik. */
  bursts(): { rowsPerPair: number; sameCik: number } {
    return { rowsPerPair: this.rows / this.pairs, sameCik: this.sameCikInPair / this.consecutiveInPair };
  }

  /** Relative excess of each minute of the hour over the hour's mean, averaged over hours (mean 0). */
  minuteOfHourProfile(): number[] {
    const sums = new Array<number>(60).fill(0);
    let hours = 0;
    for (let h = 0; h < 24; h++) {
      const minutes = new Array<number>(60).fill(0);
      for (let s = h * 3600; s < (h + 1) * 3600; s++) minutes[Math.floor((s % 3600) / 60)] += this.perSecond[s];
      const mean = minutes.reduce((a, b) => a + b, 0) / 60;
      if (mean === 0) continue;
      hours++;
      for (let m = 0; m < 60; m++) sums[m] += minutes[m] / mean - 1;
    }
    return sums.map((x) => x / Math.max(1, hours));
  }
}

export function dispersionOf(counts: ArrayLike<number>, from: number, to: number): { mean: number; varOverMean: number } {
  let n = 0;
  let s1 = 0;
  let s2 = 0;
  for (let s = from; s <= to; s++) {
    n++;
    s1 += counts[s];
    s2 += counts[s] * counts[s];
  }
  const mean = s1 / n;
  const variance = s2 / n - mean * mean;
  return { mean, varOverMean: mean > 0 ? variance / mean : NaN };
}

/** Pearson correlation. */
export function correlation(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}
