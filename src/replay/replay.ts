/**
 * Replay (DESIGN §3.2): historical EDGAR logs into Kafka, paced. This file is the loop — read visits in
 * event-time order, skip (--start-at), schedule (pacing.ts), re-stamp, hand each record to a sink, stop at
 * the end, at --limit or on a signal — and the record format. The sink (adapters/kafka/producer.ts)
 * does the Kafka side; run.ts opens and closes the services; the command (commands/replay.ts) only
 * turns flags into options and prints.
 *
 * Record format (the contract stream relies on)
 * ----------------------------------------------
 *   key        the visit's ip, as logged (e.g. 101.81.133.jja)
 *   value      the row, without header or line end, in the SEC's column order (EDGAR_HEADER: a consumer
 *              parses it by prefixing that header), with `date` and `time` replaced by the re-stamped
 *              event second (UTC). A file whose header orders columns differently has its fields put in
 *              the SEC's order; columns beyond the 15 are dropped. Every other byte is the file's.
 *   timestamp  the re-stamped event time in ms (CreateTime); floor(timestamp / 1000) is the second in
 *              `date`/`time`. With --speed N > 1 it keeps the sub-second position of the scaled gaps.
 *   One record per visit; rejected rows are never sent (counted per reason, samples kept).
 *
 * Backpressure: visits are pulled from readVisits (bounded reads) only as fast as the sink takes them; the
 * sink holds at most one request in flight and one being filled. Memory does not grow with the input.
 */
import { readVisits, type ReadVisitsOptions } from '../core/log-input.js';
import { Pacer, StartAt, type Pace } from './pacing.js';
import { systemClock, type Clock } from '../core/clock.js';
import { RejectLog } from '../core/rejects.js';
import { EDGAR_COLUMNS, formatDay, formatTime, type ColumnLayout, type VisitBatch } from '../core/visit.js';

/** Where records go: implemented by adapters/kafka/producer.ts (KafkaVisitProducer). */
export interface RecordSink {
  /**
   * Queues one record (key = key[ks, ke), value = value[vs, ve), copied). false: full, nothing queued —
   * await send() and add it again.
   */
  add(key: Uint8Array, ks: number, ke: number, value: Uint8Array, vs: number, ve: number, timestampMs: number): boolean;
  /** Sends what is queued once the previous request is acknowledged; does not wait for this one. */
  send(): Promise<void>;
  /** Sends what is queued and waits for every acknowledgement. */
  flush(): Promise<void>;
  /** Records acknowledged so far. */
  readonly acked: number;
}

export interface ReplayOptions extends Pick<ReadVisitsOptions, 'from' | 'to' | 'store' | 'strict' | 'maxSamples' | 'onSources'> {
  pace: Pace;
  /** Start again at the end, forever (until --limit or a signal). */
  loop?: boolean;
  /** Stop after this many visits. */
  limit?: number;
  /**
   * Send the original event times (replay --keep-time): value and timestamp keep the row's own date and
   * time; the pace only decides when each visit is sent. For backfilling a past day into the live state.
   */
  keepTime?: boolean;
  /** --start-at, as a second of day (pacing.ts StartAt). */
  startAt?: number;
  /** Aborting it stops replay cleanly: what was queued is flushed and counted. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Called after each batch of input and before each wait. */
  onProgress?: (p: ReplayProgress) => void;
}

export interface ReplayProgress {
  /** Visits handed to the sink. */
  queued: number;
  /** Visits the broker acknowledged. */
  sent: number;
  elapsedMs: number;
  pass: number;
  /** Original event second of the latest visit (NaN before the first). */
  original: number;
  /** Its re-stamped time, ms. */
  stampMs: number;
}

export type StopReason = 'end' | 'limit' | 'signal';

export interface ReplaySummary {
  /** Visits acknowledged by the broker: exactly the records this run added to the topic. */
  visitsSent: number;
  /** Files read (a file read on each of 3 passes counts 3). */
  files: number;
  passes: number;
  /** Visits skipped by --start-at. */
  skipped: number;
  /** Rejected rows (never sent), per reason, over the files read to their end (a file cut short by --limit
   *  or a signal is not counted: the input layer totals a file when it ends). */
  rejects: RejectLog;
  /** Original event seconds of the first and last visit sent (null when none). */
  firstEventSecond: number | null;
  lastEventSecond: number | null;
  /** Their re-stamped times, ms. */
  firstStampMs: number | null;
  lastStampMs: number | null;
  durationMs: number;
  /** visitsSent per second of durationMs. */
  visitsPerSecond: number;
  /** Largest delay between a visit's due time and its hand-over to the sink (--speed, --rate), ms. */
  maxLagMs: number;
  stoppedBy: StopReason;
}

