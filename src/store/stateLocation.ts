import { UsageError } from '../domain/errors';
import { isLoopbackHost } from '../domain/loopback';

/**
 * Where the state lives: the file under ELM_HOME (the default), or a blob named by --state /
 * ELM_STATE. Any blob endpoint works: `https://<account>.blob.core.windows.net/<container>/<name>.json`,
 * a sovereign cloud's, or a path-style one (Azurite: `http://127.0.0.1:10000/devstoreaccount1/<container>/<name>.json`).
 */
export type StateLocation = { kind: 'file'; home: string } | { kind: 'blob'; blob: BlobLocation };

export interface BlobLocation {
  /** The state blob's URL, without query: safe to print. */
  url: string;
  accountName: string;
  /** e.g. https://acct.blob.core.windows.net/team or http://127.0.0.1:10000/devstoreaccount1/team */
  containerUrl: string;
  container: string;
  /** The blob's name inside the container, e.g. `elm/state.json`. */
  name: string;
}

export function stateLocation(home: string, env: NodeJS.ProcessEnv): StateLocation {
  const raw = env.ELM_STATE?.trim();
  if (!raw) return { kind: 'file', home };
  return { kind: 'blob', blob: parseBlobUrl(raw, '--state') };
}

/** A host that serves accounts by path (emulators, Azure Stack's IP endpoints) rather than by subdomain. */
function pathStyle(u: URL): boolean {
  return /^(\d+\.){3}\d+$/.test(u.hostname) || u.hostname === 'localhost' || u.hostname.startsWith('[') || u.port !== '';
}

export function parseBlobUrl(raw: string, flag: string): BlobLocation {
  const example = 'e.g. https://myaccount.blob.core.windows.net/elm/state.json';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`${flag} ${raw} is not a URL; name the state blob, ${example}.`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new UsageError(`${flag} ${raw} is not an http(s) URL; name the state blob, ${example}.`);
  // A SAS or a shared key's signature travels with every request: never in clear over a network.
  if (u.protocol === 'http:' && !isLoopbackHost(u))
    throw new UsageError(`${flag} ${raw} is plain http: the state's credential would travel in clear; use https://, ${example} (http is accepted only on this machine: 127.0.0.1, ::1, localhost).`);
  if (u.search || u.username || u.password)
    throw new UsageError(`${flag} must not carry credentials (a SAS or user:password); put the SAS in an environment variable and name it with --state-sas-env.`);
  const parts = pathSegments(u, raw, flag);
  const byPath = pathStyle(u);
  const accountName = byPath ? parts.shift() : u.hostname.split('.')[0];
  const container = parts.shift();
  const name = parts.join('/');
  if (!accountName || !container || !name)
    throw new UsageError(`${flag} ${raw} names no blob: give the account endpoint, the container and the blob name, ${example}.`);
  if (!name.endsWith('.json')) throw new UsageError(`${flag} ${raw}: the state blob's name must end in .json, ${example}.`);
  const origin = `${u.protocol}//${u.host}`;
  const containerUrl = byPath ? `${origin}/${encodeURIComponent(accountName)}/${encodeURIComponent(container)}` : `${origin}/${encodeURIComponent(container)}`;
  return { url: `${containerUrl}/${name.split('/').map(encodeURIComponent).join('/')}`, accountName, containerUrl, container, name };
}

/** The URL's path, decoded segment by segment; a malformed escape (`%zz`) is the operator's typo. */
function pathSegments(u: URL, raw: string, flag: string): string[] {
  try {
    return u.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new UsageError(`${flag} ${raw} has a malformed %-escape in its path; write % as %25, or name the blob without it.`);
  }
}
