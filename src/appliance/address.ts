/**
 * `--server` of an appliance: a host, host:port or an https:// URL, as the API endpoint
 * https://<host>[:port]/Unidesk.Web/API.asmx (the path ctxal-sdk's Connect-ALsession posts to).
 * Plain http is refused: the password travels in the Login envelope.
 */
import { UsageError } from '../domain/errors';

export const API_PATH = '/Unidesk.Web/API.asmx';

export function applianceEndpoint(server: string): URL {
  const given = server.trim();
  if (!given) throw new UsageError('--server is empty; give the appliance\'s host name, host:port or https:// URL.');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given) && !/^https:\/\//i.test(given))
    throw new UsageError(`--server ${given}: the appliance is reached over https only (the password travels with the login); give https://${given.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')}.`);
  let url: URL;
  try {
    url = new URL(/^https:\/\//i.test(given) ? given : `https://${given}`);
  } catch {
    throw new UsageError(`--server ${given} is not a host name, host:port or https:// URL.`);
  }
  if (!url.hostname || url.username || url.password) throw new UsageError(`--server ${given}: give a host name, host:port or https:// URL without a user or password in it.`);
  if (url.search || url.hash) throw new UsageError(`--server ${given}: give the URL without a query or fragment.`);
  if (url.pathname === '/' || url.pathname === '') url.pathname = API_PATH;
  return url;
}
