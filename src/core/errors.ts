/**
 * The closed list of findoc error codes and the exit code each maps to (DESIGN §3). Every failure a user
 * can see is a FindocError; anything else reaching the CLI is a bug and exits 70 with its stack.
 *
 * Messages say what failed, where (host:port, file:line, s3 key) and what to do. They never carry
 * secrets: build them from redacted addresses (see redact.ts).
 */
export const ERROR_CODES = {
  /** A lookup found nothing (companies show), as grep exits 1 on no match. */
  FINDOC_NOT_FOUND: 1,
  FINDOC_USAGE: 64,
  FINDOC_BAD_INPUT: 65,
  FINDOC_SERVICE_UNAVAILABLE: 69,
  FINDOC_INTERNAL: 70,
  FINDOC_TEMPORARY: 75,
  FINDOC_CONFIG: 78,
  /** Stopped by Ctrl-C / SIGTERM before the end (128 + SIGINT, as shells expect). */
  FINDOC_INTERRUPTED: 130,
  /** stdout was closed by its reader (`findoc … | head`): stopped at once, as SIGPIPE would (128 + 13). */
  FINDOC_BROKEN_PIPE: 141,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * What each exit code means: a short label for `--help`, a sentence for the README's table
 * (test/core/errors.test.ts keeps the README in step with this list). 0 is success; the others are ERROR_CODES.
 */
export const EXIT_CODE_MEANINGS: readonly { code: number; label: string; meaning: string }[] = [
  { code: 0, label: 'ok', meaning: 'done' },
  { code: ERROR_CODES.FINDOC_NOT_FOUND, label: 'not found', meaning: 'a lookup found nothing (`companies show`), as grep does' },
  { code: ERROR_CODES.FINDOC_USAGE, label: 'usage', meaning: 'a bad flag or value; nothing was done' },
  { code: ERROR_CODES.FINDOC_BAD_INPUT, label: 'bad input', meaning: 'bad input data: `--strict` rejects, a corrupt file, a missing day' },
  { code: ERROR_CODES.FINDOC_SERVICE_UNAVAILABLE, label: 'service unavailable', meaning: 'a service is unavailable; the message names the service, the address and the setting' },
  { code: ERROR_CODES.FINDOC_INTERNAL, label: 'internal error', meaning: 'a bug in findoc; the stack is printed' },
  { code: ERROR_CODES.FINDOC_TEMPORARY, label: 'retry later', meaning: 'a temporary failure (a lease held, retries used up); worth running again' },
  { code: ERROR_CODES.FINDOC_CONFIG, label: 'config', meaning: 'a configuration error; the message names the setting' },
  { code: ERROR_CODES.FINDOC_INTERRUPTED, label: 'interrupted', meaning: 'stopped by Ctrl-C, SIGTERM or SIGHUP, after the clean summary' },
  { code: ERROR_CODES.FINDOC_BROKEN_PIPE, label: 'output closed', meaning: 'stdout was closed by its reader (`| head`): stopped at once, as SIGPIPE would' },
];

/**
 * Codes that tell how a run ended rather than that something failed: the CLI prints their message as a
 * plain line, without the red "findoc:" of a failure, and exits with their code.
 */
export const OUTCOME_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['FINDOC_NOT_FOUND', 'FINDOC_INTERRUPTED', 'FINDOC_BROKEN_PIPE']);

export interface FindocErrorDetails {
  /** Which external service failed, e.g. "Kafka". */
  service?: string;
  /** The address tried, already redacted, e.g. "127.0.0.1:9092". */
  address?: string;
  /** The setting a user changes to fix it, e.g. "KAFKA_BROKERS or --brokers". */
  setting?: string;
  /** What to do next, one sentence. */
  hint?: string;
}

export class FindocError extends Error {
  readonly code: ErrorCode;
  readonly details: FindocErrorDetails;

  constructor(code: ErrorCode, message: string, details: FindocErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FindocError';
    this.code = code;
    this.details = details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code];
  }

  /** A JSON-safe view for --json output (no stack, no cause: causes may quote secrets). */
  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

export function usageError(message: string, hint?: string): FindocError {
  return new FindocError('FINDOC_USAGE', message, { hint });
}

export function configError(message: string, setting?: string, hint?: string): FindocError {
  return new FindocError('FINDOC_CONFIG', message, { setting, hint });
}

export function badInput(message: string, hint?: string): FindocError {
  return new FindocError('FINDOC_BAD_INPUT', message, { hint });
}

/** "Kafka at 127.0.0.1:9092 is unavailable (…). Set KAFKA_BROKERS or --brokers; start the local stack with npm run stack:up." */
export function serviceUnavailable(
  service: string,
  address: string,
  setting: string,
  cause?: unknown,
): FindocError {
  const reason = cause instanceof Error ? cause.message : cause ? String(cause) : 'no answer';
  const hint = `check the address or set ${setting}; for the local stack run: npm run stack:up`;
  return new FindocError(
    'FINDOC_SERVICE_UNAVAILABLE',
    `${service} at ${address} is unavailable (${reason})`,
    { service, address, setting, hint },
    { cause },
  );
}

/** Ctrl-C stopped the run; the message says what was kept ("interrupted: nothing was written"). Exit 130. */
export function interrupted(message: string): FindocError {
  return new FindocError('FINDOC_INTERRUPTED', message);
}

/** A lookup found nothing; the message says what was looked for and where. Exit 1. */
export function notFound(message: string): FindocError {
  return new FindocError('FINDOC_NOT_FOUND', message);
}

export function isFindocError(e: unknown): e is FindocError {
  return e instanceof FindocError;
}
