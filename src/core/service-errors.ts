/**
 * The one classifier of errors coming back from the services (PostgreSQL, Redis, Kafka, S3): is the
 * service unreachable (exit 69, try again once it answers), or is a table missing (a read before the
 * command that creates it)? Everything else is a real error and keeps its own meaning.
 *
 * Unreachable means the connection failed, not the request:
 *   - Node's socket errors (errno codes below): nothing listening, reset, no route, no DNS answer;
 *   - PostgreSQL's SQLSTATE class 08 (connection exception) and 57P01–57P03 (the server is shutting
 *     down, crashed, or not accepting connections yet); pg's "Connection terminated …" and pool
 *     "timeout exceeded when trying to connect";
 *   - ioredis offline: "Connection is closed.", "Stream isn't writeable …";
 *   - kafkajs: its connection, broker-not-found, retries-exhausted and request-timeout errors;
 *   - findoc's own timeouts: "… timed out after N ms".
 */
import { isFindocError, type FindocError } from './errors.js';

/** The SQLSTATEs findoc reacts to (PostgreSQL, Appendix A). */
export const SQLSTATE = {
  UNDEFINED_TABLE: '42P01',
  INVALID_SCHEMA_NAME: '3F000',
  ADMIN_SHUTDOWN: '57P01',
  CRASH_SHUTDOWN: '57P02',
  CANNOT_CONNECT_NOW: '57P03',
  /** The database named in the URL does not exist. */
  INVALID_CATALOG_NAME: '3D000',
  /** The role does not exist, or pg_hba.conf has no entry for it. */
  INVALID_AUTHORIZATION: '28000',
  INVALID_PASSWORD: '28P01',
} as const;

/** The host could not be reached at all: no DNS answer, nothing listening, no route. */
const CONNECT_FAILURE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'ENETDOWN', 'EHOSTUNREACH', 'EHOSTDOWN']);

const SOCKET_CODES = new Set([...CONNECT_FAILURE_CODES, 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/** A connection that never got made (download: after its retries, exit 69 rather than 75). */
export function isConnectFailure(e: unknown): boolean {
  return CONNECT_FAILURE_CODES.has(codeOf(e));
}

const UNREACHABLE_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONN|Connection is closed|Stream isn't writeable|ended unexpectedly|not connected|timed? ?out|Connection timeout|Closed connection|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH/i;

const KAFKAJS_UNREACHABLE = /^KafkaJS(ConnectionError|NumberOfRetriesExceeded|BrokerNotFound|NonRetriableError|RequestTimeoutError)$/;

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : '';
}

/** A connection-level failure of a service: it is down or unreachable, not wrong. */
export function isUnreachable(e: unknown): boolean {
  if (e === null || e === undefined || isFindocError(e)) return false;
  const code = codeOf(e);
  if (SOCKET_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code) || /^57P0[123]$/.test(code)) return true;
  if (KAFKAJS_UNREACHABLE.test((e as { name?: unknown }).name as string)) return true;
  return UNREACHABLE_MESSAGES.test(String((e as Error).message ?? e));
}

/**
 * The service answered and refused who we are or what we named: a database or role that does not exist, a
 * wrong password, S3 credentials missing or refused. Waiting will not help; the settings must change (exit 78).
 */
export function isRefusedSetting(e: unknown): 'database' | 'credentials' | null {
  const code = codeOf(e);
  if (code === SQLSTATE.INVALID_CATALOG_NAME) return 'database';
  if (code === SQLSTATE.INVALID_AUTHORIZATION || code === SQLSTATE.INVALID_PASSWORD) return 'credentials';
  const name = String((e as { name?: unknown } | null)?.name ?? '');
  if (/^(CredentialsProviderError|InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|ExpiredToken|InvalidToken)$/.test(name)) return 'credentials';
  return null;
}

/** PostgreSQL's "relation does not exist" or "schema does not exist": the command that creates it never ran here. */
export function isUndefinedTable(e: unknown): boolean {
  const code = codeOf(e);
  return code === SQLSTATE.UNDEFINED_TABLE || code === SQLSTATE.INVALID_SCHEMA_NAME;
}

/**
 * `e` as the CLI should see it: an unreachable service becomes `unavailable(e)` (a FindocError, exit 69,
 * naming the service and its address); FindocErrors and real errors pass unchanged.
 */
export function asUnavailable(e: unknown, unavailable: (cause: unknown) => FindocError): unknown {
  return isUnreachable(e) ? unavailable(e) : e;
}
