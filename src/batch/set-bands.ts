/**
 * (Re)computing a day set's bands: which days count (core/day-sets.ts), their stored counts
 * (adapters/batch-store.ts), the percentiles (core/percentiles.ts), stored back in one transaction.
 *
 * Computed once however many processes finish together: the transaction locks the set's row (FOR UPDATE)
 * and compares the members' fingerprint with the stored one; the second process to get the lock finds the
 * bands already computed from the same days and revisions, and leaves them.
 *
 * Memory: counts are read a slice of seconds at a time, so at most BUDGET_BYTES of counts are held
 * whatever the number of days (one slice for up to ~190 days, 13 slices for all 5,293 SEC days).
 */
import type pg from 'pg';
import { lockSet, readCountSlices, setCandidates, storeSetComputation, transaction } from '../adapters/batch-store.js';
import { selectMembers, setFingerprint, type ExclusionReason, type DayRange } from '../core/day-sets.js';
import { percentileBands } from '../core/percentiles.js';
import { refreshSetAttention } from './set-attention.js';
import { SECONDS_PER_DAY } from '../core/visit.js';

/** Counts held at once while computing a set (int32 per day per second). */
const BUDGET_BYTES = 64 * 1024 * 1024;

export interface SetReport {
  name: string;
  filter: string;
  /** Member days the bands are computed over. */
  days: number;
  /** False when the stored bands were already computed from the same days and revisions. */
  recomputed: boolean;
  minVisits: number;
  excludeDays: DayRange[];
  /** Candidate days left out, with the reason. */
  leftOut: Array<{ day: string; reason: ExclusionReason; visits: number | null }>;
  seconds: number;
}

export async function computeSetBands(pool: pg.Pool, name: string): Promise<SetReport> {
  const started = performance.now();
  return transaction(pool, async (c) => {
    const set = await lockSet(c, name);
    if (!set) throw new Error(`no day set named ${name}`);
    const candidates = await setCandidates(c, name, set.filter);
    const selection = selectMembers(candidates, { minVisits: set.minVisits, exclude: set.excludeDays });
    const fingerprint = setFingerprint(set.filter, selection.members);
    const recomputed = fingerprint !== set.fingerprint;
    let bands: Parameters<typeof storeSetComputation>[2] = 'keep';
    if (recomputed) bands = selection.members.length === 0 ? null : await bandsOf(c, set.filter, selection.members.map((m) => m.day));
    await storeSetComputation(c, name, bands, selection, fingerprint);
    await refreshSetAttention(c, { name, filter: set.filter, fingerprint }, selection.members.map((m) => m.day));
    return {
      name,
      filter: set.filter,
      days: selection.members.length,
      recomputed,
      minVisits: set.minVisits,
      excludeDays: set.excludeDays,
      leftOut: selection.left,
      seconds: (performance.now() - started) / 1000,
    };
  });
}

async function bandsOf(c: pg.ClientBase, filter: string, days: string[]) {
  const p25 = new Float64Array(SECONDS_PER_DAY);
  const p50 = new Float64Array(SECONDS_PER_DAY);
  const p75 = new Float64Array(SECONDS_PER_DAY);
  const p95 = new Float64Array(SECONDS_PER_DAY);
  const width = Math.min(SECONDS_PER_DAY, Math.max(600, Math.floor(BUDGET_BYTES / (4 * days.length))));
  for (let from = 0; from < SECONDS_PER_DAY; from += width) {
    const to = Math.min(SECONDS_PER_DAY, from + width);
    const vectors = await readCountSlices(c, filter, days, from, to);
    const [a, b, q, d] = percentileBands(vectors);
    p25.set(a, from);
    p50.set(b, from);
    p75.set(q, from);
    p95.set(d, from);
  }
  return { p25, p50, p75, p95 };
}
