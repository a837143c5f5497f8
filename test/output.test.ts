/** Tables as printed: compact (one line under the header, none between rows), numbers aligned right. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printTable } from '../src/output.js';

function captured(run: () => void): string {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string) => ((out += chunk), true)) as typeof process.stdout.write;
  try {
    run();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

describe('printTable', () => {
  const rows = Array.from({ length: 10 }, (_, i) => [i + 1, `company ${i + 1}`, (i + 1) * 1000, `${(i * 1.5).toFixed(1)} %`]);

  it('draws ten rows in 14 lines: top border, header, one separator, ten rows, bottom border', () => {
    const lines = captured(() => printTable(['#', 'name', 'visits', 'share'], rows)).trimEnd().split('\n');
    assert.equal(lines.length, 14);
    assert.equal(lines.filter((l) => l.startsWith('├')).length, 1);
    assert.ok(lines[2].startsWith('├'), 'the separator is under the header');
  });

  it('aligns numeric columns right and text left, header included', () => {
    const lines = captured(() => printTable(['#', 'name', 'visits', 'share'], rows)).trimEnd().split('\n');
    const cells = (l: string) => l.split('│').slice(1, -1);
    const [hash, name, visits, share] = cells(lines[3]);
    assert.equal(hash, '  1 ');
    assert.match(name, /^ company 1 +$/);
    assert.match(visits, /^ +1000 $/);
    assert.match(share, /^ +0\.0 % $/);
    assert.match(cells(lines[1])[2], /^ +visits $/);
    assert.match(cells(lines[12])[2], /^ +10000 $/);
  });

  it('a column with any text cell stays left aligned', () => {
    const lines = captured(() => printTable(['a', 'b'], [[1, 'text'], ['n/a', 2]])).trimEnd().split('\n');
    assert.equal(lines[3].split('│')[1], ' 1   ');
    assert.equal(lines[4].split('│')[2], ' 2    ');
  });
});
