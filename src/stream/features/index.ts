/**
 * The registration of the stream's per-partition features: which run, given the options. A new feature
 * is a module beside this one (implementing StreamFeature, feature.ts) and one line here.
 */
import type { VisitFilter } from '../../core/filter.js';
import type { StreamFeature } from './feature.js';
import { LiveRobots } from './robots.js';
import { LiveSessions } from './sessions.js';

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
