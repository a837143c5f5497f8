/**
 * Hot bursts: make one company spike at a chosen time, on top of the day's normal traffic (the dashboard
 * demo and the tests use it to have a known "hot" CIK at a known second).
 *
 * Grammar (the command's repeatable --hot):
 *
 *   CIK@HH:MM:SS[+SECONDS][xFACTOR]
 *
 *   CIK      the filer, a positive integer (leading zeros allowed): 320193 or 0000320193
 *   HH:MM:SS start, UTC, in every generated day
 *   SECONDS  duration, default 60 (the burst is cut at midnight)
 *   FACTOR   intensity, default 5: during the burst the CIK gets FACTOR times the visits per second that
 *            the day's busiest filer gets at that time (calibration: the top CIK holds 1.9% of a day), so
 *            x1 makes it as busy as the top filer, x5 clearly the top of any window.
 *
 * Examples: 320193@14:30:00, 320193@14:30:00+300, 0000320193@09:00:00+120x20.
 */
import { usageError } from '../core/errors.js';

export interface HotBurst {
  cik: number;
  /** Second of day the burst starts (0 … 86,399). */
  start: number;
  seconds: number;
  factor: number;
}

export const DEFAULT_HOT_SECONDS = 60;
export const DEFAULT_HOT_FACTOR = 5;

const HOT_RE = /^(\d{1,10})@(\d{2}):(\d{2}):(\d{2})(?:\+(\d+))?(?:x(\d+(?:\.\d+)?))?$/;

export function parseHotBurst(text: string): HotBurst {
  const m = HOT_RE.exec(text.trim());
  const hint = 'write it as CIK@HH:MM:SS[+SECONDS][xFACTOR], e.g. 320193@14:30:00+120x10';
  if (!m) throw usageError(`--hot ${text}: not CIK@HH:MM:SS[+SECONDS][xFACTOR]`, hint);
  const cik = Number(m[1]);
  const hh = Number(m[2]);
  const mm = Number(m[3]);
  const ss = Number(m[4]);
  if (cik <= 0 || cik > 9_999_999_999) throw usageError(`--hot ${text}: CIK must be 1 … 9999999999`, hint);
  if (hh > 23 || mm > 59 || ss > 59) throw usageError(`--hot ${text}: ${m[2]}:${m[3]}:${m[4]} is not a time of day`, hint);
  const seconds = m[5] !== undefined ? Number(m[5]) : DEFAULT_HOT_SECONDS;
  const factor = m[6] !== undefined ? Number(m[6]) : DEFAULT_HOT_FACTOR;
  if (!(seconds >= 1 && seconds <= 86_400)) throw usageError(`--hot ${text}: SECONDS must be 1 … 86400`, hint);
  if (!(factor > 0 && factor <= 10_000)) throw usageError(`--hot ${text}: FACTOR must be > 0 and ≤ 10000`, hint);
  return { cik, start: hh * 3600 + mm * 60 + ss, seconds, factor };
}

/** The burst's seconds within the day: [start, end). */
export function burstWindow(b: HotBurst): { start: number; end: number } {
  return { start: b.start, end: Math.min(86_400, b.start + b.seconds) };
}
