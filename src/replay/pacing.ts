/**
 * Replay pacing: when each visit may be sent, and the event time it is re-stamped with (DESIGN §3.2).
 * Pure: the clock is a parameter (Clock below), so an hour of pacing is unit-tested in milliseconds.
 *
 * Modes
 * -----
 *   speed N  The original gaps divided by N. The first visit is re-stamped with the instant the replay
 *            starts, and every later one with
 *                stamp = start + (original − first original) · 1000 / N   (ms)
 *            so at N = 1 its second is the start's wall-clock second + (original − first original). A visit
 *            is due at its own stamp, so what a consumer reads "happens now"; visits of one original second
 *            share a stamp and leave together (bursts within a second are kept). The record timestamp is the
 *            stamp in ms; the `date`/`time` fields carry its whole second (floor). (Anchoring on the start
 *            of the current second instead would make the first second's fraction × N original seconds
 *            due in the past, dumped at once: at --speed 60, up to a minute of traffic in one burst.)
 *   rate N   Visit k (0-based, counted over the whole run) is due at start + k · 1000 / N; its stamp is the
 *            wall clock when it is scheduled, i.e. its due time while the broker keeps up, later if not.
 *   max      No waiting; the stamp is the wall clock when the visit is scheduled.
 *
 * No drift: every due time is computed from the start instant, never by adding up sleeps, so oversleeping
 * (timers, GC, a slow broker) delays single sends but never the schedule — after an hour at speed 1 the
 * stamps and the wall clock still agree within the sending latency (test/core/pacing.test.ts).
 *
 * Seams (speed mode only; in the other modes stamps follow the wall clock anyway)
 * ------------------------------------------------------------------------------
 *   Within a file the original gaps are kept. Rows are sorted by time in EDGAR files; a row earlier than
 *   the one before it is stamped like the one before it (time never runs backwards for a consumer).
 *   Next file: its natural gap is kept when it starts at or after the previous file's last visit and on the
 *   same or the next day (consecutive days join seamlessly); otherwise (a missing day, files out of order)
 *   it starts one original second after the last visit, so a gap in the data set never makes replay wait.
 *   Next --loop pass: starts one original second after the last visit of the previous pass, so stamps keep
 *   moving forward across the wrap.
 */

export type Pace = { mode: 'speed'; factor: number } | { mode: 'rate'; perSecond: number } | { mode: 'max' };

/** When one visit may be sent and how it is re-stamped. */
export interface Slot {
  /** Wall-clock ms (Unix epoch) before which the visit is not sent; −Infinity: at once. */
  dueMs: number;
  /** The re-stamped event time, integer ms since the epoch: the record timestamp. */
  stampMs: number;
}

export type Seam = 'file' | 'pass';

const DAY = 86_400;

export class Pacer {
  private readonly anchorMs: number;
  private count = 0;
  private firstOriginal = NaN;
  /** Added to original seconds of the current file/pass to place them on one continuous timeline. */
  private shift = 0;
  private lastOriginal = NaN;
  private lastVirtual = NaN;
  private seam: Seam | null = null;

  /** @param startMs the wall clock (ms) when the replay starts: the anchor of every due time. */
  constructor(
    readonly pace: Pace,
    startMs: number,
  ) {
    if (pace.mode === 'speed' && !(pace.factor > 0 && Number.isFinite(pace.factor))) throw new RangeError('speed must be a positive number');
    if (pace.mode === 'rate' && !(pace.perSecond > 0 && Number.isFinite(pace.perSecond))) throw new RangeError('rate must be a positive number');
    this.anchorMs = Math.floor(startMs);
  }

  /** Declares that the next visit starts a new file or a new --loop pass (see "Seams" above). */
  seamBefore(kind: Seam): void {
    // A pass seam wins over the file seam of the pass's first file.
    if (this.seam !== 'pass') this.seam = kind;
  }

  /**
   * The slot of the next visit, whose original event second is `original`; `nowMs` is the wall clock at
   * scheduling (used by rate and max modes for the stamp).
   */
  next(original: number, nowMs: number): Slot {
    const k = this.count++;
    switch (this.pace.mode) {
      case 'max':
        return { dueMs: -Infinity, stampMs: Math.floor(nowMs) };
      case 'rate': {
        const dueMs = this.anchorMs + (k * 1000) / this.pace.perSecond;
        return { dueMs, stampMs: Math.floor(Math.max(dueMs, nowMs)) };
      }
      case 'speed': {
        const v = this.place(original);
        const stampMs = this.anchorMs + Math.round(((v - this.firstOriginal) * 1000) / this.pace.factor);
        return { dueMs: stampMs, stampMs };
      }
    }
  }

  /** The visit's second on the continuous timeline (original seconds of the first file/pass). */
  private place(original: number): number {
    let v: number;
    if (Number.isNaN(this.firstOriginal)) {
      this.firstOriginal = original;
      v = original;
    } else if (this.seam !== null) {
      const gap = original - this.lastOriginal;
      const keepGap = this.seam === 'file' && gap >= 0 && dayOf(original) <= dayOf(this.lastOriginal) + 1;
      v = keepGap ? this.lastVirtual + gap : this.lastVirtual + 1;
      this.shift = v - original;
    } else {
      v = Math.max(original + this.shift, this.lastVirtual);
    }
    this.seam = null;
    this.lastOriginal = original;
    this.lastVirtual = v;
    return v;
  }
}

function dayOf(second: number): number {
  return Math.floor(second / DAY);
}

/**
 * `--start-at HH:MM:SS`: skips the visits before that time of day on the first day replayed (and again on
 * each --loop pass, which replays the same selection). Later days are replayed whole. Once a visit at or
 * after the time has been seen nothing more is skipped, so a stray out-of-order row cannot split a day.
 */
export class StartAt {
  private threshold = NaN;
  private done = false;

  constructor(readonly secondOfDay: number) {}

  /** A new pass: skip again into its first day. */
  reset(): void {
    this.threshold = NaN;
    this.done = false;
  }

  skip(second: number): boolean {
    if (this.done) return false;
    if (Number.isNaN(this.threshold)) this.threshold = dayOf(second) * DAY + this.secondOfDay;
    if (second < this.threshold) return true;
    this.done = true;
    return false;
  }
}

