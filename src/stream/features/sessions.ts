/**
 * The stream's sessions feature (issue 15, `stream --sessions SECONDS`): each partition's open sessions,
 * live, found exactly as `findoc sessions` finds them in the same rows (core/live-sessions.ts).
 *
 * As the robots feature: one PartitionSessions per partition, loaded from Redis together with the
 * partition's offset when this process starts the partition (StreamState.loadPartition), fed every kept
 * visit in offset order while parsing (src/stream/parse.ts), its changes and ended sessions written in
 * the same Lua call as the counts and the offset. A batch trimmed to its tail (another process applied its
 * head) keeps the first parse's changes and reports only the sessions its tail's records ended, so every
 * session is written once: through kill -9, rebalance and redelivery.
 */
import { loadLua } from '../../adapters/redis.js';
import { SESSIONS_KEPT, type ApplyPart, type PartitionState } from '../../adapters/stream-state.js';
import { PartitionSessions } from '../../core/live-sessions.js';
import type { ParseOptions } from '../../core/stream-delta.js';
import type { StreamFeature } from './feature.js';

export class LiveSessions implements StreamFeature {
  readonly name = 'sessions';
  private readonly partitions = new Map<string, PartitionSessions>();

  constructor(readonly inactivity: number) {}

  /** A partition this process (re)starts, with its state as loaded with its offset. */
  start(topic: string, partition: number, loaded: PartitionState): void {
    const p = new PartitionSessions(this.inactivity);
    p.load(loaded.sessions);
    this.partitions.set(`${topic}:${partition}`, p);
  }

  /** The sessions of a partition this process started. */
  of(topic: string, partition: number): PartitionSessions {
    const p = this.partitions.get(`${topic}:${partition}`);
    if (!p) throw new Error(`sessions: partition ${topic}:${partition} was not started`);
    return p;
  }

  parseOptions(topic: string, partition: number): Partial<ParseOptions> {
    return { sessions: this.of(topic, partition) };
  }

  /** Drops the partitions this process no longer has. */
  assigned(topic: string, partitions: readonly number[]): void {
    const keep = new Set(partitions.map((p) => `${topic}:${p}`));
    for (const key of this.partitions.keys()) if (!keep.has(key)) this.partitions.delete(key);
  }

  /** Open sessions in this process's partitions. */
  get open(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.openCount;
    return n;
  }
}

/**
 * The sessions' part of the one apply write: the open-session hash of each partition (ss:), ended sessions
 * to the capped stream (se), per-minute aggregates (sm:). Its Lua: sessions.lua.
 * ARGV: n, n × ("topic:partition", m, m × (field, value)); n, maxlen, n × ended; n, n × (minute, ended,
 * requests, k, k × (duration, sessions)).
 */
export const sessionsWrite: ApplyPart = {
  name: 'sessions',
  lua: loadLua(import.meta.url, 'sessions.lua'),
  args(delta, args) {
    args.push(delta.sessionStates.length);
    for (const g of delta.sessionStates) {
      args.push(g.key, g.fields.length);
      for (let j = 0; j < g.fields.length; j++) args.push(g.fields[j], g.values[j] ?? '');
    }
    args.push(delta.sessionsEnded.length, SESSIONS_KEPT);
    for (const line of delta.sessionsEnded) args.push(line);
    args.push(delta.sessionMinutes.length);
    for (const m of delta.sessionMinutes) {
      args.push(m.minute, m.ended, m.requests, m.durations.length);
      for (const [d, n] of m.durations) args.push(d, n);
    }
  },
};
