/**
 * A live feature of the stream that keeps per-partition state (robots, sessions): the contract run.ts
 * drives every feature through, so the consumer loop knows none of them by name.
 *
 * 1. Its state is keyed by partition (the Kafka key is the IP, so an IP's visits are one partition's, in
 *    order), loaded from Redis together with the partition's offset in one script when this process
 *    starts the partition (start: StreamState.loadPartition).
 * 2. It is fed each visit while the batch is parsed, once (parseOptions: its part of ParseOptions), and
 *    the parsed batch carries what it changed, as it is after the batch's last record.
 * 3. Its changes go into the same apply script as the counts and the offset (core/stream-delta.ts merges
 *    them, stream-state-apply.lua writes them), so they are exact through kill -9, rebalance and
 *    redelivery; a refused batch keeps its first decisions when trimmed (parse.ts trimBatch).
 * 4. Its state ends in event time, never by the wall clock (applied: the latest event second written).
 */
import type { PartitionState } from '../../adapters/stream-state.js';
import type { ParseOptions } from '../../core/stream-delta.js';

export interface StreamFeature {
  readonly name: string;
  /** A partition this process (re)starts, with its state as loaded with its offset. */
  start(topic: string, partition: number, loaded: PartitionState): void;
  /** The partitions this process now has (a group join): drop the others' state. */
  assigned(topic: string, partitions: readonly number[]): void;
  /** Its part of the options a batch of this partition is parsed with. */
  parseOptions(topic: string, partition: number): Partial<ParseOptions>;
  /** After a write: the latest event second the namespace holds. */
  applied?(latest: number): void;
}
