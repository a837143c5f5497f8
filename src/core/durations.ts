/**
 * The one grammar of every duration flag (stream --retention, --max-future, --session-timeout; watch --span,
 * --refresh; download --timeout; batch --lease; doctor --timeout):
 *
 *   duration := number unit?        number := digits ("." digits)?  |  "." digits
 *   unit     := "ms" | "s" | "m" | "min" | "h" | "d"   (case-insensitive, spaces allowed around)
 *
 * e.g. 500ms, 90s, 5m, 24h, 1d, 1.5h. A bare number keeps the unit each flag documents (`bare`): seconds
 * for most, milliseconds for doctor --timeout. The value comes back in the flag's own unit (`unit`),
 * checked against [min, max] in that unit; a usage error (exit 64) names the flag and the accepted range.
 */
import { usageError } from './errors.js';

export type DurationUnit = 'ms' | 's';

export interface DurationFlag {
  /** The flag as the user typed it, for the message: "--span". */
  flag: string;
  /** The unit of the returned number. */
  unit: DurationUnit;
  /** The unit of a bare number (default: `unit`). */
  bare?: DurationUnit;
  /** Bounds, inclusive, in `unit`. */
  min: number;
  max: number;
  /** The result must be a whole number of `unit` (e.g. Redis retention in whole seconds). */
  whole?: boolean;
}

const MS_PER: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "5m", "1h", "1d", "500ms" or a bare number in the flag's documented unit → a number in `spec.unit`. */
export function parseDuration(text: string, spec: DurationFlag): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|min|m|h|d)?\s*$/i.exec(text);
  if (!m) {
    throw usageError(`${spec.flag} must be a duration like 500ms, 90s, 5m, 24h or 1d, got "${text}"`, `a number and a unit (ms, s, m, h, d), between ${rangeWords(spec)}`);
  }
  const ms = Number(m[1]) * MS_PER[(m[2] ?? spec.bare ?? spec.unit).toLowerCase()];
  const value = spec.unit === 'ms' ? ms : ms / 1000;
  if (!(value >= spec.min && value <= spec.max)) {
    throw usageError(`${spec.flag} must be between ${rangeWords(spec)}, got "${text}"`);
  }
  if (spec.whole && !Number.isInteger(value)) {
    throw usageError(`${spec.flag} must be a whole number of ${spec.unit === 'ms' ? 'milliseconds' : 'seconds'}, got "${text}"`);
  }
  return value;
}

function rangeWords(spec: DurationFlag): string {
  return `${durationWords(spec.min, spec.unit)} and ${durationWords(spec.max, spec.unit)}`;
}

/** 0.2 s → "200ms", 300 s → "5m", 86400 s → "1d": the shortest exact form, in the grammar above. */
export function durationWords(value: number, unit: DurationUnit): string {
  const ms = unit === 'ms' ? value : value * 1000;
  for (const u of ['d', 'h', 'm', 's'] as const) {
    const n = ms / MS_PER[u];
    if (n >= 1 && Number.isInteger(n)) return `${n}${u}`;
  }
  return `${ms}ms`;
}

/** The upper bound of flags that had none: 100 years, beyond any EDGAR log span. */
export const MAX_DURATION_SECONDS = 36_500 * 86_400;
