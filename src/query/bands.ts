/**
 * findoc bands' query: the percentile bands of a day set, per second of the day, as findoc batch stored
 * them (src/adapters/batch-store.ts; tables: docs/postgres.md). Reads only.
 */
import { getSet, listSets, readBands, type DaySetRow } from '../adapters/batch-store.js';
import { connectPostgres, schemaMissing } from '../adapters/postgres.js';
import type { Config } from '../core/config.js';
import { FindocError } from '../core/errors.js';
import { isUndefinedTable } from '../core/service-errors.js';
import { formatTime } from '../core/visit.js';

export interface BandsOptions {
  set: string;
  /** Seconds of the day, inclusive. */
  from: number;
  to: number;
  /** Every Nth second of the range. */
  every: number;
}

export interface BandsReport {
  set: DaySetRow;
  bands: { second: number; time: string; p25: number; p50: number; p75: number; p95: number }[];
}

export async function run(options: BandsOptions, deps: { config: Pick<Config, 'postgres'> }): Promise<BandsReport> {
  const { url, schema } = deps.config.postgres;
  const { from, to, every } = options;
  const pool = await connectPostgres(url, { schema, max: 1 });
  try {
    const set = await getSet(pool, options.set).catch((e: unknown) => {
      throw isUndefinedTable(e) ? schemaMissing(url, schema, `findoc batch <logs> --set ${options.set}`, e) : e;
    });
    if (!set) {
      const names = (await listSets(pool)).map((s) => s.name);
      throw new FindocError('FINDOC_USAGE', `no day set named "${options.set}"${names.length ? ` (sets: ${names.join(', ')})` : ' (there is no set yet)'}`, {
        hint: `compute one with: findoc batch <logs> --set ${options.set}`,
      });
    }
    const rows = (await readBands(pool, set.name, from, to)).filter((r) => (r.second - from) % every === 0);
    const bands = rows.map((r) => ({ second: r.second, time: formatTime(r.second), p25: nano(r.p25), p50: nano(r.p50), p75: nano(r.p75), p95: nano(r.p95) }));
    return { set, bands };
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Rounded to 1e-9, as the contract allows (DESIGN): 0.7999999999999998 → 0.8, exact values unchanged. */
export function nano(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}
