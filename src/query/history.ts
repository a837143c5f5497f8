/**
 * What `findoc alerts` and `findoc attention` share: a day set's per-company history from PostgreSQL
 * (adapters/attention-store.ts), the check that the stream counts under the set's filter (DESIGN §2:
 * live numbers and history compare like with like), and a window's expected visits.
 */
import type pg from 'pg';
import { curveSum, readBaselines, readSetAttention, type SetAttention } from '../adapters/attention-store.js';
import { listSets, getSet } from '../adapters/batch-store.js';
import { lookupCompanies } from '../adapters/companies-store.js';
import { schemaMissing } from '../adapters/postgres.js';
import { readWindowCounts, type WindowCounts } from '../adapters/stream-window.js';
import type { StreamState } from '../adapters/stream-state.js';
import { dayRanges, windowFraction } from '../core/attention.js';
import type { CompanyName } from '../core/companies.js';
import { FindocError, configError } from '../core/errors.js';
import { isUndefinedTable } from '../core/service-errors.js';

export interface HistoryDeps {
  pool: pg.Pool;
  state: StreamState;
  /** Where PostgreSQL is (redacted in messages) and the schema, for the "no tables" message. */
  postgresUrl: string;
  schema?: string;
}

/** The command that creates what these reads need. */
export function creator(set: string): string {
  return `findoc batch <logs> --set ${set}`;
}

/**
 * The set's history. Exit 69 when the tables are missing (reads never create them) or the set has no
 * per-company history yet; 64 for an unknown set (naming the sets there are).
 */
export async function loadHistory(deps: HistoryDeps, name: string): Promise<SetAttention> {
  const missing = (e: unknown) => (isUndefinedTable(e) ? schemaMissing(deps.postgresUrl, deps.schema, creator(name), e) : e);
  const set = await getSet(deps.pool, name).catch((e: unknown) => {
    throw missing(e);
  });
  if (!set) {
    const names = (await listSets(deps.pool)).map((s) => s.name);
    throw new FindocError('FINDOC_USAGE', `no day set named "${name}"${names.length ? ` (sets: ${names.join(', ')})` : ' (there is no set yet)'}`, {
      hint: `compute one with: ${creator(name)}`,
    });
  }
  const history = await readSetAttention(deps.pool, name).catch((e: unknown) => {
    throw missing(e);
  });
  if (!history || history.cikDays === 0) {
    throw new FindocError(
      'FINDOC_SERVICE_UNAVAILABLE',
      `day set "${name}" has no per-company history yet (${history ? 'its days were loaded before per-company counts existed' : set.days === 0 ? 'it has no days' : 'it was computed before per-company counts existed'})`,
      { service: 'PostgreSQL', hint: `compute it with: ${creator(name)}${history || set.days > 0 ? ' --force' : ''}` },
    );
  }
  return history;
}

/** Exit 78 when the stream counts under another filter than the set's: the message names both. */
export function checkFilters(streamFilter: string | null, history: SetAttention, prefix: string): void {
  if (streamFilter === null || streamFilter === history.filter) return;
  throw configError(
    `filters differ: the stream (Redis namespace "${prefix}") counts visits under filter "${streamFilter}", the day set "${history.name}" under "${history.filter}"`,
    '--set / --redis-prefix',
    `compare like with like: use a set computed with the stream's filter (findoc batch <logs> --set NAME --filter …), or the prefix of a stream that runs with the set's`,
  );
}

/** A window's live counts with its F(W) over the seconds the stream has covered. */
export interface ScoredWindow extends WindowCounts {
  fraction: number;
}

export async function readScoredWindow(deps: HistoryDeps, history: SetAttention, seconds: number): Promise<ScoredWindow> {
  const live = await readWindowCounts(deps.state, seconds);
  if (live.covered === null || live.last === null) return { ...live, fraction: 0 };
  const sum = await curveSum(deps.pool, history.name, dayRanges(live.covered, live.last));
  return { ...live, fraction: windowFraction(sum, history.total, live.last - live.covered + 1) };
}

/** m_c of the given CIKs (absent: never seen in the set). */
export async function baselinesOf(deps: HistoryDeps, history: SetAttention, ciks: readonly number[]): Promise<Map<number, number>> {
  const found = await readBaselines(deps.pool, history.name, ciks);
  return new Map([...found].map(([cik, b]) => [cik, b.mean]));
}

/** Names and tickers when the companies table exists (findoc companies sync); none otherwise. */
export async function namesOf(pool: pg.Pool, ciks: readonly number[]): Promise<Map<number, CompanyName>> {
  if (ciks.length === 0) return new Map();
  try {
    return await lookupCompanies(pool, ciks);
  } catch (e) {
    if (isUndefinedTable(e)) return new Map();
    throw e;
  }
}
