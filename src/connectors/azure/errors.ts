/**
 * Azure errors as an operator reads them: one line, the service's error code, and never a SAS
 * signature (an error can quote a URL; the state file and task logs must not hold a credential).
 */
import { ElmError } from '../../domain/errors';

interface RestLike {
  statusCode?: number;
  code?: string;
  message?: string;
  response?: { headers?: { get(name: string): string | undefined } };
}

/** Replaces SAS signatures (and anything that looks like a bearer token) with REDACTED. */
export function redactSecrets(text: string): string {
  return text
    .replace(/([?&]sig=)[^&\s"'<>]+/gi, '$1REDACTED')
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1REDACTED')
    .replace(/(AccountKey=)[^;\s"']+/gi, '$1REDACTED');
}

export function statusOf(e: unknown): number | undefined {
  const s = (e as RestLike | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function codeOf(e: unknown): string | undefined {
  const c = (e as RestLike | undefined)?.code;
  return typeof c === 'string' ? c : undefined;
}

export function isNotFound(e: unknown): boolean {
  return statusOf(e) === 404;
}

const NETWORK_CODES = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|REQUEST_SEND_ERROR)$/;

/** The host a request that never got an answer was for (the SDKs' RestError carries the request). */
function unreachableHost(e: unknown): string | null {
  const code = codeOf(e);
  const url = (e as { request?: { url?: string } } | undefined)?.request?.url;
  if (!code || !NETWORK_CODES.test(code) || statusOf(e) !== undefined || !url) return null;
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

/** The first line of an error's message, redacted, with the service's code in front (and the host it could not reach). */
export function describeError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = codeOf(e);
  const first = redactSecrets(message).split('\n').find((l) => l.trim() !== '') ?? 'unknown error';
  const text = first.length > 400 ? `${first.slice(0, 400)}…` : first;
  const host = unreachableHost(e);
  const described = code && !text.includes(code) && !/^[A-Z_]+$/.test(code) ? `${code}: ${text}` : text;
  return host && !described.includes(host) ? `cannot reach ${host}: ${described}` : described;
}

/** A platform failure (exit 1) saying what elm was doing. */
export function platformError(what: string, e: unknown): ElmError {
  if (e instanceof ElmError) return e;
  return new ElmError(`${what}: ${describeError(e)}`);
}

/** Seconds (or an HTTP date) of a Retry-After header on the error's response, in ms. */
export function retryAfterMs(e: unknown): number | undefined {
  const raw = (e as RestLike | undefined)?.response?.headers?.get('retry-after');
  if (raw === undefined || raw === null || raw === '') return undefined;
  const secs = Number(raw);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(raw);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
