/**
 * `findoc stream`'s options from its flags, validated: durations, partitions, the live filter (causal
 * robots only) and the sessions' inactivity. src/commands/stream.ts declares the flags and calls this.
 */
import { usageError } from '../core/errors.js';
import { MAX_DURATION_SECONDS, parseDuration } from '../core/durations.js';
import { parseFilter, type VisitFilter } from '../core/filter.js';
import { MAX_PARTITIONS, parseInteger } from '../core/integers.js';
import { MAX_INACTIVITY, MIN_INACTIVITY, parseInactivity } from '../core/sessions.js';
import { LONGEST_WINDOW_SECONDS } from '../core/windows.js';
import type { StreamOptions } from './run.js';

/** The session timeouts a Kafka broker accepts by default: group.min.session.timeout.ms … group.max.session.timeout.ms. */
export const KAFKA_SESSION_TIMEOUT_MS = { min: 6_000, max: 1_800_000 } as const;

/** The flags of `findoc stream` as commander parses them (strings; validated by streamOptions). */
export interface StreamFlags {
  topic: string;
  group: string;
  redisPrefix: string;
  retention: string;
  filter?: string;
  excludeCrawlers?: true;
  robots?: string;
  robotsMode?: string;
  startOffset: 'earliest' | 'latest';
  maxFuture: string;
  partitions: string;
  sessionTimeout: string;
  reset?: true;
  onLostState: 'rebuild' | 'fail';
  untilEnd?: true;
  sessions?: string;
  json?: true;
}

/** The stage's options from the flags; a bad value is a usage error (exit 64) naming its flag. */
export function streamOptions(opts: StreamFlags): StreamOptions {
  // At least the longest sliding window (1h); whole seconds, as Redis trims by event second.
  const retentionSeconds = parseDuration(opts.retention, { flag: '--retention', unit: 's', min: LONGEST_WINDOW_SECONDS, max: MAX_DURATION_SECONDS, whole: true });
  const partitions = parseInteger('--partitions', opts.partitions, 1, MAX_PARTITIONS);
  return {
    topic: opts.topic,
    group: opts.group,
    prefix: opts.redisPrefix,
    filter: liveFilter(parseFilter(opts.filter, opts.excludeCrawlers === true, { rule: opts.robots, mode: opts.robotsMode })),
    retentionSeconds,
    maxFutureSeconds: parseDuration(opts.maxFuture, { flag: '--max-future', unit: 's', min: 0.001, max: MAX_DURATION_SECONDS }),
    startAt: opts.startOffset,
    partitions,
    // What a broker accepts with Kafka's defaults (group.min/max.session.timeout.ms), checked before connecting.
    sessionTimeoutMs: parseDuration(opts.sessionTimeout, { flag: '--session-timeout', unit: 'ms', bare: 's', min: KAFKA_SESSION_TIMEOUT_MS.min, max: KAFKA_SESSION_TIMEOUT_MS.max, whole: true }),
    reset: opts.reset === true,
    onLostState: opts.onLostState,
    untilEnd: opts.untilEnd === true,
    sessions: opts.sessions === undefined ? undefined : sessionsInactivity(opts.sessions),
  };
}

export function sessionsInactivity(text: string): number {
  const n = parseInactivity(text);
  if (n === null) throw usageError(`--sessions ${JSON.stringify(text)}: expected whole seconds from ${MIN_INACTIVITY} to ${MAX_INACTIVITY}`);
  return n;
}

/** Day mode needs the whole day before the first count: the stream classifies causally only. */
export function liveFilter(filter: VisitFilter): VisitFilter {
  if (filter.robots?.mode === 'day') {
    throw usageError(
      'stream has only the causal robots mode (--robots-mode day needs the whole day before counting it)',
      'drop --robots-mode (or use --robots-mode causal); findoc batch --robots-mode day applies the day mode to history',
    );
  }
  return filter;
}
