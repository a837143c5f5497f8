/**
 * The findoc program: builds the commander tree from src/commands/ and maps errors to exit codes
 * (src/core/errors.ts). Nothing else lives here.
 */
import { Command, CommanderError, Option } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { alertsCommand } from './commands/alerts.js';
import { attentionCommand } from './commands/attention.js';
import { bandsCommand } from './commands/bands.js';
import { batchCommand } from './commands/batch.js';
import { companiesCommand } from './commands/companies.js';
import { completionCommand } from './commands/completion.js';
import { doctorCommand } from './commands/doctor.js';
import { downloadCommand } from './commands/download.js';
import { generateCommand } from './commands/generate.js';
import { replayCommand } from './commands/replay.js';
import { streamCommand } from './commands/stream.js';
import { sessionsCommand } from './commands/sessions.js';
import { robotsCommand } from './commands/robots.js';
import { topCommand } from './commands/top.js';
import { watchCommand } from './commands/watch.js';
import { ERROR_CODES, EXIT_CODE_MEANINGS, OUTCOME_CODES, isFindocError } from './core/errors.js';
import { redactText } from './core/redact.js';
import { helpAt, helpConfiguration, helpWidth, wrapHelp } from './help.js';
import { paint } from './output.js';
import { receivedSignal } from './signals.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram() {
  const program = new Command('findoc')
    .description('Which SEC EDGAR filers is the public reading right now, and is EDGAR traffic cold, normal or hot?')
    .version(pkg.version, '-V, --version', 'print the findoc version')
    .addOption(new Option('--config <file>', 'JSON config file (default: ~/.config/findoc/config.json)').env('FINDOC_CONFIG'))
    .addOption(new Option('--brokers <list>', 'Kafka brokers, comma separated (env KAFKA_BROKERS; default 127.0.0.1:9092)'))
    .addOption(new Option('--redis-url <url>', 'Redis URL (env REDIS_URL; default redis://127.0.0.1:6379)'))
    .addOption(new Option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL or PG*; default postgres://127.0.0.1:5432/findoc)'))
    .addOption(new Option('--s3-endpoint <url>', 'S3 endpoint (env AWS_ENDPOINT_URL_S3; default http://127.0.0.1:9000, the local stack)'))
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      `
Pipeline:  download → S3 → replay → Kafka → stream → Redis → watch / top
                      S3 → batch → PostgreSQL (bands) → watch / bands

Connection settings: defaults (the local stack) < config file < environment < flags.

Exit codes: ${EXIT_CODE_MEANINGS.map((e) => `${e.code} ${e.label}`).join(', ')}.

Examples:
  $ npm run stack:up && findoc doctor
  $ findoc completion bash > ~/.local/share/bash-completion/completions/findoc
`,
    );

  program.addCommand(doctorCommand());
  program.addCommand(replayCommand());
  program.addCommand(streamCommand());
  program.addCommand(sessionsCommand());
  program.addCommand(topCommand());
  program.addCommand(robotsCommand());
  program.addCommand(downloadCommand());
  program.addCommand(generateCommand());
  program.addCommand(companiesCommand());
  program.addCommand(batchCommand());
  program.addCommand(bandsCommand());
  program.addCommand(watchCommand());
  program.addCommand(alertsCommand());
  program.addCommand(attentionCommand());
  program.addCommand(completionCommand(() => program as unknown as import('commander').Command));
  addHelpCommand(program as unknown as import('commander').Command);

  // Usage errors exit 64, as sysexits.h says (commander's default is 1). addCommand() does not copy
  // settings to subcommands, so apply them to the whole tree.
  const configure = (c: import('commander').Command, root: boolean) => {
    c.exitOverride()
      .showHelpAfterError('(run with --help for usage)')
      .configureHelp({ ...helpConfiguration(), showGlobalOptions: root })
      .configureOutput({ writeOut: (text) => process.stdout.write(wrapHelp(text, helpWidth())) });
    c.commands.forEach((sub) => configure(sub, false));
  };
  configure(program as unknown as import('commander').Command, true);
  return program;
}

/** `findoc help [COMMAND...]`, down to subcommands (`findoc help companies sync`). */
function addHelpCommand(program: import('commander').Command): void {
  program.helpCommand(false);
  program
    .command('help')
    .description('display help for a command (findoc help companies sync)')
    .argument('[command...]', 'the command, and its subcommand')
    .action((path: string[]) => helpAt(program, path).help());
}

function exitCodeForCommander(e: CommanderError): number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
  return e.exitCode === 0 ? 0 : ERROR_CODES.FINDOC_USAGE;
}

export async function main(argv: string[]): Promise<void> {
  stopOnClosedOutput();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    // Stopped by a signal but finished cleanly (replay, stream, sessions --follow …): 130, as the
    // commands that stop with FINDOC_INTERRUPTED exit.
    if (receivedSignal() !== null && !process.exitCode) process.exitCode = ERROR_CODES.FINDOC_INTERRUPTED;
  } catch (e) {
    process.exitCode = report(e);
  }
}

/**
 * A reader that went away (`findoc generate --out - | head`) stops the command at once, with no success
 * line, and exit 141 as SIGPIPE would give: the pipeline's usual outcome, and no "generated …" for output
 * nobody read. (Node ignores SIGPIPE, so without this the write fails with EPIPE.)
 */
function stopOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(ERROR_CODES.FINDOC_BROKEN_PIPE);
      throw e;
    });
  }
}

/** Prints an error for a human on stderr and returns the exit code. */
function report(e: unknown): number {
  if (e instanceof CommanderError) return exitCodeForCommander(e);
  if (isFindocError(e) && OUTCOME_CODES.has(e.code)) {
    process.stderr.write(`${redactText(e.message)}\n`);
    return e.exitCode;
  }
  if (isFindocError(e)) {
    process.stderr.write(`${paint('findoc:', 'red', process.stderr)} ${redactText(e.message)}\n`);
    if (e.details.hint) process.stderr.write(`  hint: ${redactText(e.details.hint)}\n`);
    return e.exitCode;
  }
  process.stderr.write(`findoc: internal error: ${redactText(String((e as Error)?.stack ?? e))}\n`);
  return ERROR_CODES.FINDOC_INTERNAL;
}
