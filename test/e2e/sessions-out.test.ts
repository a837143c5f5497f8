/**
 * findoc sessions --out never leaves a partial file that looks complete: a run that fails midway (the second
 * day's gzip is corrupt, after the first day's sessions were written) exits 65 and leaves an earlier file
 * of that name untouched and no temporary file behind; a run that succeeds writes the whole output.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { REAL } from '../helpers/edgar-days.js';

const dir = mkdtempSync(join(tmpdir(), 'findoc-sessions-out-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('findoc sessions --out', () => {
  it('a failed run leaves the old file as it was and no partial file; a good run writes every session', async () => {
    copyFileSync(join(REAL, 'log20170628-70rows.csv'), join(dir, 'log20170628.csv'));
    writeFileSync(join(dir, 'log20170629.csv.gz'), Buffer.from('not gzip at all, but named like it'));
    const target = join(dir, 'out.txt');
    writeFileSync(target, 'an earlier result\n');
    const bad = await runCli(['sessions', dir, '--inactivity', '2', '--out', target]);
    assert.equal(bad.code, 65, bad.stderr);
    assert.match(bad.stderr, /log20170629\.csv\.gz/);
    assert.equal(readFileSync(target, 'utf8'), 'an earlier result\n');
    assert.deepEqual(readdirSync(dir).sort(), ['log20170628.csv', 'log20170629.csv.gz', 'out.txt']);

    rmSync(join(dir, 'log20170629.csv.gz'));
    const good = await runCli(['sessions', dir, '--inactivity', '2', '--out', target]);
    assert.equal(good.code, 0, good.stderr);
    const stdout = await runCli(['sessions', dir, '--inactivity', '2']);
    assert.equal(readFileSync(target, 'utf8'), stdout.stdout, '--out holds what stdout would');
    assert.ok(stdout.stdout.split('\n').filter(Boolean).length > 0);
    assert.deepEqual(readdirSync(dir).sort(), ['log20170628.csv', 'out.txt']);
  });
});
