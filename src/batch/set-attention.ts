/**
 * A day set's per-company history (docs/alerts.md): its day curve (mean visits per second of day over the
 * members) and each CIK's baseline (zero-filled mean daily visits), computed in the transaction that
 * computes the set's bands (set-bands.ts), so that bands, curve and baselines always describe the same
 * member days.
 *
 * Recomputed when the set's fingerprint (members and their revisions) differs from the one the stored
 * curve was computed for — also for a set computed before the per-company tables existed. Members loaded
 * before then have no per-CIK counts: the baselines divide by the members that have them (cik_days), and
 * the readers say so.
 */
import type pg from 'pg';
import { attentionFingerprint, daysWithCiks, storeSetAttention } from '../adapters/attention-store.js';
import { readCountSlices } from '../adapters/batch-store.js';
import { SECONDS_PER_DAY } from '../core/visit.js';

/** Counts held at once while summing the curve (as set-bands.ts: int32 per day per second). */
const BUDGET_BYTES = 64 * 1024 * 1024;

/** Returns whether it recomputed (false: already current). */
export async function refreshSetAttention(c: pg.ClientBase, set: { name: string; filter: string; fingerprint: string }, members: readonly string[]): Promise<boolean> {
  if ((await attentionFingerprint(c, set.name)) === set.fingerprint) return false;
  if (members.length === 0) {
    await storeSetAttention(c, set, 0, [], null);
    return true;
  }
  const curve = new Float64Array(SECONDS_PER_DAY);
  const width = Math.min(SECONDS_PER_DAY, Math.max(600, Math.floor(BUDGET_BYTES / (4 * members.length))));
  for (let from = 0; from < SECONDS_PER_DAY; from += width) {
    const to = Math.min(SECONDS_PER_DAY, from + width);
    for (const v of await readCountSlices(c, set.filter, members, from, to)) for (let i = 0; i < v.length; i++) curve[from + i] += v[i];
  }
  for (let s = 0; s < SECONDS_PER_DAY; s++) curve[s] /= members.length;
  await storeSetAttention(c, set, members.length, await daysWithCiks(c, set.filter, members), curve);
  return true;
}
