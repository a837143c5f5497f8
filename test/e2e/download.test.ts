/** findoc download as a user runs it: the built CLI, a local HTTP server started here, a temporary folder. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { runCli } from '../helpers/cli.js';

const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');
const REAL_ZIP = readFileSync(join(REAL, 'log20030301.zip'));
const REAL_CSV = readFileSync(join(REAL, 'log20030301.csv'));
const SEC_PATH = '/dera/data/Public-EDGAR-log-file-data';
/** No User-Agent from the environment or a config file of the machine running the tests. */
const NO_UA = { FINDOC_USER_AGENT: '' };

let server: http.Server;
let base: string;
let tmp: string;
const seen: string[] = [];

before(async () => {
  server = http.createServer((req, res) => {
    seen.push(`${req.url} ${req.headers['user-agent']}`);
    if (req.url === `${SEC_PATH}/2003/Qtr1/log20030301.zip`) res.writeHead(200, { 'content-length': REAL_ZIP.length }).end(REAL_ZIP);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${SEC_PATH}`;
  tmp = mkdtempSync(join(tmpdir(), 'findoc-e2e-download-'));
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(tmp, { recursive: true, force: true });
});

describe('findoc download (CLI)', () => {
  it('without a User-Agent for sec.gov: exit 78, says why (SEC fair access) and shows an example value, fetches nothing', async () => {
    const r = await runCli(['download', '--date', '2017-06-30', '--out', join(tmp, 'never')], NO_UA);
    assert.equal(r.code, 78, r.stderr);
    assert.match(r.stderr, /SEC requires a User-Agent/);
    assert.match(r.stderr, /fair access/);
    assert.match(r.stderr, /"Sample Company Name admin@example\.com"/);
    assert.match(r.stderr, /FINDOC_USER_AGENT/);
    assert.equal(readdirSync(tmp).includes('never'), false);
  });

  it('--max-rps above 10 for sec.gov is a usage error (64)', async () => {
    const r = await runCli(['download', '--date', '2017-06-30', '--out', tmp, '--max-rps', '20'], { FINDOC_USER_AGENT: 'Tester admin@example.com' });
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, /fair-access limit of 10/);
  });

  it('--list prints the SEC URLs of the range, fetches nothing, needs no User-Agent', async () => {
    const r = await runCli(['download', '--from', '2017-06-29', '--to', '2017-07-01', '--list'], NO_UA);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'https://www.sec.gov/dera/data/Public-EDGAR-log-file-data/2017/Qtr2/log20170629.zip',
      'https://www.sec.gov/dera/data/Public-EDGAR-log-file-data/2017/Qtr2/log20170630.zip',
      'https://www.sec.gov/dera/data/Public-EDGAR-log-file-data/2017/Qtr3/log20170701.zip',
    ]);
  });

  it('usage errors exit 64: no destination, two destinations, a bad date, a bad base URL', async () => {
    const ua = { FINDOC_USER_AGENT: 'Tester admin@example.com' };
    assert.equal((await runCli(['download', '--date', '2017-06-30'], ua)).code, 64);
    assert.equal((await runCli(['download', '--date', '2017-06-30', '--out', tmp, '--to-s3', 's3://b/p/'], ua)).code, 64);
    assert.equal((await runCli(['download', '--date', '2017-02-30', '--out', tmp], ua)).code, 64);
    assert.equal((await runCli(['download', '--date', '2017-06-30', '--out', tmp, '--base-url', 'ftp://x'], ua)).code, 64);
  });

  it('downloads into a folder: exit 65 for a 404 day, 0 with --allow-missing; a re-run skips; --json lists each day', async () => {
    const dir = join(tmp, 'days');
    const args = ['download', '--from', '2003-02-28', '--to', '2003-03-01', '--out', dir, '--base-url', base];
    const first = await runCli([...args, '--user-agent', 'e2e admin@example.com']);
    assert.equal(first.code, 65, first.stderr);
    assert.match(first.stdout, /2003-02-28 │ missing .*not published \(HTTP 404\)/);
    assert.match(first.stdout, /2003-03-01 │ stored /);
    assert.match(first.stderr, /1 missing \(not published\) of 2 days/);
    assert.ok(zlib.gunzipSync(readFileSync(join(dir, 'log20030301.csv.gz'))).equals(REAL_CSV));
    assert.ok(seen.some((s) => s.endsWith('log20030301.zip e2e admin@example.com')), 'the User-Agent is sent');

    const again = await runCli([...args, '--allow-missing', '--json'], NO_UA);
    assert.equal(again.code, 0, again.stderr);
    const out = JSON.parse(again.stdout) as { ok: boolean; totals: Record<string, number>; days: { date: string; status: string; rows: number }[] };
    assert.equal(out.ok, true);
    assert.deepEqual(
      out.days.map((d) => [d.date, d.status]),
      [
        ['2003-02-28', 'missing'],
        ['2003-03-01', 'skipped'],
      ],
    );
    assert.equal(out.totals.rows, 43_458);
  });

  it('an unreachable S3 exits 69 naming the address and the setting', async () => {
    const r = await runCli(['download', '--date', '2003-03-01', '--to-s3', 's3://nowhere/logs/', '--base-url', base], {
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1',
      AWS_ACCESS_KEY_ID: 'findoc', // credentials set: unreachable, not unconfigured (that is exit 78: newcomer.test.ts)
      AWS_SECRET_ACCESS_KEY: 'findoc-local-secret',
    });
    assert.equal(r.code, 69, r.stderr);
    assert.match(r.stderr, /S3 at 127\.0\.0\.1:1/);
  });
});
