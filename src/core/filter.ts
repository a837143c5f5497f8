/**
 * Visit filters, shared by stream and batch (DESIGN §2) so that live numbers and historical bands compare
 * like with like. A filter is a set of named rules; a visit is kept when no rule drops it.
 *
 * Rules (each is stateless: it looks at one row only, so stream and batch apply it identically, whatever
 * the order or partitioning of the rows):
 *
 *   crawlers   drop rows the SEC flags as crawlers (`crawler` = 1: the user agent declares a bot, or the
 *              status was 404). `--exclude-crawlers` is a shorthand for `--filter crawlers`.
 *   errors     drop rows whose status code is 400 or more (failed requests are not attention).
 *
 * Not provided: the research convention of dropping IPs with ≥ 50 requests a day. It needs a whole day
 * of an IP's history before the first of its rows can be judged, which a live stream cannot know; a causal
 * variant (drop from the 50th request on) needs per-IP state kept exactly-once in Redis. Left for later.
 *
 * A filter has a canonical name ("all", "crawlers", "crawlers+errors") recorded with every stored count,
 * so bands computed under one filter are never compared with live counts under another.
 */
import { usageError } from './errors.js';
import type { VisitBatch } from './visit.js';

export const FILTER_RULES = {
  crawlers: 'drop rows the SEC flags as crawlers (crawler = 1)',
  errors: 'drop rows with an HTTP status of 400 or more',
} as const;

export type FilterRule = keyof typeof FILTER_RULES;

export interface VisitFilter {
  /** Canonical name: "all" or the rules sorted and joined by "+". */
  readonly name: string;
  readonly rules: readonly FilterRule[];
  /** Does the filter keep visit i of the batch? */
  keep(batch: VisitBatch, i: number): boolean;
}

/**
 * Builds a filter from the command-line options: `--filter a,b` (or "a+b", or "all") and
 * `--exclude-crawlers`.
 */
export function parseFilter(spec: string | undefined, excludeCrawlers = false): VisitFilter {
  const rules = new Set<FilterRule>();
  for (const raw of (spec ?? '').split(/[,+]/)) {
    const r = raw.trim().toLowerCase();
    if (r === '' || r === 'all' || r === 'none') continue;
    if (!(r in FILTER_RULES)) {
      throw usageError(
        `unknown filter rule "${raw.trim()}"`,
        `use one or more of: ${Object.keys(FILTER_RULES).join(', ')} (e.g. --filter crawlers,errors)`,
      );
    }
    rules.add(r as FilterRule);
  }
  if (excludeCrawlers) rules.add('crawlers');
  return filterOf([...rules]);
}

export function filterOf(ruleList: FilterRule[]): VisitFilter {
  const rules = [...new Set(ruleList)].sort();
  const dropCrawlers = rules.includes('crawlers');
  const dropErrors = rules.includes('errors');
  return {
    name: rules.length === 0 ? 'all' : rules.join('+'),
    rules,
    keep: (batch, i) => !(dropCrawlers && batch.crawler[i] === 1) && !(dropErrors && batch.code[i] >= 400),
  };
}
