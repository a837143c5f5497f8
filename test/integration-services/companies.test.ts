/**
 * findoc companies sync | show, as a user runs them (the built CLI), against a local HTTP server standing in
 * for sec.gov and the real PostgreSQL, in a schema of its own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { lookupCompanies } from '../../src/adapters/companies-store.js';
import { connectPostgres } from '../../src/adapters/postgres.js';
import { runCli } from '../helpers/cli.js';
import { stackConfig, uniqueSchema } from '../helpers/services.js';

const TICKERS = readFileSync(new URL('../../../shared/data/edgar-samples/reference/company_tickers.json', import.meta.url));
const TICKER_COUNT = new Set(Object.values(JSON.parse(TICKERS.toString('utf8')) as Record<string, { cik_str: number }>).map((e) => e.cik_str)).size;

// A small cik-lookup-data.txt in latin-1: accented names, a name with a colon, former names, CRLF, a broken line,
// Apple's old name (the tickers file must win), and a CIK that only the lookup file knows.
const LOOKUP = Buffer.from(
  [
    'APPLE COMPUTER INC:0000320193:',
    'APPLE INC:0000320193:',
    'SOCI\xc9T\xc9 G\xc9N\xc9RALE:0000000011:',
    'SOCIETE GENERALE FORMER NAME:0000000011:',
    'Z\xdcRICH VERSICHERUNG: HOLDING AG:0000000012:\r',
    'THIS LINE IS BROKEN',
    'NOT A CIK:12345678901:',
    'ONLY IN LOOKUP CORP:0001608552:',
  ].join('\n') + '\n',
  'latin1',
);

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
}

const config = stackConfig();
const schema = uniqueSchema('it_companies');
let server: Server;
let baseUrl: string;
const hits: Hit[] = [];
/** Statuses to answer before serving a path normally (retry tests). */
const failFirst = new Map<string, number[]>();

