/**
 * Visits per second of one day (DESIGN §2): the zero-filled vector of 86,400 counts that batch stores per
 * day and filter, and from which the percentile bands are computed.
 *
 * One file is one day: its *file date* (the YYYYMMDD in its name, visit.ts). Each visit of the file is
 * either
 *
 *   counted      its event time falls on the file date and the filter keeps it: counts[second of day] += 1;
 *   filtered     its event time falls on the file date and the filter drops it (--filter, filter.ts);
 *   other-day    its event time (the row's own `date`) is another day than the file's.
 *
 * Why other-day rows are not counted under their own day: a day's counts are replaced atomically as one
 * unit, from one file. Counting a stray row of file A under day B would make B's counts depend on which
 * files were loaded and in what order, and re-loading B from its own file would silently drop it again.
 * Real SEC files hold a single date, so such rows signal a damaged or mislabelled file: they are kept out
 * of the counts but never dropped silently — counted per date, the first few kept as samples (line and
 * date), stored with the day and reported. `filtered` is counted after the day check, so
 * counted + filtered + otherDay = the file's visits (valid rows).
 *
 * Pure and synchronous: feed it the batches of one file (readSource) in any grouping.
 */
import { SECONDS_PER_DAY, dayStart, formatDay, type VisitBatch } from './visit.js';
import type { FilterPass, VisitFilter } from './filter.js';
import { RobotClassifier, ipKeyAt } from './robots.js';
import { CikTally } from './cik-tally.js';

/** A visit of another day than its file's, kept as an example for the report. */
export interface OtherDaySample {
  /** Line number in the file. */
  line: number;
  /** The row's own day, YYYY-MM-DD. */
  date: string;
}

/** What a day's counting found besides the counts (stored with the day, printed by batch). */
export interface DayCountSummary {
  /** The file date the counts are for. */
  day: string;
  /** Filter name (filter.ts): "all", "crawlers", … */
  filter: string;
  /** Visits counted: the sum of the 86,400 counts. */
  visits: number;
  /** Visits of the day dropped by the filter. */
  filtered: number;
  /** Visits whose event time is not on the file date (not counted; see the header comment). */
  otherDay: number;
  /** otherDay by the rows' own day, YYYY-MM-DD → visits. */
  otherDays: Record<string, number>;
  otherDaySamples: OtherDaySample[];
  /** Seconds of the day with at least one counted visit. */
  busySeconds: number;
  /** The busiest second: its index and count (second 0 with 0 visits for an empty day). */
  peakSecond: number;
  peakVisits: number;
}

export interface DayCounterOptions {
  /** Other-day samples kept (default 10). */
  maxSamples?: number;
  /** Robots day mode: a classifier already fed the whole day (filter.needsDayPass; see RobotsDayPass). */
  dayRobots?: RobotClassifier;
}

export class DayCounter {
  /** Zero-filled visits per second of day: counts[s] for s = 0 … 86,399. */
  readonly counts = new Int32Array(SECONDS_PER_DAY);
  /** Visits per CIK of the counted visits (day_cik_counts: the per-company history of findoc alerts). */
  readonly ciks = new CikTally();
  readonly day: string;
  readonly filter: VisitFilter;
  /** The filter applied in file order to this day's visits (its robots state lives here). */
  readonly pass: FilterPass;
  private readonly start: number;
  private readonly maxSamples: number;
  private filtered = 0;
  private otherDay = 0;
  private readonly otherDays = new Map<string, number>();
  private readonly samples: OtherDaySample[] = [];

  constructor(day: string, filter: VisitFilter, options: DayCounterOptions = {}) {
    const start = dayStart(day);
    if (Number.isNaN(start)) throw new RangeError(`not a day: ${day}`);
    this.day = day;
    this.filter = filter;
    this.pass = filter.start(options.dayRobots);
    this.start = start;
    this.maxSamples = Math.max(0, options.maxSamples ?? 10);
  }

