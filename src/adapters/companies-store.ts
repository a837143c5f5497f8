/**
 * PostgreSQL storage of company names (table `companies`, migration 001_companies.sql):
 *
 *   companies(cik bigint PRIMARY KEY, name text, ticker text NULL, source text, updated_at timestamptz)
 *   source: 'company_tickers' (the SEC's tickers file: current name and primary ticker) or
 *           'cik_lookup' (cik-lookup-data.txt: first name listed for the CIK, no ticker).
 *
 * A sync stages every record with COPY into a session-local temporary table (no transaction stays open
 * while the files download), then merges in ONE statement, in one transaction: per CIK the tickers-file
 * record wins over lookup names, and among lookup names the first staged (file order) wins. Rows whose
 * content did not change are not rewritten. CIKs absent from a sync keep their stored row: the SEC's files
 * drop companies, but a log of 2017 still names them.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { CompanyName, CompanyRecord, CompanySink, CompanySource } from '../core/companies.js';
import { isUndefinedTable } from '../core/service-errors.js';

export interface StoredCompany {
  cik: number;
  name: string;
  ticker: string | null;
  source: CompanySource;
  updatedAt: string;
}

/** COPY text format: backslash, tab, LF and CR escaped; NULL is \N. Names are already free of controls. */
function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  return String(value).replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** Names by CIK for the CIKs given (top, watch). Unknown CIKs are absent; no table yet = no names. */
export async function lookupCompanies(pool: pg.Pool, ciks: readonly number[]): Promise<Map<number, CompanyName>> {
  const out = new Map<number, CompanyName>();
  if (ciks.length === 0) return out;
  try {
    const r = await pool.query<{ cik: string; name: string; ticker: string | null }>(
      'SELECT cik, name, ticker FROM companies WHERE cik = ANY($1::bigint[])',
      [ciks.map(String)],
    );
    for (const row of r.rows) out.set(Number(row.cik), { name: row.name, ticker: row.ticker });
  } catch (e) {
    if (!isUndefinedTable(e)) throw e;
  }
  return out;
}

/** A company by CIK, or every company with a ticker (normally one). */
export async function findCompanies(pool: pg.Pool, ref: { cik: number } | { ticker: string }): Promise<StoredCompany[]> {
  try {
    const r =
      'cik' in ref
        ? await pool.query('SELECT cik, name, ticker, source, updated_at FROM companies WHERE cik = $1', [String(ref.cik)])
        : await pool.query('SELECT cik, name, ticker, source, updated_at FROM companies WHERE ticker = $1 ORDER BY cik', [ref.ticker]);
    return r.rows.map((row: { cik: string; name: string; ticker: string | null; source: CompanySource; updated_at: Date }) => ({
      cik: Number(row.cik),
      name: row.name,
      ticker: row.ticker,
      source: row.source,
      updatedAt: row.updated_at.toISOString(),
    }));
  } catch (e) {
    if (isUndefinedTable(e)) return [];
    throw e;
  }
}

export async function countCompanies(pool: pg.Pool): Promise<number> {
  try {
    return Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM companies')).rows[0].n);
  } catch (e) {
    if (isUndefinedTable(e)) return 0;
    throw e;
  }
}

/** Opens a sync: one dedicated connection holding the staging table until commit() or close(). */
export async function openCompanySync(pool: pg.Pool): Promise<CompanySink> {
  const client = await pool.connect();
  let ord = 0;
  let broken = false;
  try {
    await client.query('CREATE TEMP TABLE IF NOT EXISTS companies_stage (cik bigint NOT NULL, name text NOT NULL, ticker text, source text NOT NULL, ord bigint NOT NULL)');
    await client.query('TRUNCATE companies_stage');
  } catch (e) {
    client.release(true);
    throw e;
  }
  return {
    async add(records: CompanyRecord[]): Promise<void> {
      if (records.length === 0) return;
      let text = '';
      for (const r of records) text += `${r.cik}\t${copyField(r.name)}\t${copyField(r.ticker)}\t${r.source}\t${ord++}\n`;
      try {
        await pipeline(Readable.from([text]), client.query(copyFrom('COPY companies_stage (cik, name, ticker, source, ord) FROM STDIN')));
      } catch (e) {
        broken = true;
        throw e;
      }
    },

    async commit(tickersAuthoritative: boolean) {
      try {
        await client.query('BEGIN');
        const r = await client.query<{ inserted: string; updated: string; staged: string }>(
          `WITH chosen AS (
             SELECT DISTINCT ON (cik) cik, name, ticker, source
             FROM companies_stage
             ORDER BY cik, (source = 'company_tickers') DESC, ord
           ), upserted AS (
             INSERT INTO companies AS c (cik, name, ticker, source, updated_at)
             SELECT cik, name, ticker, source, now() FROM chosen
             ON CONFLICT (cik) DO UPDATE
               SET name = EXCLUDED.name, ticker = EXCLUDED.ticker, source = EXCLUDED.source, updated_at = now()
               WHERE (c.name, c.ticker, c.source) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.ticker, EXCLUDED.source)
                 AND ($1::boolean OR c.source <> 'company_tickers' OR EXCLUDED.source = 'company_tickers')
             RETURNING (xmax = 0) AS inserted
           )
           SELECT count(*) FILTER (WHERE inserted) AS inserted,
                  count(*) FILTER (WHERE NOT inserted) AS updated,
                  (SELECT count(*) FROM chosen) AS staged
           FROM upserted`,
          [tickersAuthoritative],
        );
        const total = await client.query<{ n: string }>('SELECT count(*) AS n FROM companies');
        await client.query('COMMIT');
        const inserted = Number(r.rows[0].inserted);
        const updated = Number(r.rows[0].updated);
        return { inserted, updated, unchanged: Number(r.rows[0].staged) - inserted - updated, total: Number(total.rows[0].n) };
      } catch (e) {
        broken = true;
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    },

    async close(): Promise<void> {
      if (!broken) {
        try {
          await client.query('DROP TABLE IF EXISTS companies_stage');
        } catch {
          broken = true;
        }
      }
      // A connection that failed mid-COPY is destroyed rather than returned to the pool.
      client.release(broken);
    },
  };
}