/** Length of the re-stamped date and time fields: YYYY-MM-DD and HH:MM:SS (the parser accepts no other). */
const DATE_BYTES = 10;
const TIME_BYTES = 8;
/** Longer than any line the parser accepts (log-parser.ts DEFAULT_MAX_LINE_BYTES) plus slack. */
const SCRATCH_BYTES = 64 * 1024 + 256;

export async function replay(inputs: string | readonly string[], sink: RecordSink, options: ReplayOptions): Promise<ReplaySummary> {
  const run = new ReplayRun(inputs, sink, options);
  try {
    await run.passes();
    await sink.flush();
  } catch (e) {
    // Deliver what was accepted before the failure (e.g. --strict), then report the failure itself.
    await sink.flush().catch(() => undefined);
    throw e;
  }
  run.progress();
  return run.summary();
}

/** One replay: its passes over the inputs, the visits of each batch, and the counters of the summary. */
class ReplayRun {
  private readonly clock: Clock;
  private readonly started: number;
  private readonly pacer: Pacer;
  private readonly startAt: StartAt | null;
  private readonly rejects: RejectLog;
  private readonly writer = new ValueWriter();
  private readonly paced: boolean;
  private readonly keepTime: boolean;
  private queued = 0;
  private files = 0;
  private passCount = 0;
  private skipped = 0;
  private maxLagMs = 0;
  private first: { second: number; stampMs: number } | null = null;
  private lastSecond = NaN;
  private lastStampMs = NaN;
  private stoppedBy: StopReason = 'end';

  constructor(
    private readonly inputs: string | readonly string[],
    private readonly sink: RecordSink,
    private readonly options: ReplayOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.started = this.clock.now();
    this.pacer = new Pacer(options.pace, this.started);
    this.startAt = options.startAt !== undefined ? new StartAt(options.startAt) : null;
    this.rejects = new RejectLog({ maxSamples: options.maxSamples });
    this.paced = options.pace.mode !== 'max';
    this.keepTime = options.keepTime === true;
  }

  progress(): void {
    this.options.onProgress?.({
      queued: this.queued,
      sent: this.sink.acked,
      elapsedMs: this.clock.now() - this.started,
      pass: this.passCount,
      original: this.lastSecond,
      stampMs: this.lastStampMs,
    });
  }

  /** Reads the inputs once, or again and again with --loop, until the end, --limit or the signal. */
  async passes(): Promise<void> {
    const { options } = this;
    for (;;) {
      this.passCount++;
      this.startAt?.reset();
      if (this.passCount > 1) this.pacer.seamBefore('pass');
      const reader = readVisits(this.inputs, {
        from: options.from,
        to: options.to,
        store: options.store,
        strict: options.strict,
        maxSamples: options.maxSamples,
        rejects: this.rejects,
        onSources: this.passCount === 1 ? options.onSources : undefined,
        onFileStart: () => {
          this.files++;
          this.pacer.seamBefore('file');
        },
      });
      const queuedBefore = this.queued;
      for await (const batch of reader) {
        if (options.signal?.aborted) {
          this.stoppedBy = 'signal';
          return;
        }
        if (!(await this.sendBatch(batch))) return;
        this.progress();
      }
      // A selection without a single visit would loop without end and without sending: stop instead.
      if (!options.loop || this.queued === queuedBefore) return;
    }
  }

  /** Paces, re-stamps and hands over the visits of one batch; false when the run stops (limit, signal). */
  private async sendBatch(batch: VisitBatch): Promise<boolean> {
    const { clock, pacer, startAt, sink, writer, paced, keepTime, started } = this;
    const { signal, limit } = this.options;
    const encode = writer.forLayout(batch.layout);
    const stride = batch.layout.ncols + 1;
    const ipColumn = batch.layout.index.ip;
    const fs = batch.fieldStart;
    let now = clock.now();
    for (let i = 0; i < batch.length; i++) {
      const second = batch.second[i];
      if (startAt?.skip(second)) {
        this.skipped++;
        continue;
      }
      const slot = pacer.next(second, now);
      if (slot.dueMs > now) {
        now = clock.now();
        if (slot.dueMs > now) {
          // Out the door what is due, then wait: this is where --speed and --rate spend their time.
          await sink.send();
          this.progress();
          await clock.sleep(slot.dueMs - now, signal);
          if (signal?.aborted) {
            this.stoppedBy = 'signal';
            return false;
          }
          now = clock.now();
        }
      }
      // Lag against the due time, or the start for visits due before it (speed mode anchors on the second).
      if (paced && now - Math.max(slot.dueMs, started) > this.maxLagMs) this.maxLagMs = now - Math.max(slot.dueMs, started);
      const stampMs = keepTime ? second * 1000 : slot.stampMs;
      const length = encode(batch, i, stampMs);
      const ks = fs[i * stride + ipColumn];
      const ke = fs[i * stride + ipColumn + 1] - 1;
      if (!sink.add(batch.buffer, ks, ke, writer.scratch, 0, length, stampMs)) {
        await sink.send();
        sink.add(batch.buffer, ks, ke, writer.scratch, 0, length, stampMs);
      }
      this.queued++;
      if (this.first === null) this.first = { second, stampMs };
      this.lastSecond = second;
      this.lastStampMs = stampMs;
      if (limit !== undefined && this.queued >= limit) {
        this.stoppedBy = 'limit';
        return false;
      }
    }
    return true;
  }

