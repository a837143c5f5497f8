/**
 * Prints the figures of a bench/run.sh run (an NDJSON file of bench/lib/report.ts lines) as one table. The
 * JSON lines themselves are not printed again: each bench printed them once, and the file holds them.
 */
import { readFileSync } from 'node:fs';
import { report, type Figure } from './report.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx bench/lib/summary.ts results.ndjson\n');
  process.exit(64);
}
const figures = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l) as Figure);
report(figures, { json: false });
