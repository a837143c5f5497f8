/**
 * Output conventions (DESIGN §3): results to stdout, progress and diagnostics to stderr; progress only
 * when stderr is a TTY; colour off under NO_COLOR or a non-TTY; --json prints one JSON document.
 */
import Table from 'cli-table3';
import { colourAllowed } from './core/config.js';
import { redactText } from './core/redact.js';

export function useColour(stream: NodeJS.WriteStream = process.stdout): boolean {
  return colourAllowed() && stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, grey: 90, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(text: string, colour: Colour, stream: NodeJS.WriteStream = process.stdout): string {
  return useColour(stream) ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}

/** Prints one JSON document to stdout; any URL credentials inside are redacted. */
export function printJson(value: unknown): void {
  process.stdout.write(redactText(JSON.stringify(value, null, 2)) + '\n');
}

/** Prints one NDJSON record to stdout. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(redactText(JSON.stringify(value)) + '\n');
}

/** A number as tables print it: 1234, 1,234, 0.75, -3, 12.5 %, 3.1 MiB. */
const NUMERIC = /^-?[\d,]*\.?\d+(?: ?%| (?:B|KiB|MiB|GiB|TiB))?$/;

/** A table on stdout: compact, numbers aligned right (a column is numeric when every filled cell is). */
export function printTable(head: string[], rows: (string | number)[][]): void {
  const numeric = head.map((_, c) => {
    const cells = rows.map((r) => r[c]).filter((v) => v !== '' && v !== undefined);
    return cells.length > 0 && cells.every((v) => typeof v === 'number' || NUMERIC.test(v));
  });
  const table = new Table({
    head,
    colAligns: numeric.map((n) => (n ? 'right' : 'left')),
    style: { head: useColour() ? ['cyan'] : [], border: useColour() ? ['grey'] : [] },
  });
  for (const r of rows) table.push(r.map(String));
  process.stdout.write(compact(table.toString()) + '\n');
}

/** Keeps the line under the header and drops the ones between rows: ten rows take 14 lines, not 23. */
function compact(drawn: string): string {
  let separators = 0;
  return drawn
    .split('\n')
    .filter((line) => !line.replace(/\x1b\[[\d;]*m/g, '').startsWith('├') || separators++ === 0)
    .join('\n');
}

/** A diagnostic line on stderr. */
export function info(message: string): void {
  process.stderr.write(redactText(message) + '\n');
}

/**
 * A one-line progress display on stderr, redrawn in place at most every `intervalMs`; silent when stderr
 * is not a TTY (scripts and CI logs get the final summary only).
 */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;

  constructor(private readonly intervalMs = 200, enabled?: boolean) {
    this.enabled = enabled ?? process.stderr.isTTY === true;
  }

  update(render: () => string, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < this.intervalMs) return;
    this.last = now;
    const width = process.stderr.columns ?? 100;
    process.stderr.write('\r' + render().slice(0, width - 1).padEnd(width - 1));
  }

  done(): void {
    if (this.enabled && this.last !== 0) process.stderr.write('\n');
  }
}

// Pure, so that a stage can word its report with them too.
export { formatBytes, formatRate } from './core/format.js';
