import { UsageError } from '../domain/errors';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/** A DNS host name (RFC 1123 labels), an IPv4 address or a bracketed IPv6 address. */
export function isHostName(host: string): boolean {
  if (IPV4.test(host)) return true;
  if (/^\[[0-9a-f:.]+\]$/i.test(host)) return true;
  if (host.length > 253 || /^[\d.]+$/.test(host)) return false;
  return host.replace(/\.$/, '').split('.').every((l) => LABEL.test(l));
}

/**
 * A server given as `host`, `host:port` or `https://host[:port]`: where elm connects, nothing
 * more. A path, a query, a fragment or credentials in it would be sent somewhere unexpected (or
 * leak into the state), so they are refused here rather than at the first connection.
 */
export function serverAddress(value: string, flag: string, example: string): string {
  const v = value.trim().replace(/\/+$/, '');
  const fix = `give the server's host name, e.g. ${example}`;
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(v) ? v : `https://${v}`);
  } catch {
    throw new UsageError(`${flag} "${value}" is not a server address; ${fix}.`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`${flag} "${value}": only https:// is used (the password travels with the login); ${fix}.`);
  if (url.username || url.password) throw new UsageError(`${flag} "${value}" must not hold a user or password; ${fix} (the user has its own flag).`);
  if (url.pathname !== '/' || url.search || url.hash || v.includes('?') || v.includes('#'))
    throw new UsageError(`${flag} "${value}" must be a host name without a path or query; ${fix}.`);
  if (!isHostName(url.hostname)) throw new UsageError(`${flag} "${value}": "${url.hostname}" is not a host name; ${fix}.`);
  return v;
}
