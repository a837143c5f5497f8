/**
 * The SEC's fair-access rules (DESIGN §1): every request to sec.gov carries a User-Agent naming the
 * requester and a contact email, e.g. "Sample Company Name admin@example.com".
 *
 * Where it comes from, highest first: `--user-agent` > FINDOC_USER_AGENT > the config file's
 * `sec.userAgent` (the last two are already merged, in that order, by config.ts). It is required when the
 * base URL is sec.gov (or a subdomain); a local test server gets "findoc/<version>" when none is set.
 * Missing or without an email: a configuration error, exit 78.
 */
import { configError } from './errors.js';

export const SEC_BASE_URL = 'https://www.sec.gov';
export const EXAMPLE_USER_AGENT = 'Sample Company Name admin@example.com';
export const USER_AGENT_SETTING = '--user-agent, FINDOC_USER_AGENT or the config file\'s sec.userAgent';

/** True for https://www.sec.gov, https://sec.gov and any *.sec.gov host. */
export function isSecHost(baseUrl: string): boolean {
  try {
    const host = new URL(baseUrl).hostname.toLowerCase();
    return host === 'sec.gov' || host.endsWith('.sec.gov');
  } catch {
    return false;
  }
}

const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;

export function resolveUserAgent(flag: string | undefined, configured: string | undefined, baseUrl: string, fallback: string): string {
  const ua = (flag ?? configured ?? '').trim();
  if (!isSecHost(baseUrl)) return ua || fallback;
  if (ua === '') {
    throw configError(
      `the SEC requires a User-Agent naming you and a contact email on every request to ${new URL(baseUrl).host}, and none is set`,
      USER_AGENT_SETTING,
      `pass --user-agent "${EXAMPLE_USER_AGENT}" or export FINDOC_USER_AGENT="${EXAMPLE_USER_AGENT}"`,
    );
  }
  if (!EMAIL.test(ua)) {
    throw configError(
      `the User-Agent "${ua}" has no contact email; the SEC blocks requests without one`,
      USER_AGENT_SETTING,
      `use a name and an email, e.g. "${EXAMPLE_USER_AGENT}"`,
    );
  }
  return ua;
}
