/**
 * findoc sessions as the challenge's runner uses it: every kept test in
 * /work/shared/data/edgar-analytics-tests through the built CLI with --insight, compared like `diff -bB`
 * (whitespace runs equal, blank lines ignored) with the test's own expected output. Plus the bad-input exits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';

const ROOT = '/work/shared/data/edgar-analytics-tests';
const GROUPS = { expiry: ['official', 'peers', 'peers-order-by-expiry'], first: ['official', 'peers', 'peers-order-by-first-request'] };
const EXPECTED_COUNTS: Record<string, number> = { official: 1, peers: 60, 'peers-order-by-expiry': 22, 'peers-order-by-first-request': 2 };

/** What diff -bB compares: whitespace runs collapsed, trailing whitespace and blank lines dropped. */
function diffBB(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\s+/g, ' ').trimEnd()).filter((l) => l !== '');
}

const dir = mkdtempSync(join(tmpdir(), 'findoc-sessions-'));
after(() => rmSync(dir, { recursive: true, force: true }));

for (const [order, groups] of Object.entries(GROUPS)) {
  describe(`findoc sessions --insight --order ${order}`, () => {
    for (const group of groups) {
      const tests = readdirSync(join(ROOT, group)).sort();
      it(`${group}: all ${EXPECTED_COUNTS[group]} tests match`, async () => {
        assert.equal(tests.length, EXPECTED_COUNTS[group], 'the test folder changed');
        const failures: string[] = [];
        for (const t of tests) {
          const base = join(ROOT, group, t);
          const period = readFileSync(join(base, 'input/inactivity_period.txt'), 'utf8').trim();
          const out = join(dir, `${order}-${t}.txt`);
          const r = await runCli(['sessions', join(base, 'input/log.csv'), '--inactivity', period, '--order', order, '--insight', '--out', out]);
          if (r.code !== 0) failures.push(`${t}: exit ${r.code} ${r.stderr}`);
          else if (JSON.stringify(diffBB(readFileSync(out, 'utf8'))) !== JSON.stringify(diffBB(readFileSync(join(base, 'output/sessionization.txt'), 'utf8')))) failures.push(t);
        }
        assert.deepEqual(failures, []);
      });
    }
  });
}

describe('findoc sessions bad input', () => {
  const official = join(ROOT, 'official/test_1/input/log.csv');
  for (const bad of ['0', '2.5', 'w', '', '86401']) {
    it(`--inactivity "${bad}" exits 64 giving the range`, async () => {
      const r = await runCli(['sessions', official, '--inactivity', bad]);
      assert.equal(r.code, 64);
      assert.match(r.stderr, /1 to 86400/);
    });
  }
  it('a header-only log gives empty output and exit 0, both modes', async () => {
    const f = join(dir, 'log20170630.csv');
    writeFileSync(f, readFileSync(official, 'utf8').split('\n')[0] + '\n');
    for (const extra of [[], ['--insight']]) {
      const r = await runCli(['sessions', f, '--inactivity', '2', ...extra]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '');
    }
  });
  it('a 0-byte file exits 65 naming it, both modes', async () => {
    const f = join(dir, 'log20170701.csv');
    writeFileSync(f, '');
    for (const extra of [[], ['--insight']]) {
      const r = await runCli(['sessions', f, '--inactivity', '2', ...extra]);
      assert.equal(r.code, 65, r.stderr);
      assert.match(r.stderr, /log20170701\.csv/);
    }
  });
  it('default mode: the official test gives the official output (all its rows are valid visits)', async () => {
    const r = await runCli(['sessions', official, '--inactivity', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(diffBB(r.stdout), diffBB(readFileSync(join(ROOT, 'official/test_1/output/sessionization.txt'), 'utf8')));
  });
});
