/**
 * What every command shares: the global connection flags and turning them into a Config.
 */
import type { Command } from '@commander-js/extra-typings';
import { resolveConfig, type Config, type GlobalFlags } from '../core/config.js';

/** Resolves defaults < config file < environment < the global flags of the command's program. */
export function configOf(command: { optsWithGlobals(): object }): Config {
  resolved = resolveConfig(command.optsWithGlobals() as GlobalFlags, process.env);
  return resolved;
}

let resolved: Config | null = null;

/** The config file an error's service address came from, if it did (the CLI names it in the hint). */
export function addressFileOf(service: string | undefined): string | null {
  if (!resolved?.configFile || service === undefined) return null;
  return resolved.fromFile.includes(service as Config['fromFile'][number]) ? resolved.configFile : null;
}

/** Adds a help section with examples to a command, printed after the options. */
export function withExamples<T extends Command<any, any, any>>(command: T, examples: string[]): T {
  command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  return command;
}

/**
 * A flag renamed so that a name means one thing in every command (docs/cli.md): the old spelling still
 * works for one release, hidden from --help, with one deprecation line on stderr.
 */
export function deprecated<T>(oldFlag: string, newFlag: string, value: T | undefined, command: string): T | undefined {
  if (value !== undefined) {
    process.stderr.write(`findoc ${command}: ${oldFlag} is deprecated here, use ${newFlag} (the old spelling goes in the next release)\n`);
  }
  return value;
}
