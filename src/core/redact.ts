/**
 * Secrets never reach a log, an error or --json output. Connection URLs may carry a password
 * (postgres://user:pw@host/db, redis://:pw@host); these helpers keep the host and port a user needs to
 * see and drop the rest.
 */
const URL_WITH_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^@\s/]*)@/gi;

/** Replaces the user-info part of every URL in a text by "***". */
export function redactText(text: string): string {
  return text.replace(URL_WITH_CREDENTIALS, (_m, scheme: string) => `${scheme}***@`);
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
