/**
 * The one integer-flag parser (--workers, --partitions, --rows-per-day, --max-rps, …): decimal digits,
 * optionally signed, with `_` allowed as a thousands separator ("1_000_000"), spaces around ignored. No
 * exponents, hex or fractions: "1e3" or "2.0" in a count is more likely a typo than a wish.
 */
import { usageError } from './errors.js';

/** "1_000" → 1000, checked against [min, max]; a usage error (exit 64) naming the flag and range otherwise. */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const m = /^\s*([+-]?\d+(?:_\d+)*)\s*$/.exec(text);
  const n = m ? Number(m[1].replaceAll('_', '')) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`${flag} must be an integer ${min} … ${max}, got ${text}`);
  }
  return n;
}

/** Kafka's practical bound on a topic's partitions when findoc creates it (stream, replay --partitions). */
export const MAX_PARTITIONS = 10_000;
