/**
 * What every command shares: the global connection flags and turning them into a Config.
 */
import type { Command } from '@commander-js/extra-typings';
import { resolveConfig, type Config, type GlobalFlags } from '../core/config.js';

/** Resolves defaults < config file < environment < the global flags of the command's program. */
export function configOf(command: { optsWithGlobals(): object }): Config {
  return resolveConfig(command.optsWithGlobals() as GlobalFlags, process.env);
}

/** Adds a help section with examples to a command, printed after the options. */
export function withExamples<T extends Command<any, any, any>>(command: T, examples: string[]): T {
  command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
  return command;
}
