/**
 * The stream's robots feature (issue 14): the per-(day, IP) robots state, live, exactly as batch
 * computes it (core/robots.ts is the one definition).
 *
 * Each partition has its own classifier: the Kafka key is the IP, so all of an IP's visits are in one
 * partition, in offset order, and a partition's classification is a function of its records alone. When
 * this process takes a partition (every group join), the classifier is loaded from Redis together with
 * the partition's last applied offset, in one atomic read (StreamState.loadPartition): it starts exactly at
 * the offset the consumer fetches after. From there every visit fetched is classified in order, and each
 * batch carries the states it changed (as they are after its last record), written in the same Lua call
 * as the counts and the offset. Whoever applies a given record — this process, or another one still
 * holding the partition during a rebalance — decides it the same way, so a write refused because another
 * process moved the partition on is trimmed, keeps its verdicts (parse.ts trimBatch) and stays
 * exact; kill -9 loses only what Redis never applied, which the next owner re-reads and re-decides.
 *
 * Days end in event time: a day's states are dropped (here and in Redis) once the namespace's latest
 * second passes the end of the day plus the retention — by then every later visit of that day is late.
 */
import { loadLua } from '../../adapters/redis.js';
import type { ApplyPart, PartitionState } from '../../adapters/stream-state.js';
import { RobotClassifier, type RobotRule } from '../../core/robots.js';
import type { ParseOptions } from '../../core/stream-delta.js';
import { SECONDS_PER_DAY } from '../../core/visit.js';
import type { StreamFeature } from './feature.js';

/** The last day whose states are over when the latest event second is `latest` (stream-state-apply.lua). */
export function lastOverDay(latest: number, retentionSeconds: number): number {
  return Math.floor((latest - retentionSeconds) / SECONDS_PER_DAY) - 1;
}

export class LiveRobots implements StreamFeature {
  readonly name = 'robots';
  private readonly classifiers = new Map<string, RobotClassifier>();

  constructor(
    readonly rule: RobotRule,
    private readonly retentionSeconds: number,
  ) {}

  /** A partition this process (re)starts, with its state as loaded with its offset (StreamState.loadPartition). */
  start(topic: string, partition: number, loaded: PartitionState): void {
    const classifier = new RobotClassifier(this.rule, { trackChanges: true });
    for (const [ip, encoded] of loaded.states) classifier.load(ip, encoded);
    this.classifiers.set(`${topic}:${partition}`, classifier);
  }

  /** The classifier of a partition this process started (storedOffset). */
  classifier(topic: string, partition: number): RobotClassifier {
    const c = this.classifiers.get(`${topic}:${partition}`);
    if (!c) throw new Error(`robots: partition ${topic}:${partition} was not started`);
    return c;
  }

  /** Drops the classifiers of partitions this process no longer has. */
  assigned(topic: string, partitions: readonly number[]): void {
    const keep = new Set(partitions.map((p) => `${topic}:${p}`));
    for (const key of this.classifiers.keys()) if (!keep.has(key)) this.classifiers.delete(key);
  }

  parseOptions(topic: string, partition: number): Partial<ParseOptions> {
    return { robots: this.classifier(topic, partition) };
  }

  applied(latest: number): void {
    this.advance(latest);
  }

  /** Forgets the days that are over at this latest event second (memory stays bounded). */
  advance(latest: number): void {
    const over = lastOverDay(latest, this.retentionSeconds);
    for (const c of this.classifiers.values()) c.forgetDaysBefore(over + 1);
  }
}

/**
 * The robots filter's part of the one apply write: the totals, robot visits per second (fields r<s − m> of
 * vps:<minute>) and each changed per-(day, IP) state (rb:<day>:<topic>:<partition>). Its Lua: robots.lua.
 * ARGV: robot visits, new robot IPs; n, n × (second, visits); n, n × (group, day, m, m × (ip, state)).
 */
export const robotsWrite: ApplyPart = {
  name: 'robots',
  lua: loadLua(import.meta.url, 'robots.lua'),
  args(delta, args) {
    args.push(delta.robots, delta.robotIps, delta.robotSeconds.length);
    for (const s of delta.robotSeconds) args.push(s.second, s.visits);
    args.push(delta.robotStates.length);
    for (const g of delta.robotStates) {
      args.push(g.key, g.day, g.ips.length);
      for (let j = 0; j < g.ips.length; j++) args.push(g.ips[j], g.states[j]);
    }
  },
};
