/**
 * The stream's writes: the parsed batches handed over by the consumer loop, merged into write groups and
 * sent to the namespace — one group as soon as fewer than WRITES_IN_FLIGHT are unsettled, so Redis
 * applies one while this process parses and merges the next. Groups are settled in the order they were
 * sent (a refused one is re-applied before the next is looked at). Implements the consumer's view of them
 * (WriteProgress, adapters/kafka/consumer.ts): what is pending, drained, behind.
 */
import type { WriteProgress } from '../adapters/kafka/consumer.js';
import type { SentWrite } from '../adapters/stream-state.js';
import { DeltaBuilder, type BatchDelta, type ParsedBatch } from '../core/stream-delta.js';

/**
 * Groups sent and not settled yet. Two keep Redis busy while this process encodes the next group; more
 * would only queue in Redis. Safe because a write applies only where the state holds exactly the offset
 * it follows: a group sent behind one that gets refused is refused too, and settled after it.
 */
const WRITES_IN_FLIGHT = 2;

/** Batches handed over and not yet sent, and their counts merged as they come. */
interface OpenGroup {
  batches: ParsedBatch[];
  delta: DeltaBuilder;
  records: number;
  /** Last offset per partition, for the (informational) Kafka commit once written. */
  lastOffsets: Map<number, number>;
}

export interface WriteTarget {
  send(batches: readonly ParsedBatch[], delta: BatchDelta): SentWrite;
  /** Waits for a sent write and applies what the state refused of it. */
  settle(sent: SentWrite): Promise<void>;
  /** Is this settle() failure a sign that the state lost applied writes (it holds older offsets than this process read past)? */
  isBehind(error: unknown): boolean;
}

export class StreamWrites implements WriteProgress {
  pending = 0;
  failure: { error: unknown } | null = null;
  behind = false;
  private open: OpenGroup | null = null;
  private inFlight = 0;
  /** The settling of the groups sent, in order. */
  private settled: Promise<void> = Promise.resolve();
  private readonly written = new Map<number, number>();
  private resolveChange: () => void = () => undefined;
  private change = this.nextChange();

  constructor(private readonly target: WriteTarget) {}

  /** Adds a parsed batch to the open group (sent by pump()). */
  add(b: ParsedBatch): void {
    this.open ??= { batches: [], delta: new DeltaBuilder(), records: 0, lastOffsets: new Map() };
    this.open.batches.push(b);
    this.open.delta.add(b);
    this.open.records += b.records;
    this.open.lastOffsets.set(b.partition, b.lastOffset);
    this.pending += b.records;
  }

  /** Sends the open group if fewer than WRITES_IN_FLIGHT are unsettled. */
  pump(): void {
    while (this.open && this.inFlight < WRITES_IN_FLIGHT && !this.failure && !this.behind) {
      const g: OpenGroup = this.open;
      this.open = null;
      let sent: SentWrite;
      try {
        sent = this.target.send(g.batches, g.delta.build());
      } catch (e) {
        this.fail(e);
        return;
      }
      this.inFlight++;
      this.settled = this.settled.then(() => this.settle(g, sent));
    }
  }

  private async settle(g: OpenGroup, sent: SentWrite): Promise<void> {
    try {
      if (!this.failure && !this.behind) {
        await this.target.settle(sent);
        for (const [partition, last] of g.lastOffsets) this.written.set(partition, last + 1);
      }
    } catch (e) {
      if (this.target.isBehind(e)) this.behind = true;
      else this.fail(e);
    } finally {
      this.inFlight--;
      this.pending -= g.records;
      this.changed_();
      this.pump();
    }
  }

  changed(): Promise<void> {
    return this.change;
  }

  async drained(): Promise<void> {
    while ((this.open && !this.failure && !this.behind) || this.inFlight > 0) {
      this.pump();
      await this.change;
    }
  }

  async rewind(): Promise<boolean> {
    if (!this.behind) return false;
    while (this.inFlight > 0) await this.change;
    if (this.open) this.pending -= this.open.records;
    this.open = null;
    this.behind = false;
    return true;
  }

  takeWritten(): Map<number, number> {
    const out = new Map(this.written);
    this.written.clear();
    return out;
  }

  private fail(error: unknown): void {
    if (!this.failure) this.failure = { error };
    this.changed_();
  }

  private nextChange(): Promise<void> {
    return new Promise<void>((resolve) => (this.resolveChange = resolve));
  }

  private changed_(): void {
    this.resolveChange();
    this.change = this.nextChange();
  }
}
