/**
 * Access tokens shaped like Microsoft Entra v1 access tokens (what ARM and Storage receive):
 * a JWT with `aud`, `iss https://sts.windows.net/{tenant}/`, `iat`/`nbf`/`exp`, `tid`, `oid`,
 * `appid`. The signature is random bytes: the fake remembers what it issued instead of verifying
 * signatures, and Azurite `--oauth basic` does not verify them either.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';

export interface AccessTokenClaims {
  aud: string;
  iss: string;
  iat: number;
  nbf: number;
  exp: number;
  tid: string;
  oid: string;
  sub: string;
  appid: string;
  appidacr: string;
  idtyp: string;
  ver: string;
  uti: string;
  [claim: string]: unknown;
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

export function issuerFor(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** A stable object id for an application (so user-delegation keys are stable per client). */
export function objectIdFor(clientId: string): string {
  const h = createHash('sha256').update(`oid:${clientId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function makeAccessToken(opts: {
  tenantId: string;
  clientId: string;
  audience: string;
  lifetimeSeconds: number;
  now?: number;
}): { token: string; claims: AccessTokenClaims } {
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  const oid = objectIdFor(opts.clientId);
  const claims: AccessTokenClaims = {
    aud: opts.audience,
    iss: issuerFor(opts.tenantId),
    iat: now - 300,
    nbf: now - 300,
    exp: now + opts.lifetimeSeconds,
    aio: b64url(randomBytes(24)),
    appid: opts.clientId,
    appidacr: '1',
    idp: issuerFor(opts.tenantId),
    idtyp: 'app',
    oid,
    rh: b64url(randomBytes(16)),
    sub: oid,
    tid: opts.tenantId,
    uti: b64url(randomBytes(16)),
    ver: '1.0',
  };
  const header = { typ: 'JWT', alg: 'RS256', x5t: 'elm-fake', kid: 'elm-fake' };
  const token = [b64url(JSON.stringify(header)), b64url(JSON.stringify(claims)), b64url(randomBytes(64))].join('.');
  return { token, claims };
}

/** The payload of a JWT, or undefined when it is not one. */
export function decodeJwt(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload && typeof payload === 'object' ? (payload as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export const newId = () => randomUUID();
