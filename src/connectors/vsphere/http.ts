/**
 * The HTTPS transport to vCenter (no SDK): one keep-alive agent per session, small request/reply
 * exchanges with a vAPI error reading, and the retry policy shared by every call. Trust comes from
 * Node's CA store plus NODE_EXTRA_CA_CERTS; tests in this process may pass a CA instead.
 */
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { CancelledError, ElmError } from '../../domain/errors';

export interface TransportOptions {
  /** Extra CA (PEM) for in-process tests; spawned processes use NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
  /** Base delay of the retry backoff (default 500 ms, doubled per attempt). */
  retryBaseMs?: number;
  /** Socket idle timeout per request (default 120 s). */
  timeoutMs?: number;
}

export interface Transport {
  /** `https://<server>` as configured (`--server` may carry a port). */
  baseUrl: URL;
  agent: https.Agent;
  retryBaseMs: number;
  timeoutMs: number;
}

export function createTransport(server: string, opts: TransportOptions = {}): Transport {
  const baseUrl = new URL(/^https?:\/\//i.test(server) ? server : `https://${server}`);
  if (baseUrl.protocol !== 'https:') throw new ElmError(`--server ${server}: vCenter is reached over https only (the password travels with the login).`);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, ...(opts.ca ? { ca: opts.ca } : {}) });
  return { baseUrl, agent, retryBaseMs: opts.retryBaseMs ?? 500, timeoutMs: opts.timeoutMs ?? 120_000 };
}

/** A vCenter answer that is an error, or a connection that failed: the message never holds a secret. */
export class VsphereError extends ElmError {
  constructor(
    message: string,
    readonly status?: number,
    /** vAPI `error_type` (NOT_FOUND, ALREADY_EXISTS, ...) when the body had one. */
    readonly errorType?: string,
    /** Worth another try: 429/502/503/504 and dropped connections. */
    readonly retryable = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'VsphereError';
  }
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface SendOptions {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  /** This request's socket idle timeout, when it may legitimately take longer than the transport's. */
  timeoutMs?: number;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Turns a socket-level failure into a VsphereError saying what to do. */
export function connectionError(e: unknown, what: string, host: string): Error {
  const err = e as NodeJS.ErrnoException;
  if (err instanceof VsphereError || err instanceof CancelledError) return err;
  if (err?.name === 'AbortError') return new CancelledError();
  const code = err?.code ?? '';
  if (TLS_CODES.has(code))
    return new VsphereError(
      `${what}: the certificate of ${host} is not trusted (${code}); trust its CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem (vCenter: its root CA from https://${host}/certs/download.zip; an ESXi host: the host's own certificate).`,
    );
  if (code === 'ENOTFOUND') return new VsphereError(`${what}: the host ${host} is unknown (DNS); check --server.`);
  const retryable = NETWORK_CODES.has(code) || /socket hang up|aborted|premature close/i.test(err?.message ?? '');
  return new VsphereError(`${what}: ${err?.message ?? String(e)}${code && !(err?.message ?? '').includes(code) ? ` (${code})` : ''}`, undefined, undefined, retryable);
}

/**
 * The vAPI error document's type and messages; `vapi` false when the body is not one (a plain-text
 * 404, an HTML error page, a proxy's page), with its first words, tags stripped, on one line.
 */
export function describeErrorBody(body: Buffer): { errorType?: string; message: string; ids: string[]; vapi: boolean } {
  const text = body.toString('utf8').trim();
  try {
    type Msg = { default_message?: string; id?: string };
    const doc = JSON.parse(text) as { error_type?: string; type?: string; messages?: Msg[]; value?: { messages?: Msg[] } };
    if (!doc || typeof doc !== 'object') throw new Error('not a document');
    const messages = doc.messages ?? doc.value?.messages ?? [];
    const message = messages.map((m) => m.default_message).filter(Boolean).join(' ');
    const errorType = doc.error_type ?? doc.type;
    return { errorType, message: oneLine(message || text, 300), ids: messages.map((m) => m.id ?? ''), vapi: typeof errorType === 'string' };
  } catch {
    return { message: oneLine(text.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' '), 120), ids: [], vapi: false };
  }
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** What an answer's Content-Type says it is (`text/html`), for errors about answers that are not JSON. */
function contentKind(headers: IncomingHttpHeaders): string {
  return String(headers['content-type'] ?? 'no content type').split(';')[0].trim() || 'no content type';
}

/**
 * A 2xx answer read as JSON; an answer that is not (a proxy or portal page in front of vCenter, a
 * server that is not vCenter 7.0 U2+) is a one-line error naming the request and the status, never
 * a JSON parse error.
 */
export function parseJsonReply<T>(what: string, reply: HttpReply): T {
  const text = reply.body.toString('utf8');
  if (text.trim() === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new VsphereError(`${what}: HTTP ${reply.status} answered ${contentKind(reply.headers)}, not JSON (is there a proxy in front of vCenter, or is this not vCenter 7.0 U2 or later?)`, reply.status);
  }
}

export function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const v = headers['retry-after'];
  if (typeof v !== 'string') return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.min(60_000, Math.max(0, secs * 1000));
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.min(60_000, Math.max(0, at - Date.now())) : undefined;
}

/**
 * The error for a non-2xx reply, one line: `<what>: HTTP 404 NOT_FOUND: <message>`, or for a body
 * that is not a vAPI error `<what>: HTTP 502 (text/html): <first words>`.
 */
export function statusError(what: string, reply: HttpReply): VsphereError {
  const { errorType, message, vapi } = describeErrorBody(reply.body);
  const head = vapi ? `HTTP ${reply.status} ${errorType}` : `HTTP ${reply.status} (${contentKind(reply.headers)})`;
  return new VsphereError(
    `${what}: ${head}${message ? `: ${message}` : ''}`,
    reply.status,
    errorType,
    RETRYABLE_STATUS.has(reply.status),
    retryAfterMs(reply.headers),
  );
}

/** One request with a small body; the whole reply body is read (JSON documents, short texts). */
export function send(t: Transport, opts: SendOptions): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
    if (opts.body) headers['content-length'] = String(opts.body.length);
    const req = https.request(opts.url, { method: opts.method, headers, agent: t.agent, signal: opts.signal }, (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
      res.on('aborted', () => reject(Object.assign(new Error('the connection was closed mid-reply'), { code: 'ECONNRESET' })));
    });
    const timeoutMs = opts.timeoutMs ?? t.timeoutMs;
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000}s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface RetryOptions {
  /** Tries in all (default 5). */
  attempts?: number;
  signal?: AbortSignal;
  /** Dropped connections are retried only for requests that are safe to repeat. */
  idempotent?: boolean;
  onRetry?: (error: VsphereError, attempt: number, delayMs: number) => void;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Runs `fn` again after a backoff while it fails in a way worth retrying: 429/502/503/504 (the
 * server did not do the work; Retry-After is honoured) always, a dropped connection only when
 * the request is idempotent.
 */
export async function withRetries<T>(t: Transport, fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (opts.signal?.aborted) throw new CancelledError();
      if (!(e instanceof VsphereError) || !e.retryable || attempt >= attempts) throw e;
      if (e.status === undefined && opts.idempotent === false) throw e;
      const backoff = Math.min(10_000, t.retryBaseMs * 2 ** (attempt - 1));
      const delay = e.retryAfterMs ?? backoff;
      opts.onRetry?.(e, attempt, delay);
      await sleep(delay, opts.signal);
    }
  }
}
