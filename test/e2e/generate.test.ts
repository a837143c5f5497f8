/**
 * findoc generate as a user runs it: the built CLI (bin/findoc → dist/, built once in `before`) writing
 * synthetic days to a temporary directory, to stdout and (when the local S3 server answers) to S3; every
 * file read back through the reader (log-input.ts) with zero rejects.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ObjectStore } from '../../src/adapters/s3.js';
import { readVisits, type ReadVisitsOptions, type RunReport } from '../../src/core/log-input.js';
import { BIN, runCli } from '../helpers/cli.js';
import { stackConfig, uniqueName } from '../helpers/services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'findoc-generate-e2e-'));
  dirs.push(d);
  return d;
}
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Reads every visit of the specs through the reader; returns its run report. */
async function readAll(specs: string[], options: ReadVisitsOptions = {}): Promise<RunReport> {
  const it = readVisits(specs, options);
  for (;;) {
    const r = await it.next();
    if (r.done) return r.value;
  }
}

interface Summary {
  synthetic: boolean;
  note: string;
  days: number;
  rows: number;
  bytes: number;
  seconds: number;
  interrupted: boolean;
  files: { date: string; target: string; rows: number; bytes: number; csvBytes: number }[];
}

describe('findoc generate', () => {
  before(() => {
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
  });

  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const format of ['csv', 'csv.gz', 'zip'] as const) {
    it(`writes one ${format} per day, named like the SEC's, that the reader parses with zero rejects`, async () => {
      const dir = tempDir();
      const r = await runCli(['generate', '--from', '2017-06-01', '--to', '2017-06-02', '--rows-per-day', '20000', '--seed', '7', '--format', format, '--out', dir, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const s = JSON.parse(r.stdout) as Summary;
      assert.equal(s.synthetic, true);
      assert.match(s.note, /NOT SEC data/);
      assert.equal(s.days, 2);
      assert.deepEqual(readdirSync(dir).sort(), [`log20170601.${format}`, `log20170602.${format}`], 'no temporary file left');
      assert.deepEqual(
        s.files.map((f) => f.target),
        [join(dir, `log20170601.${format}`), join(dir, `log20170602.${format}`)],
      );
      const report = await readAll([dir]);
      assert.equal(report.files, 2);
      assert.equal(report.rejected, 0);
      assert.equal(report.visits, s.rows);
      assert.equal(s.bytes, s.files.reduce((a, f) => a + f.bytes, 0));
    });
  }

  it('the same seed gives byte-identical files (csv and zip); another seed differs', async () => {
    const [a, b, c] = [tempDir(), tempDir(), tempDir()];
    for (const [dir, seed] of [
      [a, '11'],
      [b, '11'],
      [c, '12'],
    ]) {
      for (const format of ['csv', 'zip']) {
        const r = await runCli(['generate', '--date', '2017-06-05', '--rows-per-day', '30000', '--seed', seed, '--format', format, '--out', dir]);
        assert.equal(r.code, 0, r.stderr);
      }
    }
    for (const f of ['log20170605.csv', 'log20170605.zip']) {
      assert.equal(sha(join(a, f)), sha(join(b, f)), f);
      assert.notEqual(sha(join(a, f)), sha(join(c, f)), f);
    }
  });

  it('--out - writes one day of CSV to stdout, the summary to stderr', async () => {
    const r = await runCli(['generate', '--date', '2017-06-30', '--rows-per-day', '5000', '--out', '-']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'ip,date,time,zone,cik,accession,extention,code,size,idx,norefer,noagent,find,crawler,browser');
    assert.equal(lines.at(-1), '');
    assert.match(r.stderr, /generated 1 synthetic day: \d+ rows/);
    assert.ok(lines.length > 4000);
  });

  it('--hot makes the CIK appear in its window only', async () => {
    const r = await runCli(['generate', '--date', '2017-06-30', '--rows-per-day', '100000', '--hot', '320193@10:00:00+120x20', '--out', '-']);
    assert.equal(r.code, 0, r.stderr);
    const hot = r.stdout.split('\n').filter((l) => l.split(',')[4] === '320193.0');
    assert.ok(hot.length > 30, `${hot.length} rows`);
    assert.ok(hot.every((l) => l.split(',')[2] >= '10:00:00' && l.split(',')[2] < '10:02:00'));
  });

  it('usage errors exit 64 with a message', async () => {
    const cases: [string[], RegExp][] = [
      [['generate', '--date', '2017-06-01'], /--out DIR, --out - \(stdout\) or --to-s3/],
      [['generate', '--from', '2017-06-01', '--to', '2017-06-03', '--out', '-'], /one day to stdout/],
      [['generate', '--date', '2017-06-01', '--out', '-', '--json'], /--json cannot be used with --out -/],
      [['generate', '--date', '2017-06-01', '--out', '/tmp/x', '--hot', '320193@25:00:00'], /not a time of day/],
      [['generate', '--date', '2017-02-30', '--out', '/tmp/x'], /not a date/],
      [['generate', '--date', '2017-06-01', '--from', '2017-06-01', '--to', '2017-06-02', '--out', '/tmp/x'], /either --date or --from\/--to/],
      [['generate', '--from', '2017-06-03', '--to', '2017-06-01', '--out', '/tmp/x'], /before --from/],
      [['generate', '--date', '2017-06-01', '--rows-per-day', '1.5', '--out', '/tmp/x'], /--rows-per-day must be an integer/],
      [['generate', '--date', '2017-06-01', '--format', 'rar', '--out', '/tmp/x'], /Allowed choices are csv, csv.gz, zip/],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    cases.forEach(([args, message], i) => {
      assert.equal(results[i].code, 64, `${args.join(' ')}: ${results[i].stderr}`);
      assert.match(results[i].stderr, message, args.join(' '));
    });
  });

  it('--help says the data is synthetic and shows examples', async () => {
    const r = await runCli(['generate', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /SYNTHETIC/);
    assert.match(r.stdout, /NOT SEC data/);
    assert.match(r.stdout, /Examples:\n\s+\$ findoc generate/);
    assert.match(r.stdout, /--hot <CIK@HH:MM:SS\[\+SECONDS\]\[xFACTOR\]>/);
  });

  it('Ctrl-C stops cleanly: exit 130, the unfinished day removed, no file that looks complete', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, 'generate', '--date', '2017-06-01', '--rows-per-day', '40000000', '--out', dir], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // Wait until the temporary file exists and has grown, then interrupt.
    const deadline = Date.now() + 30_000;
    let partial: string | undefined;
    while (Date.now() < deadline) {
      partial = readdirSync(dir).find((f) => f.includes('.partial-'));
      if (partial && readFileSync(join(dir, partial)).length > 1 << 20) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(partial, 'a temporary file appears while the day is written');
    assert.ok(!existsSync(join(dir, 'log20170601.csv')), 'the final name appears only when complete');
    child.kill('SIGINT');
    const code = await exited;
    assert.equal(code, 130, stderr);
    assert.match(stderr, /interrupted/);
    assert.deepEqual(readdirSync(dir), [], 'nothing left behind');
  });
});

describe('findoc generate --to-s3 (local S3 server)', async () => {
  const config = stackConfig();
  const store = new ObjectStore(config.s3);
  const bucket = uniqueName('gen');
  const up = await store.ping().then(
    () => true,
    () => false,
  );

  after(async () => {
    if (up) {
      try {
        for await (const o of store.list(bucket, '')) await store.delete(bucket, o.key);
        await store.client.send(new (await import('@aws-sdk/client-s3')).DeleteBucketCommand({ Bucket: bucket }));
      } catch {
        // the bucket was never created (the test failed before): nothing to clean
      }
    }
    store.close();
  });

  it('uploads one zip per day into a new bucket; listed and read back with zero rejects', async () => {
    // S3 is part of the stack: without it this test fails, saying so, instead of skipping.
    assert.ok(up, `no S3 server at ${store.address}: start the local stack (npm run stack:up)`);
    const r = await runCli(['generate', '--from', '2017-06-01', '--to', '2017-06-02', '--rows-per-day', '15000', '--format', 'zip', '--to-s3', `s3://${bucket}/logs/`, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout) as Summary;
    assert.deepEqual(
      s.files.map((f) => f.target),
      [`s3://${bucket}/logs/log20170601.zip`, `s3://${bucket}/logs/log20170602.zip`],
    );
    const keys: string[] = [];
    for await (const o of store.list(bucket, 'logs/')) keys.push(o.key);
    assert.deepEqual(keys.sort(), ['logs/log20170601.zip', 'logs/log20170602.zip']);
    const head = await store.head(bucket, 'logs/log20170601.zip');
    assert.equal(head?.metadata['findoc-synthetic'], 'true');
    assert.equal(head?.size, s.files[0].bytes);
    const report = await readAll([`s3://${bucket}/logs/`], { store });
    assert.equal(report.rejected, 0);
    assert.equal(report.visits, s.rows);
  });
});
