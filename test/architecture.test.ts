/**
 * The direction of dependencies (STYLE.md, "Layout that shows the architecture"), read from the sources:
 *
 *   src/commands/<cmd>.ts → its own stage room, core, adapters, output (+ signals, commands/context)
 *   src/<stage>/          → itself, core, adapters            (never another stage)
 *   src/core/             → core only                         (pure: no service, no stage, no CLI)
 *
 * and "reads do not write": the read commands never import migrate().
 *
 * Stage rooms are the folders of src/ other than core, adapters and commands, found on disk, so a new room
 * (src/stream/, src/sessions/, …) is checked as soon as it exists. Known exceptions are listed below with
 * their reason; a new one must be added there on purpose, not pass by accident.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = join(import.meta.dirname, '../src');
const SHARED = new Set(['core', 'adapters', 'commands']);

/** The room a command's stage lives in, as the user names the commands (query: top, bands, companies). */
const ROOM_OF: Record<string, string | null> = { alerts: 'query', attention: 'query', bands: 'query', top: 'query', companies: 'query', robots: 'query', doctor: null, completion: null };

/**
 * Stage code that still lives in src/core/ (issue 13 moves it into its room). Until then a command may
 * import its own stage's file from core, and no other command may.
 */
const STAGE_CODE_IN_CORE: Record<string, string> = {
  'core/stream-batch.ts': 'stream',
};

/** Known violations, "importer → imported": none today. Each entry needs a comment saying why and until when. */
const KNOWN_VIOLATIONS = new Set<string>([]);

const READ_COMMANDS = ['bands', 'top', 'watch', 'robots'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** The src/-relative paths a file imports (static, re-exports and dynamic), `.js` specifiers as `.ts`. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]);
  return specs.map((s) => relative(SRC, normalize(join(dirname(file), s))).replaceAll('\\', '/').replace(/\.js$/, '.ts'));
}

function rel(file: string): string {
  return relative(SRC, file).replaceAll('\\', '/');
}

const stageRooms = readdirSync(SRC).filter((d) => statSync(join(SRC, d)).isDirectory() && !SHARED.has(d));

function stageOf(path: string): string | null {
  const top = path.split('/')[0];
  if (stageRooms.includes(top)) return top;
  for (const [prefix, stage] of Object.entries(STAGE_CODE_IN_CORE)) if (path === prefix || (prefix.endsWith('/') && path.startsWith(prefix))) return stage;
  return null;
}

function violations(check: (importer: string, imported: string) => string | null, files: string[]): string[] {
  const out: string[] = [];
  for (const f of files) {
    for (const imp of importsOf(f)) {
      const why = check(rel(f), imp);
      if (why && !KNOWN_VIOLATIONS.has(`${rel(f)} → ${imp}`)) out.push(`${rel(f)} → ${imp}: ${why}`);
    }
  }
  return out;
}

describe('architecture: who may import whom', () => {
  it('a command imports only its own stage, core, adapters and output', () => {
    const commands = tsFiles(join(SRC, 'commands'));
    assert.ok(commands.length >= 11, 'the commands were found');
    const found = violations((importer, imp) => {
      const name = importer.replace(/^commands\//, '').replace(/\.ts$/, '');
      if (name === 'context') return imp === 'core/config.ts' ? null : 'commands/context.ts only resolves the Config';
      const own = name in ROOM_OF ? ROOM_OF[name] : name;
      if (imp === 'commands/context.ts' || imp === 'output.ts' || imp === 'signals.ts') return null;
      if (imp === 'completion.ts') return name === 'completion' ? null : 'only the completion command builds scripts';
      if (imp.startsWith('commands/')) return 'a command never imports another command';
      const stage = stageOf(imp);
      if (stage !== null) return stage === own ? null : `another stage (${stage}; this command's room is ${own ?? 'none'})`;
      if (imp.startsWith('core/') || imp.startsWith('adapters/')) return null;
      return 'not a stage, core, adapters or output';
    }, commands);
    assert.deepEqual(found, []);
  });

  it('a stage imports itself, core and adapters, never another stage', () => {
    const found = violations((importer, imp) => {
      const own = importer.split('/')[0];
      if (imp.startsWith(`${own}/`) || imp.startsWith('core/') || imp.startsWith('adapters/')) {
        const stage = stageOf(imp);
        return stage === null || stage === own ? null : `another stage's code in core (${stage})`;
      }
      return stageRooms.includes(imp.split('/')[0]) ? 'another stage' : 'not core or adapters';
    }, stageRooms.flatMap((room) => tsFiles(join(SRC, room))));
    assert.deepEqual(found, []);
  });

  it('core imports only core (pure: no service adapter, no stage, no CLI)', () => {
    const found = violations((_importer, imp) => (imp.startsWith('core/') ? null : 'core is pure'), tsFiles(join(SRC, 'core')));
    assert.deepEqual(found, []);
  });

  it('the read commands never import migrate() (reads do not write)', () => {
    for (const name of READ_COMMANDS) {
      const text = readFileSync(join(SRC, 'commands', `${name}.ts`), 'utf8');
      assert.doesNotMatch(text, /\bmigrate\b/, `commands/${name}.ts`);
    }
    for (const file of stageRooms.includes('query') ? tsFiles(join(SRC, 'query')) : []) {
      assert.doesNotMatch(readFileSync(file, 'utf8'), /\bmigrate\(/, rel(file));
    }
  });

  it('the checker itself sees a violation (it can fail)', () => {
    // A command importing another stage, as a file would write it.
    assert.equal(stageOf('batch/run.ts'), 'batch');
    assert.equal(stageOf('generate/encode.ts'), 'generate');
    assert.equal(stageOf('core/visit.ts'), null);
    assert.deepEqual(importsOf(join(SRC, 'commands', 'batch.ts')).filter((i) => i.startsWith('batch/')).length > 0, true);
  });
});