describe('findoc companies sync against a local stand-in for sec.gov', () => {
  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      hits.push({ path, headers: req.headers });
      const queued = failFirst.get(path);
      if (queued && queued.length > 0) {
        res.writeHead(queued.shift() as number, { 'retry-after': '0' }).end('busy');
        return;
      }
      if (path === '/files/company_tickers.json') res.writeHead(200, { 'content-type': 'application/json' }).end(TICKERS);
      else if (path === '/Archives/edgar/cik-lookup-data.txt') {
        // Sent in small pieces, so the parser meets lines cut across chunks.
        res.writeHead(200, { 'content-type': 'text/plain; charset=iso-8859-1' });
        for (let i = 0; i < LOOKUP.length; i += 13) res.write(LOOKUP.subarray(i, i + 13));
        res.end();
      } else res.writeHead(404).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.close();
    const pool = await connectPostgres(config.postgres.url);
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('loads every ticker-file company and the lookup names, latin-1 decoded, the tickers file winning', async () => {
    hits.length = 0;
    failFirst.set('/files/company_tickers.json', [503]);
    const ua = 'Findoc Test Suite tests@example.com';
    const r = await runCli(['companies', 'sync', '--base-url', baseUrl, '--schema', schema, '--user-agent', ua, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      sources: { source: string; entries: number; companies: number; rejects: { total: number; byReason: Record<string, number> } }[];
      inserted: number;
      total: number;
    };
    const lookup = report.sources.find((s) => s.source === 'lookup');
    assert.deepEqual(lookup?.rejects.byReason, { no_separator: 1, bad_cik: 1 });
    assert.equal(lookup?.companies, 4);
    // 3 lookup-only CIKs (11, 12, 1608552) beside the tickers file's companies; Apple is in both.
    assert.equal(report.total, TICKER_COUNT + 3);
    assert.equal(report.inserted, TICKER_COUNT + 3);

    // Every request carried the User-Agent; the 503 was retried.
    assert.deepEqual(hits.map((h) => h.path).sort(), ['/Archives/edgar/cik-lookup-data.txt', '/files/company_tickers.json', '/files/company_tickers.json']);
    assert.ok(hits.every((h) => h.headers['user-agent'] === ua));

    const pool = await connectPostgres(config.postgres.url, { schema });
    try {
      const names = await lookupCompanies(pool, [320193, 11, 12, 1608552, 1652044, 999_999_999]);
      assert.deepEqual(names.get(320193), { name: 'Apple Inc.', ticker: 'AAPL' });
      assert.deepEqual(names.get(11), { name: 'SOCIÉTÉ GÉNÉRALE', ticker: null });
      assert.deepEqual(names.get(12), { name: 'ZÜRICH VERSICHERUNG: HOLDING AG', ticker: null });
      assert.deepEqual(names.get(1608552), { name: 'ONLY IN LOOKUP CORP', ticker: null });
      assert.equal(names.get(1652044)?.ticker, 'GOOGL', 'the first share class of a CIK');
      assert.equal(names.has(999_999_999), false);
    } finally {
      await pool.end();
    }
  });

  it('a second sync is idempotent: nothing new, nothing changed', async () => {
    const r = await runCli(['companies', 'sync', '--base-url', baseUrl, '--schema', schema, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { inserted: number; updated: number; unchanged: number; total: number };
    assert.deepEqual([report.inserted, report.updated, report.total], [0, 0, TICKER_COUNT + 3]);
    assert.equal(report.unchanged, TICKER_COUNT + 3);
  });

  it('a lookup-only sync never replaces a ticker-file name', async () => {
    const r = await runCli(['companies', 'sync', '--base-url', baseUrl, '--schema', schema, '--sources', 'lookup', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const show = await runCli(['companies', 'show', 'aapl', '--schema', schema, '--json']);
    assert.equal(show.code, 0, show.stderr);
    const out = JSON.parse(show.stdout) as { companies: { cik: number; name: string; source: string }[] };
    assert.deepEqual(out.companies.map((c) => [c.cik, c.name, c.source]), [[320193, 'Apple Inc.', 'company_tickers']]);
  });

  it('show: by zero-padded CIK in a table; an unknown company exits 1 and says so', async () => {
    const show = await runCli(['companies', 'show', '0000000011', '--schema', schema]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /SOCIÉTÉ GÉNÉRALE/);
    const none = await runCli(['companies', 'show', '424242424', '--schema', schema]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no company "424242424" among \d+ stored/);
  });

  it('sec.gov without a User-Agent: exit 78 with the reason and an example, before any request', async () => {
    const r = await runCli(['companies', 'sync', '--schema', schema], { FINDOC_USER_AGENT: '', XDG_CONFIG_HOME: '/nonexistent-findoc-config' });
    assert.equal(r.code, 78);
    assert.match(r.stderr, /User-Agent/);
    assert.match(r.stderr, /Sample Company Name admin@example\.com/);
  });

  it('a missing file (404) fails with exit 69 naming the URL, and writes nothing', async () => {
    const emptySchema = uniqueSchema('it_companies_404');
    const r = await runCli(['companies', 'sync', '--base-url', `${baseUrl}/nowhere`, '--schema', emptySchema]);
    const pool = await connectPostgres(config.postgres.url);
    try {
      assert.equal(r.code, 69, r.stderr);
      assert.match(r.stderr, /\/nowhere\/Archives\/edgar\/cik-lookup-data\.txt answered HTTP 404/);
      const n = await pool.query(`SELECT count(*)::int AS n FROM ${emptySchema}.companies`);
      assert.equal(n.rows[0].n, 0);
    } finally {
      await pool.query(`DROP SCHEMA IF EXISTS ${emptySchema} CASCADE`);
      await pool.end();
    }
  });

  it('PostgreSQL unreachable: exit 69 naming the address and DATABASE_URL', async () => {
    const r = await runCli(['companies', 'sync', '--base-url', baseUrl], { DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/findoc' });
    assert.equal(r.code, 69);
    assert.match(r.stderr, /PostgreSQL at 127\.0\.0\.1:1/);
    assert.match(r.stderr, /DATABASE_URL/);
    assert.ok(!r.stderr.includes('secretpw'));
  });
});
