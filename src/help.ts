/**
 * How `--help` reads (issue 18): wrapped to the terminal (80 columns when stdout is not one), defaults shown
 * typed and once, a long flag on a line of its own instead of pushing every description off the screen, and
 * `findoc help companies sync` showing that subcommand.
 */
import { Help, type Command, type Option } from 'commander';
import { usageError } from './core/errors.js';

/** Flags wider than this go on a line of their own; the others are aligned at it. */
const TERM_COLUMN = 30;

export function helpWidth(stream: NodeJS.WriteStream = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(stream.columns, 40) : 80;
}

/** What commander's Help gets for every command of the tree. */
export function helpConfiguration(): Partial<Help> {
  return {
    sortSubcommands: false,
    longestOptionTermLength(cmd: Command, helper: Help) {
      return Math.min(TERM_COLUMN, Help.prototype.longestOptionTermLength.call(this, cmd, helper));
    },
    longestGlobalOptionTermLength(cmd: Command, helper: Help) {
      return Math.min(TERM_COLUMN, Help.prototype.longestGlobalOptionTermLength.call(this, cmd, helper));
    },
    longestSubcommandTermLength(cmd: Command, helper: Help) {
      return Math.min(TERM_COLUMN, Help.prototype.longestSubcommandTermLength.call(this, cmd, helper));
    },
    formatItem(term: string, termWidth: number, description: string, helper: Help) {
      const format = Help.prototype.formatItem.bind(this);
      if (helper.displayWidth(term) <= termWidth || !description) return format(term, termWidth, description, helper);
      return `  ${term}\n${format('', termWidth, description, helper)}`;
    },
    optionDescription: describeOption,
    boxWrap(text: string, width: number) {
      return width < 20 ? text : text.split('\n').map((line) => wrapLine(line, width)).join('\n');
    },
  };
}

/**
 * Wraps at spaces; a word wider than the box (a JSON shape, a robots spec) breaks after its commas instead
 * of running past the edge — with no space added, so what is shown can still be copied.
 */
export function wrapLine(line: string, width: number): string {
  const out: string[] = [];
  let current = '';
  const push = (piece: string, gap: string) => {
    if (current && current.length + gap.length + piece.length > width) {
      out.push(current);
      current = piece;
    } else current += (current ? gap : '') + piece;
  };
  for (const word of line.split(' ')) {
    if (word.length <= width) {
      push(word, ' ');
      continue;
    }
    const parts = word.split(/(?<=,)/);
    push(parts[0], ' ');
    for (const part of parts.slice(1)) push(part, '');
  }
  out.push(current);
  return out.join('\n');
}

/**
 * The option's description with its choices and default, the default written as the user types it
 * (`default: 4`, `default: 24h`, not `"4"`), and left out when the description already says it or when
 * there is none to show (an empty list).
 */
export function describeOption(option: Option): string {
  const extra: string[] = [];
  if (option.argChoices) extra.push(`choices: ${option.argChoices.join(', ')}`);
  const shown = defaultShown(option);
  if (shown !== null && !/\bdefault\b/i.test(option.description)) extra.push(`default: ${shown}`);
  if (option.envVar !== undefined) extra.push(`env: ${option.envVar}`);
  return extra.length ? `${option.description} (${extra.join(', ')})`.trim() : option.description;
}

function defaultShown(option: Option): string | null {
  if (option.defaultValueDescription) return option.defaultValueDescription;
  const value: unknown = option.defaultValue;
  if (value === undefined || !(option.required || option.optional)) return null;
  if (Array.isArray(value)) return value.length ? value.join(', ') : null;
  if (typeof value === 'string') return /^[\w.:/@+-]+$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

/**
 * Re-wraps help text to `width`: a paragraph (lines of one indentation) with a line too long is reflowed at
 * spaces, keeping its indentation; examples (`$ …`), list items and short preformatted blocks stay as written.
 */
export function wrapHelp(text: string, width: number): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let block: string[] = [];
  const flush = () => {
    if (block.length) out.push(...reflow(block, width));
    block = [];
  };
  for (const line of lines) {
    const indent = indentOf(line);
    const keep = line.trim() === '' || /^\s*(\$ |[-*] |\d+\. )/.test(line) || /\s{3,}\S/.test(line.trimStart());
    if (keep) {
      flush();
      out.push(line);
      continue;
    }
    if (block.length && indentOf(block[0]) !== indent) flush();
    block.push(line);
  }
  flush();
  return out.join('\n');
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function reflow(block: string[], width: number): string[] {
  if (block.every((l) => l.length <= width)) return block;
  const pad = ' '.repeat(indentOf(block[0]));
  const text = block.map((l) => l.trim()).join(' ');
  return wrapLine(text, width - pad.length).split('\n').map((l) => pad + l);
}

/** `findoc help A B …`: the help of the command at that path (commander's own help command looks one level down). */
export function helpAt(program: Command, path: string[]): Command {
  let cmd = program;
  for (const name of path) {
    const next = cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
    if (!next) {
      const known = cmd.commands.map((c) => c.name()).filter((n) => n !== 'help');
      throw usageError(`no command "${[cmd.name(), name].join(' ')}"`, `${cmd.name()} has: ${known.join(', ')}`);
    }
    cmd = next;
  }
  return cmd;
}
