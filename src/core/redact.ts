/**
 * Secrets never reach a log, an error or --json output. Connection URLs may carry a password
 * (postgres://user:pw@host/db, redis://:pw@host) or a password query parameter (?password=…); these
 * helpers keep the host and port a user needs to see and drop the rest.
 *
 * The user-info part runs from "scheme://" to the LAST "@" of the URL token: a password may itself hold
 * "@" or "/" (u:p@ss@h, u:pa/ss@h), so stopping at the first "@" or at a "/" would leave part of it in
 * the text. Over-redacting a path that holds an "@" is the safe side of that trade.
 */
const URL_WITH_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)[^\s'"<>]*@/gi;

/** key=value secrets, in a URL query (?password=…&) or a libpq keyword string (password=… host=…). */
const SECRET_PARAMETER =
  /(^|[?&;,\s])((?:password|passwd|pwd|pass|sslpassword|secret|token|access_token|secret_access_key)=)[^&\s#'",;]*/gi;

/** Replaces the user-info part of every URL, and every password-like parameter, in a text by "***". */
export function redactText(text: string): string {
  return text
    .replace(URL_WITH_CREDENTIALS, (_m, scheme: string) => `${scheme}***@`)
    .replace(SECRET_PARAMETER, (_m, lead: string, key: string) => `${lead}${key}***`);
}

/** A URL without its credentials, e.g. "postgres://***@127.0.0.1:5432/findoc". */
export function redactUrl(url: string): string {
  return redactText(url);
}

/** host:port of a URL, for messages that name the address tried. */
export function hostPort(url: string, defaultPort?: number): string {
  try {
    const u = new URL(url);
    const port = u.port || (defaultPort !== undefined ? String(defaultPort) : '');
    return port ? `${u.hostname}:${port}` : u.hostname;
  } catch {
    return redactText(url);
  }
}
