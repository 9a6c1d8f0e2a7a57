import { UsageError } from '../domain/errors';

/** Reads a string flag, refusing empty values with the flag's name. */
export function requiredString(flags: Record<string, unknown>, key: string, flag: string): string {
  const v = flags[key];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`${flag} is required and must not be empty.`);
  return v.trim();
}

export function optionalString(flags: Record<string, unknown>, key: string): string | undefined {
  const v = flags[key];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** An environment variable name (the secret itself is never stored). */
export function envVarName(flags: Record<string, unknown>, key: string, flag: string): string | undefined {
  const v = optionalString(flags, key);
  if (v !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v))
    throw new UsageError(`${flag} takes the NAME of an environment variable (got "${v}"); elm reads the secret from it and never stores it.`);
  return v;
}

export function httpsUrl(flags: Record<string, unknown>, key: string, flag: string): string | undefined {
  const v = optionalString(flags, key);
  if (v === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`${flag} "${v}" is not a URL; give e.g. https://management.usgovcloudapi.net.`);
  }
  if (u.protocol !== 'https:') throw new UsageError(`${flag} must be an https:// URL (got ${u.protocol}//): credentials are never sent in clear text.`);
  // An endpoint is a place: a query (a SAS token), a fragment or a user in it would be stored as a secret or ignored.
  if (u.search || u.hash || u.username || u.password || v.includes('?') || v.includes('#'))
    throw new UsageError(`${flag} "${v}" must be a plain endpoint URL without a query, fragment or credentials, e.g. https://management.usgovcloudapi.net.`);
  return v.replace(/\/+$/, '');
}
