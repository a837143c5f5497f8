import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli.js';
import { COMPLETION_FILES } from '../src/commands/completion.js';
import { completionScript, SHELLS } from '../src/completion.js';

const program = () => buildProgram() as unknown as Command;

describe('shell completions', () => {
  for (const shell of SHELLS) {
    it(`completions/${COMPLETION_FILES[shell]} is in sync with the command tree (npm run completions)`, () => {
      const committed = readFileSync(new URL(`../completions/${COMPLETION_FILES[shell]}`, import.meta.url), 'utf8');
      assert.equal(committed, completionScript(program(), shell));
    });
  }

  it('every command and its options appear in every script', () => {
    const tree = program();
    for (const shell of SHELLS) {
      const script = completionScript(tree, shell);
      for (const cmd of tree.commands) {
        if (cmd.name() === 'help') continue;
        assert.ok(script.includes(cmd.name()), `${shell}: ${cmd.name()}`);
        for (const o of cmd.options) assert.ok(script.includes(o.long!.slice(2)), `${shell}: ${cmd.name()} ${o.long}`);
      }
    }
  });

  it('bash completes subcommands and their options', () => {
    const script = completionScript(program(), 'bash');
    const complete = (line: string) =>
      execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _findoc; echo "\${COMPREPLY[*]}"`], {
        encoding: 'utf8',
      }).trim();
    assert.equal(complete(`findoc doc`), 'doctor');
    assert.equal(complete(`findoc doctor --js`), '--json');
    assert.equal(complete(`findoc --brokers x:1 doctor --ti`), '--timeout');
  });

  it('zsh and fish accept their scripts', { skip: !hasShell('zsh') && !hasShell('fish') }, () => {
    if (hasShell('zsh')) execFileSync('zsh', ['-n', '-c', completionScript(program(), 'zsh')]);
    if (hasShell('fish')) execFileSync('fish', ['--no-execute', '-c', completionScript(program(), 'fish')]);
  });
});

function hasShell(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
