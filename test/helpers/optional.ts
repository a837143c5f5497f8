/**
 * The one way a test may skip: as a member of a named optional group. scripts/test.sh prints each
 * group's skips with their count and reason and fails the run on any other skip, so a test that cannot
 * run for another reason must fail, saying why.
 *
 *   it('…', { skip: optionalSkip('sec-gov', 'no network to www.sec.gov') }, …)   // skipped, counted
 *   it('…', { skip: optionalSkip('sec-gov', false) }, …)                         // runs
 */
export function optionalSkip(group: string, reason: string | false): string | false {
  if (!/^[a-z0-9-]+$/.test(group)) throw new Error(`optional group names are lowercase words: ${group}`);
  return reason === false ? false : `optional(${group}): ${reason}`;
}
