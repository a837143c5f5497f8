/**
 * findoc download against a local HTTP server started here (serving the SEC's tree on 127.0.0.1: the real
 * log20030301.zip, and the failures the SEC and networks produce) into the local S3 server and a temporary
 * folder. Each test uses its own S3 prefix in one bucket for this file, removed at the end.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';
import { DeleteBucketCommand } from '@aws-sdk/client-s3';
import { FolderDayStore, S3DayStore } from '../../src/adapters/day-store.js';
import { HttpClient } from '../../src/adapters/http.js';
import { ObjectStore } from '../../src/adapters/s3.js';
import {
  REQUEST_WINDOW_MS,
  downloadDays,
  runVerdict,
  type DayStore,
  type DownloadPlan,
  type DownloadResult,
} from '../../src/download/download.js';
import { readVisits } from '../../src/core/log-input.js';
import { withSecrets } from '../../src/core/config.js';
import { RateLimiter } from '../../src/core/rate-limit.js';
import { dayPath } from '../../src/core/sec-urls.js';
import { EDGAR_HEADER } from '../../src/core/visit.js';
import { stackConfig, uniqueName } from '../helpers/services.js';
import { makeZip } from '../helpers/zip.js';

const REAL = join(import.meta.dirname, '../../../shared/data/edgar-samples/real');
const REAL_ZIP = readFileSync(join(REAL, 'log20030301.zip'));
const REAL_CSV = readFileSync(join(REAL, 'log20030301.csv'));
const REAL_ROWS = 43_458;
const SEC_PATH = '/dera/data/Public-EDGAR-log-file-data';
const USER_AGENT = 'findoc tests admin@example.com';
const ROW = '129.110.39.jca,2003-03-01,00:00:00,500.0,97349.0,0000097349-01-000006,-0002.txt,200.0,3726.0,0.0,0.0,0.0,0.0,0.0,';

// ───────────────────────────── the test server ─────────────────────────────

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, hit: number) => void;

class EdgarServer {
  private readonly routes = new Map<string, Handler>();
  private readonly counts = new Map<string, number>();
  /** Every request: day path and arrival time (ms, monotonic). */
  readonly requests: { path: string; at: number; userAgent?: string }[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  base = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${SEC_PATH}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Serves `handler` at the SEC path of `date`. */
  route(date: string, handler: Handler): void {
    this.routes.set(SEC_PATH + dayPath(date), handler);
  }

  hits(date: string): number {
    return this.counts.get(SEC_PATH + dayPath(date)) ?? 0;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? '';
    this.requests.push({ path, at: performance.now(), userAgent: req.headers['user-agent'] });
    const hit = (this.counts.get(path) ?? 0) + 1;
    this.counts.set(path, hit);
    const handler = this.routes.get(path);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html>Not Found</html>');
      return;
    }
    handler(req, res, hit);
  }
}

const serve =
  (body: Buffer): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': body.length }).end(body);
  };

/** Sends `body` in `parts` pieces, `delayMs` apart. */
const trickle =
  (body: Buffer, parts: number, delayMs: number): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    const size = Math.ceil(body.length / parts);
    let at = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(body.subarray(at, at + size));
      at += size;
      if (at >= body.length) res.end();
      else setTimeout(next, delayMs);
    };
    next();
  };

