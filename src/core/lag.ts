/**
 * Consumer lag of the stream (DESIGN §3.5 status line): per partition, records produced and not applied
 * yet. The applied offsets come from the stream's own state in Redis (the only ones it trusts; Kafka's
 * committed offsets may trail them), the end offsets from the topic.
 */

export interface AppliedOffset {
  partition: number;
  /** The last offset applied. */
  offset: number;
}

export interface TopicOffsets {
  partition: number;
  /** The first offset the topic still holds (log start). */
  low: number;
  /** The offset the next record will get (high watermark). */
  high: number;
}

export interface PartitionLag {
  partition: number;
  /** The next offset the stream will apply. */
  next: number;
  high: number;
  /** high − next, never negative. */
  lag: number;
}

/**
 * Lag per partition of the topic. A partition without an applied offset starts at its low offset (the
 * stream reads a new partition from its beginning).
 */
export function consumerLag(applied: readonly AppliedOffset[], topic: readonly TopicOffsets[]): PartitionLag[] {
  const byPartition = new Map(applied.map((a) => [a.partition, a.offset]));
  return [...topic]
    .sort((a, b) => a.partition - b.partition)
    .map((t) => {
      const last = byPartition.get(t.partition);
      const next = last === undefined ? t.low : Math.max(last + 1, t.low);
      return { partition: t.partition, next, high: t.high, lag: Math.max(0, t.high - next) };
    });
}

/** Has the stream applied every record the topic held when `ends` was read? */
export function caughtUp(applied: readonly AppliedOffset[], ends: readonly TopicOffsets[]): boolean {
  return consumerLag(applied, ends).every((p) => p.lag === 0);
}
