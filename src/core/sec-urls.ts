/**
 * Where the SEC publishes each day of the EDGAR Log File Data Set, and what findoc names the day once
 * stored. Pure: no I/O.
 *
 * The URL contract (DESIGN §1)
 * ----------------------------
 *   https://www.sec.gov/dera/data/Public-EDGAR-log-file-data/YYYY/QtrN/logYYYYMMDD.zip
 *   └──────────────────── base URL ────────────────────────┘└──────── day path ───────┘
 * - YYYY is the day's year; QtrN the quarter of the day's month (January–March → Qtr1, April–June → Qtr2,
 *   July–September → Qtr3, October–December → Qtr4); logYYYYMMDD.zip the day itself.
 * - `--base-url` replaces the base URL (scheme, host and path prefix) and keeps the day path, so a test
 *   server or a mirror serving the SEC's tree at http://127.0.0.1:8080/edgar answers
 *   http://127.0.0.1:8080/edgar/2003/Qtr1/log20030301.zip.
 * - The SEC's fair-access rules (a declared User-Agent, ≤ 10 requests/s) apply when the host is sec.gov or
 *   one of its subdomains: isSecHost().
 *
 * Stored names: flat under the destination prefix or folder, `logYYYYMMDD.csv.gz` (gzip, the default) or
 * `logYYYYMMDD.csv` (--no-gzip), the names `findoc generate` writes and `readVisits` selects by date.
 */
import { configError, usageError } from './errors.js';

export const SEC_BASE_URL = 'https://www.sec.gov/dera/data/Public-EDGAR-log-file-data';

/** The SEC's fair-access ceiling: requests per second from one client (DESIGN §1). */
export const SEC_MAX_RPS = 10;


/** Quarter (1–4) of a month (1–12). */
export function quarterOf(month: number): number {
  return Math.floor((month - 1) / 3) + 1;
}

/** `/YYYY/QtrN/logYYYYMMDD.zip` of a YYYY-MM-DD day. */
export function dayPath(date: string): string {
  const [y, m, d] = date.split('-');
  return `/${y}/Qtr${quarterOf(Number(m))}/log${y}${m}${d}.zip`;
}

/** The URL of a day's zip under a base URL (normalised by parseBaseUrl, or SEC_BASE_URL). */
export function dayUrl(date: string, baseUrl: string = SEC_BASE_URL): string {
  return baseUrl + dayPath(date);
}

/**
 * Checks and normalises a --base-url: http or https, no credentials, query or fragment; trailing slashes
 * dropped. Throws FINDOC_USAGE otherwise.
 */
export function parseBaseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`--base-url ${text} is not a URL`, `write it like ${SEC_BASE_URL}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`--base-url ${text} must be an http:// or https:// URL`);
  }
  if (url.username || url.password) throw usageError('--base-url must not carry credentials');
  if (url.search || url.hash) throw usageError(`--base-url ${url.origin}${url.pathname} must not have a query or fragment`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Whether the SEC's fair-access rules apply to a URL: its host is sec.gov or a subdomain of it. */
export function isSecHost(url: string): boolean {
  const host = new URL(url).hostname.toLowerCase().replace(/\.$/, '');
  return host === 'sec.gov' || host.endsWith('.sec.gov');
}

/** The stored name of a day: logYYYYMMDD.csv.gz, or logYYYYMMDD.csv without gzip. */
export function storedName(date: string, gzip: boolean): string {
  return `log${date.replaceAll('-', '')}.csv${gzip ? '.gz' : ''}`;
}

/** The example every User-Agent message shows: the form the SEC's fair-access page asks for. */
export const USER_AGENT_EXAMPLE = 'Sample Company Name admin@example.com';

/** Where a user sets the User-Agent, as messages name it. */
export const USER_AGENT_SETTING = '--user-agent, FINDOC_USER_AGENT or sec.userAgent in the config file';

/**
 * The User-Agent to send, checked. For sec.gov it is required and must name a contact email (the SEC
 * refuses undeclared automated tools with 403 and may block the client): FINDOC_CONFIG otherwise. For
 * other hosts it is optional (`fallback` is sent). Header-unsafe characters are a configuration error.
 */
export function checkUserAgent(userAgent: string | undefined, secHost: boolean, fallback: string): string {
  const ua = userAgent?.trim();
  if (!ua) {
    if (!secHost) return fallback;
    throw configError(
      'the SEC requires a User-Agent naming you and a contact email on every request (fair access: ' +
        'https://www.sec.gov/os/accessing-edgar-data); without one it answers 403 and may block this machine',
      USER_AGENT_SETTING,
      `set ${USER_AGENT_SETTING}, e.g. --user-agent "${USER_AGENT_EXAMPLE}"`,
    );
  }
  if (!/^[\x20-\x7e]+$/.test(ua)) {
    throw configError('the User-Agent must be printable ASCII (it is sent as an HTTP header)', USER_AGENT_SETTING, `set ${USER_AGENT_SETTING}, e.g. "${USER_AGENT_EXAMPLE}"`);
  }
  if (secHost && !/\S@\S/.test(ua)) {
    throw configError(
      `the User-Agent "${ua}" has no contact email; the SEC asks for a name and an email`,
      USER_AGENT_SETTING,
      `set ${USER_AGENT_SETTING}, e.g. "${USER_AGENT_EXAMPLE}"`,
    );
  }
  return ua;
}
