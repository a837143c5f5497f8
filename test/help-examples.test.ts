/**
 * Every example in every `--help` (issue 18) is read by the command tree it documents: each `$ findoc …`
 * line is split as a shell would (up to its first pipe, redirection or `&`), and parsed by the real
 * program with each command's action replaced by a recorder. A flag renamed, removed or misspelled in an
 * example, a wrong choice, a missing argument, fails here. (The examples' effects — downloads, streams —
 * are the other tests' business.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../src/cli.js';

/** Words of one shell command line, quotes removed, up to the first | > < & ; (or # comment). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quote) {
      if (ch === quote) quote = null;
      else word = (word ?? '') + ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== null) words.push(word);
      word = null;
    } else if ('|><&;#'.includes(ch)) break;
    else word = (word ?? '') + ch;
  }
  if (word !== null) words.push(word);
  return words;
}

function commands(c: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  return [{ path, cmd: c }, ...c.commands.flatMap((x) => commands(x, [...path, x.name()]))];
}

function examplesOf(program: Command): { where: string; line: string }[] {
  const out: { where: string; line: string }[] = [];
  for (const { path, cmd } of commands(program)) {
    let text = '';
    cmd.configureOutput({ writeOut: (s) => (text += s), writeErr: () => undefined });
    cmd.outputHelp();
    for (const m of text.matchAll(/^\s+\$ (.*)$/gm)) {
      // A line may chain commands (`npm run stack:up && findoc doctor`): each findoc part is an example.
      for (const part of m[1].split(/&&|\|\|/)) if (/^\s*findoc\b/.test(part)) out.push({ where: ['findoc', ...path].join(' '), line: part.trim() });
    }
  }
  return out;
}

describe('every example in every --help parses as the command tree says', () => {
  const program = buildProgram() as unknown as Command;
  const examples = examplesOf(program);

  it('finds the examples (every command with flags has some)', () => {
    assert.ok(examples.length >= 40, `${examples.length} examples`);
    const withExamples = new Set(examples.map((e) => e.where));
    for (const name of ['findoc', 'findoc replay', 'findoc stream', 'findoc batch', 'findoc watch', 'findoc download', 'findoc generate', 'findoc bands', 'findoc top', 'findoc sessions']) {
      assert.ok(withExamples.has(name), `${name} has examples`);
    }
  });

  it('the sets the examples read are sets the batch examples make (names match, case included)', () => {
    const made = new Set(examples.filter((e) => /^findoc batch\b/.test(e.line)).flatMap((e) => [...e.line.matchAll(/--set (\S+)/g)].map((m) => m[1])));
    for (const e of examples.filter((x) => /^findoc (watch|bands|alerts|attention)\b/.test(x.line))) {
      for (const m of e.line.matchAll(/--set (\S+)/g)) assert.ok(made.has(m[1]), `${e.line}: no batch example makes set ${m[1]} (made: ${[...made].join(', ')})`);
    }
  });

  for (const { where, line } of examples) {
    it(`${where}: ${line}`, async () => {
      const tree = buildProgram() as unknown as Command;
      const ran: string[][] = [];
      for (const { path, cmd } of commands(tree)) {
        cmd.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
        if (path.length > 0) cmd.action(() => void ran.push(path));
      }
      const words = shellWords(line);
      assert.equal(words[0], 'findoc');
      await tree.parseAsync(['node', ...words]);
      assert.equal(ran.length, 1, `one command ran for: ${line}`);
      assert.deepEqual(ran[0], words.slice(1).filter((w) => !w.startsWith('-')).slice(0, ran[0].length), 'the command the example names');
    });
  }
});
