/**
 * The registration of the stream's features. Each is a module beside this one, with its Lua part of the
 * one apply write (WRITE_PARTS) and, when it keeps per-partition state, a StreamFeature (feature.ts) that
 * is fed the visits while they are parsed (liveFeatures). A new feature is its module and its lines here.
 */
import type { ApplyPart } from '../../adapters/stream-state.js';
import type { VisitFilter } from '../../core/filter.js';
import { allTimeWrite } from './all-time.js';
import type { StreamFeature } from './feature.js';
import { rejectsWrite } from './rejects.js';
import { LiveRobots, robotsWrite } from './robots.js';
import { secondsWrite } from './seconds.js';
import { LiveSessions, sessionsWrite } from './sessions.js';

/**
 * The parts of the one apply write, in the order their Lua runs and their ARGV sections are pushed. Every
 * part is always there (a part with nothing to write pushes empty sections), so the namespace's writes
 * are the same whichever process makes them.
 */
export const WRITE_PARTS: readonly ApplyPart[] = [rejectsWrite, allTimeWrite, secondsWrite, robotsWrite, sessionsWrite];

export type { StreamFeature } from './feature.js';

export interface FeatureOptions {
  filter: VisitFilter;
  retentionSeconds: number;
  /** stream --sessions: the inactivity in seconds. */
  sessions?: number;
}

export function liveFeatures(o: FeatureOptions): StreamFeature[] {
  const features: StreamFeature[] = [];
  if (o.filter.robots) features.push(new LiveRobots(o.filter.robots.rule, o.retentionSeconds));
  if (o.sessions) features.push(new LiveSessions(o.sessions));
  return features;
}
