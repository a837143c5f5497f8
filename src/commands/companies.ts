/**
 * findoc companies sync | show: company names and tickers by CIK in PostgreSQL (core: src/core/companies.ts,
 * HTTP: src/adapters/sec-files.ts, storage: src/adapters/companies-store.ts). top and watch show them.
 */
import { Command } from '@commander-js/extra-typings';
import { readFileSync } from 'node:fs';
import { openCompanySync } from '../adapters/companies-store.js';
import { connectPostgres, migrate } from '../adapters/postgres.js';
import { SecFiles } from '../adapters/sec-files.js';
import { parseCompanyRef, syncCompanies, type SyncReport } from '../core/companies.js';
import { interrupted, isFindocError, notFound, usageError } from '../core/errors.js';
import { checkUserAgent, isSecHost, parseBaseUrl } from '../core/sec-urls.js';
import { Progress, formatBytes, info, printJson, printTable } from '../output.js';
import { mapPostgresError, parseSources, show } from '../query/companies.js';
import { onShutdown } from '../signals.js';
import { configOf, withExamples } from './context.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Where the SEC serves files/company_tickers.json and Archives/edgar/cik-lookup-data.txt. */
const SEC_WWW = 'https://www.sec.gov';

const SCHEMA_HELP = 'PostgreSQL schema holding findoc\'s tables (env FINDOC_PG_SCHEMA; default: the search_path, normally public)';

export function companiesCommand() {
  const group = new Command('companies').description('company names and tickers by CIK, from the SEC\'s reference files, shown by top and watch');
  group.addCommand(syncCommand());
  group.addCommand(showCommand());
  return withExamples(group, [
    'findoc companies sync --user-agent "Sample Company Name admin@example.com"',
    'findoc companies show AAPL',
  ]);
}

function syncCommand() {
  const cmd = new Command('sync')
    .description('load names and tickers from company_tickers.json and cik-lookup-data.txt into PostgreSQL (idempotent)')
    .option('--base-url <url>', 'where the SEC files are (tests point it at a local server)', SEC_WWW)
    .option('--user-agent <text>', 'User-Agent for sec.gov: your name and a contact email (env FINDOC_USER_AGENT; config sec.userAgent)')
    .option('--sources <list>', `which files, comma separated: tickers (~1 MB, listed companies), lookup (tens of MB, nearly every filer)`, 'tickers,lookup')
    .option('--schema <name>', SCHEMA_HELP)
    .option('--json', 'print the sync report as one JSON document')
    .addHelpText(
      'after',
      `
Names: the tickers file's title (the current name) and first ticker per CIK win; other CIKs get the first
name listed for them in cik-lookup-data.txt (former names follow it there). CIKs that disappear from the
SEC's files keep their stored name. Two requests in all, within the SEC's 10 requests/s.`,
    )
    .action(async (opts, command) => {
      const config = configOf(command);
      const sources = parseSources(opts.sources);
      const baseUrl = parseBaseUrl(opts.baseUrl);
      // The rules of findoc download: flag > FINDOC_USER_AGENT > config; required, with an email, for sec.gov.
      const userAgent = checkUserAgent(opts.userAgent ?? config.sec.userAgent, isSecHost(baseUrl), `findoc/${pkg.version} (companies sync)`);

      const pool = await connectPostgres(config.postgres.url, { schema: config.postgres.schema, max: 2 });
      const sec = new SecFiles({ baseUrl, userAgent });
      const progress = new Progress();
      const shutdown = onShutdown();
      let report: SyncReport;
      try {
        await migrate(pool, config.postgres.schema);
        const sink = await openCompanySync(pool);
        try {
          report = await syncCompanies(
            sources,
            {
              fetch: (path, signal) => sec.get(path, signal),
              sink,
              signal: shutdown.signal,
              onProgress: (p) => progress.update(() => `${p.source}: ${formatBytes(p.bytes)}, ${p.lines} entries`),
            },
            baseUrl,
          );
        } finally {
          await sink.close();
        }
      } catch (e) {
        if (shutdown.signal.aborted) {
          throw interrupted('interrupted: nothing was written');
        }
        throw mapPostgresError(e, config.postgres.url);
      } finally {
        progress.done();
        shutdown.dispose();
        sec.close();
        await pool.end();
      }

      if (opts.json) {
        printJson(report);
      } else {
        printTable(
          ['source', 'url', 'bytes', 'entries', 'companies', 'rejected'],
          report.sources.map((s) => [s.source, s.url, formatBytes(s.bytes), s.entries, s.companies, s.rejects.total]),
        );
        for (const s of report.sources) {
          for (const sample of s.rejects.samples) info(`rejected ${s.source} ${s.source === 'lookup' ? 'line' : 'entry'} ${sample.where} (${sample.reason}): ${sample.text}`);
        }
        info(`companies: ${report.inserted} new, ${report.updated} changed, ${report.unchanged} unchanged; ${report.total} in the table`);
      }
    });
  return withExamples(cmd, [
    'findoc companies sync --user-agent "Sample Company Name admin@example.com"',
    'FINDOC_USER_AGENT="Sample Company Name admin@example.com" findoc companies sync --sources tickers',
    'findoc companies sync --base-url http://127.0.0.1:8080 --json',
  ]);
}

function showCommand() {
  const cmd = new Command('show')
    .description('print the stored name and ticker of a company')
    .argument('<cik-or-ticker>', 'a CIK (320193, 0000320193) or a ticker (AAPL)')
    .option('--schema <name>', SCHEMA_HELP)
    .option('--json', 'print the matches as one JSON document')
    .action(async (text, opts, command) => {
      const ref = parseCompanyRef(text);
      if (!ref) throw usageError(`"${text}" is neither a CIK (digits) nor a ticker (letters, digits, '.', '-')`);
      const { companies: rows, total } = await show(ref, { config: configOf(command) });
      if (opts.json) printJson({ query: text, companies: rows });
      else if (rows.length > 0) printTable(['cik', 'name', 'ticker', 'source', 'updated'], rows.map((r) => [r.cik, r.name, r.ticker ?? '', r.source, r.updatedAt]));
      if (rows.length === 0) {
        throw notFound(total === 0 ? `no company "${text}": the companies table is empty; run: findoc companies sync` : `no company "${text}" among ${total} stored`);
      }
    });
  return withExamples(cmd, ['findoc companies show AAPL', 'findoc companies show 320193 --json']);
}
