/**
 * Shared by integration tests: the configuration of the local stack (npm run stack:up) and unique names
 * so that each test has its own topic, key prefix, schema or bucket.
 */
import { randomBytes } from 'node:crypto';
import { resolveConfig, type Config } from '../../src/core/config.js';

export function stackConfig(): Config {
  return resolveConfig({}, process.env);
}

/** e.g. uniqueName('t') → "t-lq3k9x-3fa2b1"; lowercase letters, digits and dashes only. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A PostgreSQL schema name (identifiers cannot contain dashes). */
export function uniqueSchema(prefix: string): string {
  return uniqueName(prefix).replace(/-/g, '_');
}
