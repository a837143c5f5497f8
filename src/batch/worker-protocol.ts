/**
 * Messages between the batch main thread and its worker threads (worker-pool.ts ↔ day-worker.ts), and how
 * an error crosses the boundary: structured clone keeps an Error's message but not its class, so a
 * FindocError is sent as its fields and rebuilt with the same code (hence the same exit code).
 */
import type { S3Settings } from '../core/config.js';
import { ERROR_CODES, FindocError, isFindocError, type ErrorCode } from '../core/errors.js';
import type { DayJob, DayJobResult } from './day-job.js';

export interface WorkerInit {
  s3: S3Settings | null;
  /** For --raw: where the worker COPYs rows. */
  postgres: { url: string; schema?: string } | null;
}

export type ToWorker = { type: 'run'; id: number; job: DayJob };

export type FromWorker =
  | { type: 'progress'; id: number; rows: number; bytes: number }
  | { type: 'done'; id: number; result: DayJobResult }
  | { type: 'error'; id: number; error: SerializedError };

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, string | undefined>;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (isFindocError(e)) return { name: e.name, message: e.message, code: e.code, details: { ...e.details }, stack: e.stack };
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.code && s.code in ERROR_CODES) {
    const e = new FindocError(s.code as ErrorCode, s.message, s.details ?? {});
    if (s.stack) e.stack = s.stack;
    return e;
  }
  const e = new Error(s.message);
  e.name = s.name;
  if (s.stack) e.stack = s.stack;
  return e;
}