  summary(): ReplaySummary {
    const durationMs = this.clock.now() - this.started;
    const visitsSent = this.sink.acked;
    const { first, lastSecond, lastStampMs } = this;
    return {
      visitsSent,
      files: this.files,
      passes: this.passCount,
      skipped: this.skipped,
      rejects: this.rejects,
      firstEventSecond: first?.second ?? null,
      lastEventSecond: Number.isNaN(lastSecond) ? null : lastSecond,
      firstStampMs: first?.stampMs ?? null,
      lastStampMs: Number.isNaN(lastStampMs) ? null : lastStampMs,
      durationMs,
      visitsPerSecond: durationMs > 0 ? (visitsSent * 1000) / durationMs : 0,
      maxLagMs: Math.round(this.maxLagMs),
      stoppedBy: this.stoppedBy,
    };
  }
}

/**
 * Writes record values into one scratch buffer (the sink copies them). For a file in the SEC's column
 * order — every real file — that is a copy of the line with the 18 bytes of date and time overwritten;
 * the stamp's text is cached, since consecutive visits mostly share a second.
 */
export class ValueWriter {
  readonly scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  private stampSecond = NaN;
  private readonly stamp = Buffer.alloc(DATE_BYTES + TIME_BYTES);
  private layout: ColumnLayout | null = null;
  private encoder: (batch: VisitBatch, i: number, stampMs: number) => number = () => 0;

  /** The encoder for a batch's layout: (batch, i, stampMs) → value length in scratch. */
  forLayout(layout: ColumnLayout): (batch: VisitBatch, i: number, stampMs: number) => number {
    if (layout !== this.layout) {
      this.layout = layout;
      this.encoder = isCanonical(layout) ? this.canonical.bind(this) : this.reordered.bind(this);
    }
    return this.encoder;
  }

  private stampFor(stampMs: number): Buffer {
    const second = Math.floor(stampMs / 1000);
    if (second !== this.stampSecond) {
      const text = formatDay(second) + formatTime(second);
      if (text.length !== DATE_BYTES + TIME_BYTES) throw new RangeError(`cannot re-stamp with ${text} (a year beyond 9999?)`);
      this.stamp.write(text, 0, 'latin1');
      this.stampSecond = second;
    }
    return this.stamp;
  }

  private canonical(batch: VisitBatch, i: number, stampMs: number): number {
    const stride = batch.layout.ncols + 1;
    const fs = batch.fieldStart;
    const base = i * stride;
    const start = fs[base];
    const end = fs[base + batch.layout.ncols] - 1;
    const stamp = this.stampFor(stampMs);
    batch.buffer.copy(this.scratch, 0, start, end);
    // Canonical order: date is column 1, time column 2; both fixed-width in a valid row.
    stamp.copy(this.scratch, fs[base + 1] - start, 0, DATE_BYTES);
    stamp.copy(this.scratch, fs[base + 2] - start, DATE_BYTES, DATE_BYTES + TIME_BYTES);
    return end - start;
  }

  private reordered(batch: VisitBatch, i: number, stampMs: number): number {
    const second = Math.floor(stampMs / 1000);
    const fields = EDGAR_COLUMNS.map((c) => (c === 'date' ? formatDay(second) : c === 'time' ? formatTime(second) : batch.field(i, c)));
    return this.scratch.write(fields.join(','), 0, 'utf8');
  }
}

/** Does the file's header list exactly the 15 EDGAR columns in the SEC's order? */
export function isCanonical(layout: ColumnLayout): boolean {
  return layout.ncols === EDGAR_COLUMNS.length && EDGAR_COLUMNS.every((c, k) => layout.index[c] === k);
}
