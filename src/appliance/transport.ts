/**
 * One HTTPS POST to the appliance, bounded in time and size. The certificate is always verified:
 * against the appliance's own CA file when one was given, else Node's store plus
 * NODE_EXTRA_CA_CERTS. There is no switch that turns verification off.
 */
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { CancelledError, ExitCode } from '../domain/errors';
import { ApplianceError } from './errors';

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface PostOptions {
  ca?: string;
  /** The whole exchange, connection included, must end within it. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** For messages: the appliance's name as the operator added it. */
  appliance: string;
}

/**
 * Connections are kept open between the calls of a command (a layer list asks for each layer's
 * details: a TLS handshake each would cost more than the answers). An idle one is closed after 2 s,
 * before a server's idle timeout (Node's 5 s, IIS's 120 s by default) can close it under a request;
 * idle sockets do not keep the process alive (Node's agent unrefs them).
 */
const agent = new https.Agent({ keepAlive: true, timeout: 2_000 });

/** An answer larger than this is not the appliance's (a layer list of thousands is a few MiB). */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function post(url: URL, headers: Record<string, string>, body: string, opts: PostOptions): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new CancelledError());
    const payload = Buffer.from(body, 'utf8');
    const req = https.request(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(payload.length) },
      ...(opts.ca ? { ca: opts.ca } : {}),
      agent,
    });
    const timer = setTimeout(() => req.destroy(Object.assign(new Error('timed out'), { code: 'ELM_APPLIANCE_TIMEOUT' })), opts.timeoutMs);
    const onAbort = () => req.destroy(Object.assign(new Error('cancelled'), { name: 'AbortError' }));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_ANSWER_BYTES) req.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => {
        done();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (e) => {
        done();
        reject(connectionError(e, url, opts));
      });
    });
    req.on('error', (e) => {
      done();
      reject(connectionError(e, url, opts));
    });
    req.end(payload);
  });
}

/** A socket-level failure as one line saying what to do; never holds a secret. */
export function connectionError(e: unknown, url: URL, opts: PostOptions): Error {
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return new CancelledError();
  const code = err?.code ?? '';
  const where = `the appliance "${opts.appliance}" (${url.host})`;
  if (TLS_CODES.has(code)) {
    const trust = `elm appliance add --name ${opts.appliance} ... --ca-file /path/to/ca.pem, or NODE_EXTRA_CA_CERTS=/path/to/ca.pem`;
    return new ApplianceError(
      `The certificate of ${where} is not trusted (${code}); export the appliance's certificate or its CA (the management console's HTTPS certificate) to a PEM file and trust it with ${trust}.`,
    );
  }
  if (code === 'ELM_APPLIANCE_TIMEOUT')
    return new ApplianceError(`${cap(where)} did not answer within ${Math.round(opts.timeoutMs / 1000)} s; check that it is running and reachable (ELM_APPLIANCE_TIMEOUT sets the wait).`, ExitCode.failed);
  if (code === 'ENOTFOUND') return new ApplianceError(`The host of ${where} is unknown (DNS); check its --server (elm appliance show ${opts.appliance}).`);
  if (code === 'ECONNREFUSED') return new ApplianceError(`${cap(where)} refused the connection; check its --server and port (elm appliance show ${opts.appliance}).`);
  return new ApplianceError(`${cap(where)} could not be reached: ${err?.message ?? String(e)}${code && !(err?.message ?? '').includes(code) ? ` (${code})` : ''}.`);
}

function cap(s: string): string {
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}`;
}
