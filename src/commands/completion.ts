import { Argument, Command, Option } from '@commander-js/extra-typings';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { completionScript, SHELLS, type Shell } from '../completion.js';
import { usageError } from '../core/errors.js';
import { info } from '../output.js';
import { withExamples } from './context.js';

export const COMPLETION_FILES: Record<Shell, string> = { bash: 'findoc.bash', zsh: '_findoc', fish: 'findoc.fish' };

/** `findoc completion <shell>` prints a script; `--write [dir]` regenerates completions/ (npm run completions). */
export function completionCommand(program: () => import('commander').Command) {
  const cmd = new Command('completion')
    .description('print the shell completion script for bash, zsh or fish')
    .addArgument(new Argument('[shell]', 'bash, zsh or fish').choices(SHELLS))
    .addOption(new Option('--write [dir]', 'write all three scripts into a folder (default: completions/)'))
    .action((shell, opts) => {
      if (opts.write) {
        const dir = typeof opts.write === 'string' ? opts.write : 'completions';
        mkdirSync(dir, { recursive: true });
        for (const s of SHELLS) writeFileSync(join(dir, COMPLETION_FILES[s]), completionScript(program(), s));
        info(`wrote ${SHELLS.map((s) => join(dir, COMPLETION_FILES[s])).join(', ')}`);
        return;
      }
      if (!shell) throw usageError('name a shell: bash, zsh or fish', 'findoc completion bash');
      process.stdout.write(completionScript(program(), shell));
    });
  return withExamples(cmd, [
    'findoc completion bash > ~/.local/share/bash-completion/completions/findoc',
    'findoc completion zsh > "${fpath[1]}/_findoc"',
    'findoc completion fish > ~/.config/fish/completions/findoc.fish',
  ]);
}
