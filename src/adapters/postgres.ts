/**
 * PostgreSQL adapter: a pg Pool built from the configuration, exit-69 mapping for connection failures,
 * and the numbered migrations in ./migrations (NNN_name.sql, applied in order, each in its own
 * transaction, recorded in findoc_migrations).
 *
 * Several batch workers may start at once on one database: migrations take a transaction-level advisory
 * lock so exactly one of them applies each file and the others wait, then see it applied.
 *
 * `schema` isolates a run (tests use one schema each): every connection gets search_path=<schema>, and
 * the schema is created by migrate().
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { SETTING_NAMES } from '../core/config.js';
import { FindocError, configError, serviceUnavailable } from '../core/errors.js';
import { hostPort, redactText } from '../core/redact.js';
import { isRefusedSetting } from '../core/service-errors.js';

export interface PostgresOptions {
  schema?: string;
  max?: number;
  connectTimeoutMs?: number;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Arbitrary constant shared by every findoc process: the advisory lock that serializes migrations. */
const MIGRATION_LOCK = 0x66696e64; // "find"

export function postgresAddress(url: string): string {
  return hostPort(url, 5432);
}

/**
 * A connection that failed: exit 69 when PostgreSQL is down or unreachable; exit 78 when it answered and
 * refused the settings (no such database, no such role, a wrong password), naming the setting to change.
 */
export function postgresUnavailable(url: string, e: unknown): FindocError {
  const message = redactText(String((e as Error)?.message ?? e));
  const refused = isRefusedSetting(e);
  if (refused !== null) {
    const where = `PostgreSQL at ${postgresAddress(url)}`;
    return refused === 'database'
      ? configError(`${where}: ${message}`, SETTING_NAMES.postgres, `create it (createdb -h ${postgresAddress(url).replace(/:\d+$/, '')} NAME), or name an existing one in ${SETTING_NAMES.postgres}`)
      : configError(`${where} refused the login: ${message}`, SETTING_NAMES.postgres, `check the user and password in ${SETTING_NAMES.postgres} (or PGUSER/PGPASSWORD)`);
  }
  return serviceUnavailable('PostgreSQL', postgresAddress(url), SETTING_NAMES.postgres, new Error(message));
}

/**
 * A read (bands) found no findoc tables: the command that writes them never ran on this database and
 * schema. Reads never run migrate() (DDL); they say which command creates the tables. Exit 69: the service
 * answers but lacks what the read needs, as when it is down.
 */
export function schemaMissing(url: string, schema: string | undefined, creator: string, cause?: unknown): FindocError {
  const where = `PostgreSQL at ${postgresAddress(url)}${schema ? `, schema "${schema}"` : ''}`;
  return new FindocError(
    'FINDOC_SERVICE_UNAVAILABLE',
    `${where} has no findoc tables yet (${redactText(String((cause as Error)?.message ?? 'relation does not exist'))})`,
    { service: 'PostgreSQL', address: postgresAddress(url), setting: SETTING_NAMES.postgres, hint: `create them with: ${creator} (reads never create tables)` },
    { cause },
  );
}

export function quoteIdent(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw configError(`invalid PostgreSQL schema name "${name}"`, '--schema');
  return `"${name}"`;
}

export function createPool(url: string, options: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 4,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    options: options.schema ? `-c search_path=${quoteIdent(options.schema)}` : undefined,
  });
  // An idle client losing its connection emits 'error' on the pool; queries report failures themselves.
  pool.on('error', () => undefined);
  // A checked-out client (a transaction between two queries) has no pool listener: when the server goes
  // away (a restart) it emits 'error', which would crash the process. The query in flight, or the next
  // one, fails with the cause; the pool drops the broken client on release. One listener per client.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Checks the connection, mapping failures to exit 69 with a redacted address. */
export async function connectPostgres(url: string, options: PostgresOptions = {}): Promise<pg.Pool> {
  const pool = createPool(url, options);
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw postgresUnavailable(url, e);
  }
  return pool;
}

export interface Migration {
  id: number;
  name: string;
  sql: string;
}

export function listMigrations(): Migration[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{3}_.+\.sql$/.test(f))
    .sort()
    .map((f) => ({ id: Number(f.slice(0, 3)), name: f.replace(/\.sql$/, ''), sql: readFileSync(new URL(f, MIGRATIONS_DIR), 'utf8') }));
}

/**
 * Applies pending migrations in one transaction; returns the names applied by this call. Safe to run
 * concurrently and repeatedly: the advisory lock is taken before anything else, the schema included
 * (two concurrent CREATE SCHEMA IF NOT EXISTS can otherwise collide on the catalog's unique index).
 */
export async function migrate(pool: pg.Pool, schema?: string): Promise<string[]> {
  const applied: string[] = [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS findoc_migrations (id int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set((await client.query<{ id: number }>('SELECT id FROM findoc_migrations')).rows.map((r) => r.id));
    for (const m of listMigrations()) {
      if (done.has(m.id)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO findoc_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      applied.push(m.name);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
  return applied;
}