  /** Counts the visits of one batch. */
  add(batch: VisitBatch): void {
    const counts = this.counts;
    const ciks = this.ciks;
    const { second, cik } = batch;
    const start = this.start;
    const n = batch.length;
    // Two loops rather than one with a branch on the filter: the common "all" filter then runs the
    // tightest loop the parser's rate allows (bench/batch.ts).
    if (this.filter.rules.length === 0) {
      for (let i = 0; i < n; i++) {
        const s = second[i] - start;
        if (s >= 0 && s < SECONDS_PER_DAY) {
          counts[s]++;
          ciks.add(cik[i]);
        } else this.addOtherDay(batch, i);
      }
    } else if (this.pass.classifier !== null) {
      this.addRobots(batch, this.pass.classifier);
    } else {
      const keep = this.pass.keep;
      for (let i = 0; i < n; i++) {
        const s = second[i] - start;
        if (!(s >= 0 && s < SECONDS_PER_DAY)) this.addOtherDay(batch, i);
        else if (keep(batch, i)) {
          counts[s]++;
          ciks.add(cik[i]);
        } else this.filtered++;
      }
    }
  }

  /**
   * The causal robots loop, with the classifier and the stateless rules inlined (the same decisions as
   * pass.keep: the classifier sees every visit of the day first), for speed: 17.5 M rows a day.
   */
  private addRobots(batch: VisitBatch, classifier: RobotClassifier): void {
    const counts = this.counts;
    const { second, cik, crawler, code } = batch;
    const start = this.start;
    const dropCrawlers = this.filter.rules.includes('crawlers');
    const dropErrors = this.filter.rules.includes('errors');
    for (let i = 0, n = batch.length; i < n; i++) {
      const s = second[i] - start;
      if (!(s >= 0 && s < SECONDS_PER_DAY)) this.addOtherDay(batch, i);
      else if (classifier.visitKey(ipKeyAt(batch, i), second[i], cik[i]) || (dropCrawlers && crawler[i] === 1) || (dropErrors && code[i] >= 400)) this.filtered++;
      else {
        counts[s]++;
        this.ciks.add(cik[i]);
      }
    }
  }

  private addOtherDay(batch: VisitBatch, i: number): void {
    this.otherDay++;
    const date = formatDay(batch.second[i]);
    this.otherDays.set(date, (this.otherDays.get(date) ?? 0) + 1);
    if (this.samples.length < this.maxSamples) this.samples.push({ line: batch.lineNumber[i], date });
  }

  summary(): DayCountSummary {
    const counts = this.counts;
    let visits = 0;
    let busy = 0;
    let peakSecond = 0;
    for (let s = 0; s < SECONDS_PER_DAY; s++) {
      const c = counts[s];
      visits += c;
      if (c > 0) busy++;
      if (c > counts[peakSecond]) peakSecond = s;
    }
    return {
      day: this.day,
      filter: this.filter.name,
      visits,
      filtered: this.filtered,
      otherDay: this.otherDay,
      otherDays: Object.fromEntries([...this.otherDays].sort(([a], [b]) => (a < b ? -1 : 1))),
      otherDaySamples: this.samples.map((s) => ({ ...s })),
      busySeconds: busy,
      peakSecond,
      peakVisits: counts[peakSecond],
    };
  }
}

/**
 * The first pass of robots day mode (filter.needsDayPass): feeds the day's visits, in file order, to a
 * causal classifier, so that the counting pass knows every IP that is a robot at any moment of the day.
 * Other-day visits are left out, as the counting pass leaves them out. Memory: the classifier's per-IP
 * state of the day (robots.ts), not the visits: the file is read twice instead.
 */
export class RobotsDayPass {
  readonly classifier: RobotClassifier;
  private readonly start: number;

  constructor(day: string, filter: VisitFilter) {
    const start = dayStart(day);
    if (Number.isNaN(start)) throw new RangeError(`not a day: ${day}`);
    if (!filter.robots) throw new Error(`filter ${filter.name} has no robots rule`);
    this.start = start;
    this.classifier = new RobotClassifier(filter.robots.rule);
  }

  add(batch: VisitBatch): void {
    const second = batch.second;
    const c = this.classifier;
    for (let i = 0; i < batch.length; i++) {
      const s = second[i] - this.start;
      if (s >= 0 && s < SECONDS_PER_DAY) c.visitAt(batch, i);
    }
  }
}
