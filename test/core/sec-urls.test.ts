/** The SEC URL contract, --base-url, stored names, date ranges and the User-Agent rule (src/core/sec-urls.ts). */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FindocError } from '../../src/core/errors.js';
import { dateFromName } from '../../src/core/log-input.js';
import {
  SEC_BASE_URL,
  USER_AGENT_EXAMPLE,
  checkUserAgent,
  dayPath,
  dayUrl,
  isSecHost,
  parseBaseUrl,
  quarterOf,
  storedName,
} from '../../src/core/sec-urls.js';
import { MAX_DAYS, dayRange, requestedDays } from '../../src/core/date-range.js';

const REFERENCE = join(import.meta.dirname, '../../../shared/data/edgar-samples/reference');

const isCode = (code: string) => (e: unknown) => e instanceof FindocError && e.code === code;

describe('SEC URLs', () => {
  it('the quarter is that of the month: Jan–Mar 1, Apr–Jun 2, Jul–Sep 3, Oct–Dec 4', () => {
    assert.deepEqual(
      Array.from({ length: 12 }, (_, i) => quarterOf(i + 1)),
      [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    );
  });

  it('builds the published URL of a day', () => {
    assert.equal(dayUrl('2017-06-30'), 'https://www.sec.gov/dera/data/Public-EDGAR-log-file-data/2017/Qtr2/log20170630.zip');
    assert.equal(dayUrl('2003-03-01'), `${SEC_BASE_URL}/2003/Qtr1/log20030301.zip`);
    assert.equal(dayPath('2016-10-01'), '/2016/Qtr4/log20161001.zip');
    assert.equal(dayPath('2016-09-30'), '/2016/Qtr3/log20160930.zip');
  });

  it('agrees with the SEC list of published files: each listed file is at the URL built for its date', () => {
    const lines = readFileSync(join(REFERENCE, 'EDGAR_LogFileList-2003-2017.txt'), 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
    assert.equal(lines.length, 5293);
    for (const line of lines) {
      const date = dateFromName(line.split('/').pop() as string) as string;
      assert.equal(dayUrl(date), `https://${line}`);
    }
    // The two days the SEC never published are really absent from its list.
    assert.ok(!lines.some((l) => l.endsWith('log20170429.zip') || l.endsWith('log20170430.zip')));
  });

  it('--base-url replaces scheme, host and path prefix and keeps the day path', () => {
    const base = parseBaseUrl('http://127.0.0.1:8080/mirror/edgar/');
    assert.equal(base, 'http://127.0.0.1:8080/mirror/edgar');
    assert.equal(dayUrl('2017-06-30', base), 'http://127.0.0.1:8080/mirror/edgar/2017/Qtr2/log20170630.zip');
    assert.equal(dayUrl('2017-06-30', parseBaseUrl('http://mirror.example')), 'http://mirror.example/2017/Qtr2/log20170630.zip');
    assert.equal(parseBaseUrl(SEC_BASE_URL), SEC_BASE_URL);
  });

  it('refuses a base URL that is not http(s), carries credentials, a query or a fragment', () => {
    for (const bad of ['ftp://sec.gov/x', 'not a url', 'http://u:p@host/x', 'http://host/x?y=1', 'http://host/x#f', 'file:///tmp']) {
      assert.throws(() => parseBaseUrl(bad), isCode('FINDOC_USAGE'), bad);
    }
  });

  it('knows which hosts are the SEC', () => {
    assert.equal(isSecHost(SEC_BASE_URL), true);
    assert.equal(isSecHost('https://SEC.GOV/x'), true);
    assert.equal(isSecHost('https://www.sec.gov./x'), true);
    assert.equal(isSecHost('http://127.0.0.1:8080/x'), false);
    assert.equal(isSecHost('https://notsec.gov/x'), false);
    assert.equal(isSecHost('https://sec.gov.example.com/x'), false);
  });

  it('stored names are the ones findoc generate writes and readVisits dates', () => {
    assert.equal(storedName('2017-06-30', true), 'log20170630.csv.gz');
    assert.equal(storedName('2017-06-30', false), 'log20170630.csv');
    assert.equal(dateFromName(storedName('2017-06-30', true)), '2017-06-30');
  });
});

describe('requested days', () => {
  it('--date is one day; --from/--to an inclusive range across months and leap days', () => {
    assert.deepEqual(requestedDays({ date: '2017-06-30' }), ['2017-06-30']);
    assert.deepEqual(requestedDays({ from: '2016-02-28', to: '2016-03-01' }), ['2016-02-28', '2016-02-29', '2016-03-01']);
    assert.deepEqual(requestedDays({ from: '2017-02-28', to: '2017-03-01' }), ['2017-02-28', '2017-03-01']);
    assert.equal(dayRange('2003-01-01', '2017-06-30').length, 5295);
    assert.deepEqual(dayRange('2017-12-31', '2018-01-01'), ['2017-12-31', '2018-01-01']);
  });

  it('refuses invalid, reversed, mixed, incomplete or huge ranges as usage errors', () => {
    for (const flags of [
      { date: '2017-02-29' },
      { date: '2017-6-30' },
      { from: '2017-06-30', to: '2017-06-01' },
      { date: '2017-06-30', from: '2017-06-01' },
      { from: '2017-06-01' },
      {},
      { from: '1990-01-01', to: '2100-01-01' },
    ]) {
      assert.throws(() => requestedDays(flags), isCode('FINDOC_USAGE'), JSON.stringify(flags));
    }
    assert.equal(dayRange('2000-01-01', new Date(Date.UTC(2000, 0, MAX_DAYS)).toISOString().slice(0, 10)).length, MAX_DAYS);
  });
});

describe('User-Agent', () => {
  it('is required for sec.gov: exit 78 explaining fair access with an example value', () => {
    assert.throws(
      () => checkUserAgent(undefined, true, 'findoc'),
      (e: unknown) =>
        e instanceof FindocError &&
        e.exitCode === 78 &&
        /SEC requires a User-Agent/.test(e.message) &&
        e.details.hint!.includes(USER_AGENT_EXAMPLE) &&
        /FINDOC_USER_AGENT/.test(e.details.hint!),
    );
    assert.throws(() => checkUserAgent('   ', true, 'findoc'), isCode('FINDOC_CONFIG'));
  });

  it('for sec.gov it must carry a contact email; any host refuses non-ASCII or control characters', () => {
    assert.throws(() => checkUserAgent('Sample Company Name', true, 'findoc'), isCode('FINDOC_CONFIG'));
    assert.throws(() => checkUserAgent('Name admin@example.com\r\nX-Evil: 1', false, 'findoc'), isCode('FINDOC_CONFIG'));
    assert.throws(() => checkUserAgent('Société admin@example.com', true, 'findoc'), isCode('FINDOC_CONFIG'));
    assert.equal(checkUserAgent(` ${USER_AGENT_EXAMPLE} `, true, 'findoc'), USER_AGENT_EXAMPLE);
  });

  it('is optional elsewhere: the fallback is sent', () => {
    assert.equal(checkUserAgent(undefined, false, 'findoc'), 'findoc');
    assert.equal(checkUserAgent('tester', false, 'findoc'), 'tester');
  });
});