/** Sends the first half with the full Content-Length, then drops the connection. */
const dropMidBody: Handler = (_req, res) => {
  res.writeHead(200, { 'content-length': REAL_ZIP.length });
  res.write(REAL_ZIP.subarray(0, REAL_ZIP.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
};

/** Sends headers and a few bytes, then nothing. */
const stall: Handler = (_req, res) => {
  res.writeHead(200, { 'content-length': REAL_ZIP.length });
  res.write(REAL_ZIP.subarray(0, 1000));
};

const firstThen =
  (first: Handler, then: Handler): Handler =>
  (req, res, hit) =>
    (hit === 1 ? first : then)(req, res, hit);

// ───────────────────────────── fixtures ─────────────────────────────

const config = stackConfig();
const s3 = new ObjectStore(config.s3);
const bucket = uniqueName('it-download');
const server = new EdgarServer();
const http1 = new HttpClient({ maxSockets: 16 });
let tmp: string;

before(async () => {
  await s3.ensureBucket(bucket);
  await server.start();
  tmp = mkdtempSync(join(tmpdir(), 'findoc-download-'));
});

after(async () => {
  for await (const o of s3.list(bucket, '')) await s3.delete(bucket, o.key);
  await s3.client.send(new DeleteBucketCommand({ Bucket: bucket }));
  s3.close();
  http1.close();
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function plan(dates: string[], over: Partial<DownloadPlan> = {}): DownloadPlan {
  return {
    dates,
    baseUrl: server.base,
    gzip: true,
    gzipLevel: 1,
    force: false,
    concurrency: 2,
    userAgent: USER_AGENT,
    retry: { attempts: 3, baseMs: 5, capMs: 20, retryAfterCapMs: 3000 },
    connectTimeoutMs: 5000,
    idleTimeoutMs: 5000,
    ...over,
  };
}

function run(p: DownloadPlan, store: DayStore, limiter = new RateLimiter(1000), signal?: AbortSignal): Promise<DownloadResult> {
  return downloadDays(p, { http: http1, store, limiter }, {}, signal);
}

function s3Store(prefix: string): S3DayStore {
  return new S3DayStore(s3, bucket, `${prefix}/`);
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function keys(prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of s3.list(bucket, `${prefix}/`)) out.push(o.key.slice(prefix.length + 1));
  return out.sort();
}

const byDate = (result: DownloadResult) => Object.fromEntries(result.days.map((d) => [d.date, d]));

// ───────────────────────────── tests ─────────────────────────────

describe('findoc download (local HTTP server → S3 / folder)', () => {
  before(() => {
    server.route('2003-03-01', serve(REAL_ZIP));
  });

  it('stores the real 2003-03-01 day in S3: gunzipped, it equals the real CSV byte for byte, with its completeness metadata', async () => {
    const prefix = uniqueName('real');
    const result = await run(plan(['2003-03-01']), s3Store(prefix));
    const day = result.days[0];
    assert.equal(day.status, 'stored', day.reason);
    assert.equal(day.target, `s3://${bucket}/${prefix}/log20030301.csv.gz`);
    assert.equal(day.zipBytes, REAL_ZIP.length);
    assert.equal(day.csvBytes, REAL_CSV.length);
    assert.equal(day.rows, REAL_ROWS);
    const stored = await readAll(await s3.get(bucket, `${prefix}/log20030301.csv.gz`));
    assert.ok(zlib.gunzipSync(stored).equals(REAL_CSV), 'the stored day is the real CSV');
    const head = await s3.head(bucket, `${prefix}/log20030301.csv.gz`);
    assert.equal(head?.size, stored.length);
    assert.equal(head?.metadata['findoc-stored-bytes'], String(stored.length));
    assert.equal(head?.metadata['findoc-csv-bytes'], String(REAL_CSV.length));
    assert.equal(head?.metadata['findoc-rows'], String(REAL_ROWS));
    assert.equal(head?.metadata['findoc-source-url'], `${server.base}/2003/Qtr1/log20030301.zip`);
    // The documented check, `gunzip -c logYYYYMMDD.csv.gz | sha256sum`, computed by the system's tools.
    const sha = execFileSync('sh', ['-c', 'gunzip -c | sha256sum'], { input: stored }).toString().split(' ')[0];
    assert.equal(head?.metadata['findoc-sha256'], sha);
    assert.deepEqual(await keys(prefix), ['log20030301.csv.gz'], 'no temporary object is left');
    assert.equal(server.requests.at(-1)?.userAgent, USER_AGENT);
    assert.equal(runVerdict(result, false).exitCode, 0);
  });

  it('readVisits reads a downloaded prefix: every row of the day is a visit', async () => {
    const prefix = uniqueName('read');
    await run(plan(['2003-03-01']), s3Store(prefix));
    const it = readVisits([`s3://${bucket}/${prefix}/`], { store: s3, from: '2003-03-01', to: '2003-03-01' });
    let next = await it.next();
    while (!next.done) next = await it.next();
    assert.equal(next.value.files, 1);
    assert.equal(next.value.visits + next.value.rejected, REAL_ROWS);
  });

  it('stores plain CSV with --no-gzip, and into a folder with a sidecar record and no temporary file', async () => {
    const prefix = uniqueName('plain');
    const plain = await run(plan(['2003-03-01'], { gzip: false }), s3Store(prefix));
    assert.equal(plain.days[0].status, 'stored');
    assert.ok((await readAll(await s3.get(bucket, `${prefix}/log20030301.csv`))).equals(REAL_CSV));

    const dir = join(tmp, uniqueName('dir'));
    const folder = await run(plan(['2003-03-01']), new FolderDayStore(dir));
    assert.equal(folder.days[0].status, 'stored');
    assert.ok(zlib.gunzipSync(readFileSync(join(dir, 'log20030301.csv.gz'))).equals(REAL_CSV));
    const record = JSON.parse(readFileSync(join(dir, 'log20030301.csv.gz.json'), 'utf8'));
    assert.equal(record.rows, REAL_ROWS);
    assert.equal(record.csvBytes, REAL_CSV.length);
    assert.deepEqual(readdirSync(dir).sort(), ['log20030301.csv.gz', 'log20030301.csv.gz.json']);
  });

  it('re-running skips days stored completely without a request; --force fetches them again', async () => {
    const prefix = uniqueName('rerun');
    const dir = join(tmp, uniqueName('rerun'));
    for (const store of [s3Store(prefix), new FolderDayStore(dir)]) {
      assert.equal((await run(plan(['2003-03-01']), store)).days[0].status, 'stored');
      const before = server.hits('2003-03-01');
      const again = await run(plan(['2003-03-01']), store);
      assert.equal(again.days[0].status, 'skipped');
      assert.equal(again.days[0].rows, REAL_ROWS, 'a skipped day reports its stored record');
      assert.equal(again.days[0].attempts, 0);
      assert.equal(server.hits('2003-03-01'), before, 'no request for a stored day');
      assert.equal(runVerdict(again, false).exitCode, 0);
      const forced = await run(plan(['2003-03-01'], { force: true }), store);
      assert.equal(forced.days[0].status, 'stored');
      assert.equal(server.hits('2003-03-01'), before + 1);
    }
  });

  it('a day stored in the other format counts as stored; a forced run leaves one file per day', async () => {
    const prefix = uniqueName('formats');
    const store = s3Store(prefix);
    await run(plan(['2003-03-01'], { gzip: false }), store);
    const gz = await run(plan(['2003-03-01'], { gzip: true }), store);
    assert.equal(gz.days[0].status, 'skipped');
    assert.equal(gz.days[0].target, `s3://${bucket}/${prefix}/log20030301.csv`);
    await run(plan(['2003-03-01'], { gzip: true, force: true }), store);
    assert.deepEqual(await keys(prefix), ['log20030301.csv.gz'], 'readVisits would read two copies of the day');
  });

  it('a 404 day is reported missing ("not published") and the other days continue; exit 65 unless --allow-missing', async () => {
    const prefix = uniqueName('missing');
    const result = await run(plan(['2003-02-28', '2003-03-01', '2003-03-02']), s3Store(prefix));
    const days = byDate(result);
    assert.equal(days['2003-02-28'].status, 'missing');
    assert.match(days['2003-02-28'].reason ?? '', /not published \(HTTP 404\)/);
    assert.equal(days['2003-02-28'].attempts, 1, 'a 404 is not retried');
    assert.equal(days['2003-03-01'].status, 'stored');
    assert.equal(days['2003-03-02'].status, 'missing');
    assert.deepEqual(await keys(prefix), ['log20030301.csv.gz']);
    assert.equal(runVerdict(result, false).exitCode, 65);
    assert.equal(runVerdict(result, true).exitCode, 0);
  });

  it('bad zips fail their day with the reason and store nothing: truncated, not a zip, no CSV member, not the EDGAR header', async () => {
    server.route('2003-04-01', serve(REAL_ZIP.subarray(0, REAL_ZIP.length >> 1)));
    server.route('2003-04-02', serve(Buffer.from('<html><body>Undeclared Automated Tool</body></html>')));
    server.route('2003-04-03', serve(makeZip([{ name: 'README.txt', data: 'nothing to see' }])));
    server.route('2003-04-04', serve(makeZip([{ name: 'log20030404.csv', data: 'ip,date,time\n1.2.3.abc,2003-04-04,00:00:00\n' }])));
    server.route('2003-04-05', serve(makeZip([{ name: 'README.txt', data: 'fields…' }, { name: 'log20030405.csv', data: `${EDGAR_HEADER}\r\n${ROW}\r\n` }])));
    const prefix = uniqueName('bad');
    const dir = join(tmp, uniqueName('bad'));
    for (const store of [s3Store(prefix), new FolderDayStore(dir)]) {
      const result = await run(plan(['2003-04-01', '2003-04-02', '2003-04-03', '2003-04-04', '2003-04-05']), store);
      const days = byDate(result);
      for (const d of ['2003-04-01', '2003-04-02', '2003-04-03', '2003-04-04']) {
        assert.equal(days[d].status, 'failed', d);
        assert.equal(days[d].failure, 'bad-data', d);
        assert.equal(days[d].attempts, 1, `${d}: the same bytes would come again, no retry`);
      }
      assert.match(days['2003-04-01'].reason ?? '', /log20030401\.zip: corrupt zip: truncated/);
      assert.match(days['2003-04-02'].reason ?? '', /not a zip file/);
      assert.match(days['2003-04-03'].reason ?? '', /holds no \.csv member/);
      assert.match(days['2003-04-04'].reason ?? '', /not an EDGAR log: its first line is "ip,date,time"/);
      assert.equal(days['2003-04-05'].status, 'stored', 'README.txt first and CRLF line ends are fine');
      assert.equal(days['2003-04-05'].rows, 1);
      assert.equal(runVerdict(result, true).exitCode, 65);
    }
    assert.deepEqual(await keys(prefix), ['log20030405.csv.gz']);
    assert.deepEqual(readdirSync(dir).sort(), ['log20030405.csv.gz', 'log20030405.csv.gz.json']);
  });

  it('waits for a slow server; retries a stalled one after the idle timeout', async () => {
    server.route('2003-05-01', trickle(REAL_ZIP, 8, 150));
    server.route('2003-05-02', firstThen(stall, serve(REAL_ZIP)));
    const prefix = uniqueName('slow');
    const result = await run(plan(['2003-05-01', '2003-05-02'], { idleTimeoutMs: 500 }), s3Store(prefix));
    const days = byDate(result);
    assert.equal(days['2003-05-01'].status, 'stored', days['2003-05-01'].reason);
    assert.equal(days['2003-05-01'].attempts, 1, 'a slow but moving body never times out');
    assert.equal(days['2003-05-02'].status, 'stored', days['2003-05-02'].reason);
    assert.equal(days['2003-05-02'].attempts, 2);
    for (const name of ['log20030501.csv.gz', 'log20030502.csv.gz']) {
      assert.ok(zlib.gunzipSync(await readAll(await s3.get(bucket, `${prefix}/${name}`))).equals(REAL_CSV), name);
    }
  });

  it('429 then 200: waits at least the Retry-After, then stores the day', async () => {
    const tooMany: Handler = (_req, res) => res.writeHead(429, { 'retry-after': '1' }).end('slow down');
    server.route('2003-05-05', firstThen(tooMany, serve(REAL_ZIP)));
    const result = await run(plan(['2003-05-05']), s3Store(uniqueName('429')));
    assert.equal(result.days[0].status, 'stored', result.days[0].reason);
    assert.equal(result.days[0].attempts, 2);
    const [first, second] = server.requests.filter((r) => r.path.endsWith('log20030505.zip'));
    assert.ok(second.at - first.at >= 1000, `retried after ${second.at - first.at} ms, before the Retry-After of 1 s`);
  });

  it('5xx on every attempt: the day fails as temporary after a bounded number of attempts (exit 75)', async () => {
    server.route('2003-05-06', (_req, res) => res.writeHead(503).end());
    const result = await run(plan(['2003-05-06', '2003-03-01']), s3Store(uniqueName('503')));
    const days = byDate(result);
    assert.equal(days['2003-05-06'].status, 'failed');
    assert.equal(days['2003-05-06'].failure, 'temporary');
    assert.equal(days['2003-05-06'].attempts, 3);
    assert.equal(server.hits('2003-05-06'), 3);
    assert.match(days['2003-05-06'].reason ?? '', /HTTP 503 .*\(3 attempts\)/);
    assert.equal(days['2003-03-01'].status, 'stored');
    assert.equal(runVerdict(result, false).exitCode, 75);
  });

  it('a connection dropped mid-body is retried from the first byte and the day stored whole', async () => {
    server.route('2003-06-02', firstThen(dropMidBody, serve(REAL_ZIP)));
    const prefix = uniqueName('drop');
    const result = await run(plan(['2003-06-02']), s3Store(prefix));
    assert.equal(result.days[0].status, 'stored', result.days[0].reason);
    assert.equal(result.days[0].attempts, 2);
    assert.ok(zlib.gunzipSync(await readAll(await s3.get(bucket, `${prefix}/log20030602.csv.gz`))).equals(REAL_CSV));
  });

  it('a broken transfer never leaves an object that looks complete (S3 and folder)', async () => {
    server.route('2003-06-03', dropMidBody);
    const prefix = uniqueName('broken');
    const dir = join(tmp, uniqueName('broken'));
    for (const store of [s3Store(prefix), new FolderDayStore(dir)]) {
      const result = await run(plan(['2003-06-03']), store);
      assert.equal(result.days[0].status, 'failed');
      assert.equal(result.days[0].failure, 'temporary');
      assert.match(result.days[0].reason ?? '', /aborted|ECONNRESET/);
      assert.equal(await store.find('log20030603.csv.gz'), undefined);
      assert.equal(runVerdict(result, false).exitCode, 75);
    }
    assert.deepEqual(await keys(prefix), [], 'no object, not even a temporary one');
    assert.deepEqual(readdirSync(dir), [], 'no file, not even a temporary one');
  });

  it('an object findoc did not complete is not taken for a stored day: no record, or a record that does not match', async () => {
    const prefix = uniqueName('foreign');
    const store = s3Store(prefix);
    // Same name, no completeness record (e.g. copied by hand, or written by findoc generate).
    await s3.put(bucket, `${prefix}/log20030301.csv.gz`, zlib.gzipSync(REAL_CSV.subarray(0, 1000)));
    assert.equal(await store.find('log20030301.csv.gz'), undefined);
    // A record whose size does not match the object.
    await s3.put(bucket, `${prefix}/log20030302.csv.gz`, Buffer.from('short'), {
      metadata: { 'findoc-day': '1', 'findoc-date': '2003-03-02', 'findoc-source-url': 'x', 'findoc-csv-bytes': '10', 'findoc-stored-bytes': '999', 'findoc-rows': '1', 'findoc-sha256': 'a'.repeat(64) },
    });
    assert.equal(await store.find('log20030302.csv.gz'), undefined);
    const result = await run(plan(['2003-03-01']), store);
    assert.equal(result.days[0].status, 'stored', 'downloaded again and replaced');
    assert.ok(zlib.gunzipSync(await readAll(await s3.get(bucket, `${prefix}/log20030301.csv.gz`))).equals(REAL_CSV));

    // Folder: a file whose sidecar records another size, and a file without a sidecar.
    const dir = join(tmp, uniqueName('foreign'));
    const folder = new FolderDayStore(dir);
    await folder.prepare();
    writeFileSync(join(dir, 'log20030301.csv.gz'), 'truncated');
    assert.equal(await folder.find('log20030301.csv.gz'), undefined);
    assert.equal((await run(plan(['2003-03-01']), folder)).days[0].status, 'stored');
    writeFileSync(join(dir, 'log20030301.csv.gz'), 'replaced by something shorter');
    assert.equal(await folder.find('log20030301.csv.gz'), undefined);
  });

  it('Ctrl-C mid-transfer abandons the day, leaves nothing behind and reports interrupted (exit 130)', async () => {
    server.route('2003-06-04', trickle(REAL_ZIP, 20, 100));
    const prefix = uniqueName('abort');
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 400);
    const result = await run(plan(['2003-06-04', '2003-06-05', '2003-06-06'], { concurrency: 1 }), s3Store(prefix), undefined, controller.signal);
    assert.equal(result.interrupted, true);
    assert.deepEqual(
      result.days.map((d) => [d.status, d.failure]),
      [
        ['failed', 'interrupted'],
        ['failed', 'interrupted'],
        ['failed', 'interrupted'],
      ],
    );
    assert.equal(server.hits('2003-06-05'), 0, 'no new day starts after Ctrl-C');
    assert.deepEqual(await keys(prefix), []);
    assert.equal(runVerdict(result, true).exitCode, 130);
  });

  it('an unreachable S3 stops the run before any request to the server (exit 69)', async () => {
    const dead = new ObjectStore({ ...withSecrets(config.s3), endpoint: 'http://127.0.0.1:1' }); // with its credentials: unreachable, not unconfigured
    const store = new S3DayStore(dead, bucket, 'x/');
    await assert.rejects(store.prepare(), (e: unknown) => (e as { exitCode?: number }).exitCode === 69);
    const before = server.requests.length;
    const result = await run(plan(['2003-03-01', '2003-03-02', '2003-03-03'], { concurrency: 1 }), store);
    dead.close();
    assert.equal(result.fatal?.exitCode, 69);
    assert.match(result.fatal?.message ?? '', /S3 at 127\.0\.0\.1:1/);
    assert.equal(server.requests.length, before, 'nothing fetched that could not be stored');
    assert.ok(result.days.every((d) => d.status === 'failed' && d.failure === 'destination'));
    assert.equal(runVerdict(result, false).exitCode, 69);
  });

  it('the rate limit holds at the server: never more than 10 requests in any second, with 12 transfers at once and retries', async () => {
    const tiny = makeZip([{ name: 'day.csv', data: `${EDGAR_HEADER}\n${ROW}\n` }]);
    const dates = Array.from({ length: 24 }, (_, i) => `2004-01-${String(i + 1).padStart(2, '0')}`);
    // Every third day answers 503 once: retries are requests too.
    dates.forEach((d, i) => server.route(d, i % 3 === 0 ? firstThen((_q, r) => r.writeHead(503).end(), serve(tiny)) : serve(tiny)));
    const since = server.requests.length;
    const result = await run(plan(dates, { concurrency: 12, retry: { attempts: 3, baseMs: 1, capMs: 2, retryAfterCapMs: 10 } }), s3Store(uniqueName('rate')), new RateLimiter(10, REQUEST_WINDOW_MS));
    assert.ok(result.days.every((d) => d.status === 'stored'), JSON.stringify(result.days.filter((d) => d.status !== 'stored')));
    const arrivals = server.requests.slice(since).map((r) => r.at);
    assert.equal(arrivals.length, 32);
    let most = 0;
    for (let i = 0, j = 0; i < arrivals.length; i++) {
      while (arrivals[i] - arrivals[j] >= 1000) j++;
      most = Math.max(most, i - j + 1);
    }
    assert.ok(most <= 10, `${most} requests arrived within one second: ${arrivals.map((a) => Math.round(a - arrivals[0])).join(' ')}`);
    assert.ok(most >= 8, `the limiter lets the full rate through (busiest second: ${most})`);
  });

  it('no temporary files of a dead process survive prepare(); a live one is left alone', async () => {
    const dir = join(tmp, uniqueName('stale'));
    const folder = new FolderDayStore(dir);
    await folder.prepare();
    writeFileSync(join(dir, '.log20030301.csv.gz.partial-999999999-abcdef'), 'left by kill -9');
    writeFileSync(join(dir, `.log20030302.csv.gz.partial-${process.pid}-abcdef`), 'ours, in progress');
    await folder.prepare();
    assert.equal(existsSync(join(dir, '.log20030301.csv.gz.partial-999999999-abcdef')), false);
    assert.equal(existsSync(join(dir, `.log20030302.csv.gz.partial-${process.pid}-abcdef`)), true);
  });
});
