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
 *   robots     drop the visits of robot IPs, by per-(day, IP) request rates (robots.ts): stateful, so a
 *              filter is started once per day (batch) or per stream (start()), and fed the visits in order.
 *              `--robots RULE` picks the rule (default drt) and turns the rule on; `--robots-mode day`
 *              (batch only) drops a robot IP's visits for its whole day.
 *
 * Rules combine: a visit is kept when no rule drops it. The robots counts see every visit of the day,
 * including those crawlers or errors drop (robots.ts explains why).
 *
 * A filter has a canonical name ("all", "crawlers", "crawlers+errors", "crawlers+robots(drt)",
 * "robots-day(lm)", …: the rules sorted, robots carrying its rule and mode) recorded with every stored count,
 * so bands computed under one filter are never compared with live counts under another.
 */
import { usageError } from './errors.js';
import { RobotClassifier, ipKeyAt, parseRobotRule, parseRobotsMode, robotsFilterName, type RobotRule, type RobotsMode } from './robots.js';
import { SECONDS_PER_DAY, type VisitBatch } from './visit.js';

export const FILTER_RULES = {
  crawlers: 'drop rows the SEC flags as crawlers (crawler = 1)',
  errors: 'drop rows with an HTTP status of 400 or more',
  robots: 'drop the visits of robot IPs by per-(day, IP) request rates (--robots RULE, --robots-mode)',
} as const;

export type FilterRule = keyof typeof FILTER_RULES;

/** The robots rule of a filter, in the form a worker thread can receive (structured-clone safe). */
export interface RobotsSetting {
  /** RULE as given to --robots (a preset or a spec), or its canonical name. */
  rule: string;
  mode: RobotsMode;
}

export interface VisitFilter {
  /** Canonical name: "all" or the rules sorted and joined by "+" (robots as robots(<rule>) / robots-day(<rule>)). */
  readonly name: string;
  readonly rules: readonly FilterRule[];
  /** The robots rule and mode when `rules` has robots, else null. */
  readonly robots: { readonly rule: RobotRule; readonly mode: RobotsMode } | null;
  /**
   * Does the filter's STATELESS part (crawlers, errors) keep visit i of the batch? Robots are not looked
   * at: a filter with robots must be applied through start().
   */
  keep(batch: VisitBatch, i: number): boolean;
  /**
   * A pass of the filter over visits given in order (one day of batch, or a stream). In day mode, `dayRobots`
   * is a classifier already fed the whole day (a first pass over the file; see needsDayPass).
   */
  start(dayRobots?: RobotClassifier): FilterPass;
  /** True in robots day mode: the day must be read once through a classifier before start(). */
  readonly needsDayPass: boolean;
}

/** A filter applied to visits in order, with the state that needs (robots). */
export interface FilterPass {
  /** Keeps visit i? Call it once per visit, in order: robots counts it. */
  keep(batch: VisitBatch, i: number): boolean;
  /** The causal robots classifier of the pass (null without robots, or in day mode). */
  readonly classifier: RobotClassifier | null;
}

/**
 * Builds a filter from the command-line options: `--filter a,b` (or "a+b", or "all"), `--exclude-crawlers`,
 * `--robots RULE` and `--robots-mode MODE` (either turns the robots rule on).
 */
export function parseFilter(
  spec: string | undefined,
  excludeCrawlers = false,
  robots: { rule?: string; mode?: string } = {},
): VisitFilter {
  const rules = new Set<FilterRule>();
  for (const raw of (spec ?? '').split(/[,+]/)) {
    const r = raw.trim().toLowerCase();
    if (r === '' || r === 'all' || r === 'none') continue;
    if (!(r in FILTER_RULES)) {
      throw usageError(
        `unknown filter rule "${raw.trim()}"`,
        `use one or more of: ${Object.keys(FILTER_RULES).join(', ')} (e.g. --filter robots,crawlers,errors)`,
      );
    }
    rules.add(r as FilterRule);
  }
  if (excludeCrawlers) rules.add('crawlers');
  if (robots.rule !== undefined || robots.mode !== undefined) rules.add('robots');
  const setting = rules.has('robots') ? { rule: robots.rule ?? 'drt', mode: parseRobotsMode(robots.mode) } : null;
  return filterOf([...rules], setting);
}

export function filterOf(ruleList: FilterRule[], robotsSetting: RobotsSetting | null = null): VisitFilter {
  const rules = [...new Set(ruleList)].sort();
  const dropCrawlers = rules.includes('crawlers');
  const dropErrors = rules.includes('errors');
  const hasRobots = rules.includes('robots');
  const robots = hasRobots ? { rule: parseRobotRule(robotsSetting?.rule), mode: robotsSetting?.mode ?? 'causal' } : null;
  const keep = (batch: VisitBatch, i: number) => !(dropCrawlers && batch.crawler[i] === 1) && !(dropErrors && batch.code[i] >= 400);
  const names = rules.map((r) => (r === 'robots' && robots ? robotsFilterName(robots.rule, robots.mode) : r));
  return {
    name: rules.length === 0 ? 'all' : names.join('+'),
    rules,
    robots,
    keep,
    needsDayPass: robots?.mode === 'day',
    start(dayRobots) {
      if (!robots) return { keep, classifier: null };
      if (robots.mode === 'day') {
        if (!dayRobots) throw new Error('robots day mode needs the classifier of a first pass over the day');
        return {
          classifier: null,
          keep: (batch, i) => !dayRobots.isRobot(Math.floor(batch.second[i] / SECONDS_PER_DAY), ipKeyAt(batch, i)) && keep(batch, i),
        };
      }
      const classifier = new RobotClassifier(robots.rule);
      // The classifier sees every visit (even those the stateless rules drop), so call it first.
      return { classifier, keep: (batch, i) => !classifier.visitAt(batch, i) && keep(batch, i) };
    },
  };
}
