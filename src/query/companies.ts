/**
 * findoc companies' reads: `show` finds a stored company by CIK or ticker (storage:
 * src/adapters/companies-store.ts). `sync`, which writes the table and runs the migrations, stays in
 * src/commands/companies.ts: this room holds reads, and reads never migrate (test/architecture.test.ts).
 */
import { countCompanies, findCompanies, type StoredCompany } from '../adapters/companies-store.js';
import { connectPostgres, postgresUnavailable } from '../adapters/postgres.js';
import { COMPANY_SOURCES, type CompanySourceName } from '../core/companies.js';
import type { Config } from '../core/config.js';
import { usageError } from '../core/errors.js';
import { asUnavailable } from '../core/service-errors.js';

export interface ShowReport {
  companies: StoredCompany[];
  /** Companies in the table, counted only when none matched. */
  total: number | undefined;
}

export async function show(ref: { cik: number } | { ticker: string }, deps: { config: Pick<Config, 'postgres'> }): Promise<ShowReport> {
  const { url, schema } = deps.config.postgres;
  const pool = await connectPostgres(url, { schema, max: 1 });
  try {
    const companies = await findCompanies(pool, ref);
    const total = companies.length === 0 ? await countCompanies(pool) : undefined;
    return { companies, total };
  } catch (e) {
    throw mapPostgresError(e, url);
  } finally {
    await pool.end();
  }
}

/** --sources: a comma list of COMPANY_SOURCES, in the order they are fetched. */
export function parseSources(text: string): CompanySourceName[] {
  const names = text.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(COMPANY_SOURCES as readonly string[]).includes(n));
  if (names.length === 0 || bad.length > 0) throw usageError(`--sources takes ${COMPANY_SOURCES.join(', ')} (comma separated), got "${text}"`);
  // Lookup first: the order of staging does not decide the winner (the store ranks sources), but the
  // big file then fails, if it fails, before the small one was fetched for nothing.
  return COMPANY_SOURCES.filter((s) => names.includes(s)).reverse();
}

/** Errors from pg itself (the server went away mid-sync) become exit 69 naming the address. */
export function mapPostgresError(e: unknown, url: string): unknown {
  return asUnavailable(e, (cause) => postgresUnavailable(url, cause));
}
