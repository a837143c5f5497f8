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

  it('each command completes exactly its own options and the global ones (bash and fish run; zsh per function)', () => {
    const tree = program();
    const scripts = Object.fromEntries(SHELLS.map((shell) => [shell, completionScript(tree, shell)]));
    const globals = longs(tree).filter((l) => l !== '--version'); // --version belongs to findoc itself
    for (const path of commandPaths(tree)) {
      const cmd = path.reduce((c: Command, name) => c.commands.find((x) => x.name() === name)!, tree);
      // Expected from the command tree; actual from the shells themselves (or the zsh function's body).
      const want = [...new Set([...longs(cmd), ...globals, '--help'])].sort();
      const line = ['findoc', ...path].join(' ');
      assert.deepEqual(bashComplete(scripts.bash, `${line} --`).filter((w) => w.startsWith('--')).sort(), want, `bash: ${line}`);
      assert.deepEqual(fishComplete(scripts.fish, `${line} --`).sort(), want, `fish: ${line}`);
      const fn = new RegExp(`^_findoc_${path.join('_').replaceAll('-', '_')}\\(\\) \\{\\n([\\s\\S]*?)^\\}`, 'm').exec(scripts.zsh);
      assert.ok(fn, `zsh: no function for ${line}`);
      const zsh = [...fn[1].matchAll(/(?:'|\{|,)(--[a-z0-9-]+)(?=\[|,|\})/g)].map((m) => m[1]);
      assert.deepEqual([...new Set(zsh)].sort(), want, `zsh: ${line}`);
    }
  });

  it('bash completes subcommands and their options', () => {
    const script = completionScript(program(), 'bash');
    const complete = (line: string) => bashComplete(script, line).join(' ');
    assert.equal(complete(`findoc doc`), 'doctor');
    assert.equal(complete(`findoc doctor --js`), '--json');
    assert.equal(complete(`findoc --brokers x:1 doctor --ti`), '--timeout');
  });

  it('a flag with choices completes them, and `completion` completes the shells (bash, fish, zsh)', () => {
    const tree = program();
    const bashScript = completionScript(tree, 'bash');
    const fishScript = completionScript(tree, 'fish');
    // Every option declared with choices, in every command, completes exactly those choices.
    let checked = 0;
    for (const path of commandPaths(tree)) {
      const cmd = path.reduce((c: Command, name) => c.commands.find((x) => x.name() === name)!, tree);
      for (const o of cmd.options.filter((x) => x.argChoices && x.long && !x.hidden)) {
        const line = ['findoc', ...path, o.long!].join(' ');
        assert.deepEqual(bashComplete(bashScript, `${line} ''`).sort(), [...o.argChoices!].sort(), `bash: ${line}`);
        assert.deepEqual(fishComplete(fishScript, `${line} `).sort(), [...o.argChoices!].sort(), `fish: ${line}`);
        checked++;
      }
    }
    assert.ok(checked >= 4, `options with choices were checked (${checked})`);
    assert.deepEqual(bashComplete(bashScript, `findoc completion ''`).filter((w) => !w.startsWith('-')).sort(), ['bash', 'fish', 'zsh']);
    assert.deepEqual(fishComplete(fishScript, 'findoc completion ').filter((w) => !w.startsWith('-')).sort(), ['bash', 'fish', 'zsh']);
    assert.match(completionScript(tree, 'zsh'), /^_findoc_completion\(\) \{[\s\S]*?'1:completion:\(bash zsh fish\)'/m);
    // A valued flag without choices still completes file names (bash: compgen -f).
    assert.match(bashScript, /compgen -f -- "\$cur"/);
  });

  it('zsh and fish accept their scripts', () => {
    execFileSync(shell('zsh'), ['-n', '-c', completionScript(program(), 'zsh')]);
    execFileSync(shell('fish'), ['--no-execute', '-c', completionScript(program(), 'fish')]);
  });
});

/** The shell's path; a missing shell fails the test with what to install (.ci/run installs both). */
function shell(name: 'zsh' | 'fish'): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    assert.fail(`${name} is not installed: the ${name} completion cannot be tested; install it (apt-get install -y zsh fish; .ci/run does)`);
  }
}

/** Every command path below the root, e.g. ['doctor'], ['companies'], ['companies', 'sync']. */
function commandPaths(c: Command, prefix: string[] = []): string[][] {
  return c.commands.filter((x) => x.name() !== 'help').flatMap((x) => [[...prefix, x.name()], ...commandPaths(x, [...prefix, x.name()])]);
}

function longs(c: Command): string[] {
  return c.options.filter((o) => !o.hidden).map((o) => o.long!).filter(Boolean); // deprecated spellings are hidden: not offered
}

function bashComplete(script: string, line: string): string[] {
  const out = execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _findoc; echo "\${COMPREPLY[*]}"`], { encoding: 'utf8' });
  return out.trim().split(/\s+/).filter(Boolean);
}

function fishComplete(script: string, line: string): string[] {
  const out = execFileSync(shell('fish'), ['--no-config', '-c', `${script}\ncomplete -C ${JSON.stringify(line)}`], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
}
