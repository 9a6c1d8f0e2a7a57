/**
 * A vSphere Automation API session: `POST /api/session` with HTTP Basic (the password read from
 * the environment variable the configuration names, never stored), the session id in the
 * `vmware-api-session-id` header afterwards, one new login when vCenter forgot the session (idle
 * timeout, restart), and `DELETE /api/session` at the end.
 */
import { UsageError } from '../../domain/errors';
import { connectionError, createTransport, describeErrorBody, parseJsonReply, send, statusError, VsphereError, withRetries, type HttpReply, type Transport, type TransportOptions } from './http';
import type { VsphereSettings } from './settings';

export type Query = Record<string, string | string[] | undefined>;

export interface ApiCall {
  query?: Query;
  body?: unknown;
  /** A POST that only reads (`action=get`, `action=find`...) may be repeated after a dropped connection. */
  idempotent?: boolean;
  signal?: AbortSignal;
  /**
   * Statuses that are answers, not errors (e.g. 404 for "is it there?"). A 404 is one only with
   * vAPI's NOT_FOUND document: a 404 page from a proxy or a wrong path says nothing about the object.
   */
  accept?: number[];
  /** A call vCenter may answer only when its work is done (a library deploy): its own socket timeout. */
  timeoutMs?: number;
}

export interface ApiReply<T> {
  status: number;
  value: T;
}

/** The password, or an error naming the variable to set. */
export function vcenterPassword(settings: VsphereSettings, env: NodeJS.ProcessEnv): string {
  const pw = env[settings.passwordEnv];
  if (!pw) throw new UsageError(`The vCenter password is not set: export ${settings.passwordEnv} (elm reads it from there and never stores it).`);
  return pw;
}

export class VsphereSession {
  private id: string | null = null;

  private constructor(
    readonly transport: Transport,
    readonly settings: VsphereSettings,
    private readonly password: string,
  ) {}

  /** Logs in; the caller must `close()` (see withSession). */
  static async open(settings: VsphereSettings, env: NodeJS.ProcessEnv, opts: TransportOptions = {}): Promise<VsphereSession> {
    const password = vcenterPassword(settings, env);
    const session = new VsphereSession(createTransport(settings.server, opts), settings, password);
    try {
      await session.login();
    } catch (e) {
      session.transport.agent.destroy();
      throw e;
    }
    return session;
  }

  get server(): string {
    return this.transport.baseUrl.host;
  }

  /** `Authorization: Basic …` for the datastore file endpoint (/folder), which takes HTTP Basic. */
  basicAuth(): string {
    return `Basic ${Buffer.from(`${this.settings.user}:${this.password}`).toString('base64')}`;
  }

  private async login(): Promise<void> {
    const what = `vCenter ${this.server}: login as ${this.settings.user}`;
    const request = `vCenter ${this.server}: POST /api/session (login as ${this.settings.user})`;
    const reply = await withRetries(this.transport, async () => {
      let r: HttpReply;
      try {
        r = await send(this.transport, { method: 'POST', url: new URL('/api/session', this.transport.baseUrl), headers: { authorization: this.basicAuth() } });
      } catch (e) {
        throw connectionError(e, what, this.server);
      }
      if (r.status === 401 || r.status === 403)
        throw new VsphereError(`${what} failed: invalid user name or password (the password comes from $${this.settings.passwordEnv}).`, r.status, 'UNAUTHENTICATED');
      if (r.status < 200 || r.status >= 300) throw statusError(request, r);
      return r;
    });
    const id = parseJsonReply<unknown>(request, reply);
    if (typeof id !== 'string' || id === '') throw new VsphereError(`${what}: vCenter answered without a session id.`);
    this.id = id;
  }

  url(path: string, query?: Query): URL {
    const u = new URL(path, this.transport.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) u.searchParams.append(k, one);
    }
    return u;
  }

  /**
   * One vSphere Automation API call: JSON in and out, retried on 429/5xx-unavailable (and on a
   * dropped connection when idempotent), with one new login if the session expired.
   */
  async call<T = unknown>(method: string, path: string, opts: ApiCall = {}): Promise<ApiReply<T>> {
    const url = this.url(path, opts.query);
    const what = `vCenter ${this.server}: ${method} ${url.pathname}${url.searchParams.get('action') ? `?action=${url.searchParams.get('action')}` : ''}`;
    const body = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
    const idempotent = opts.idempotent ?? method !== 'POST';
    let relogged = false;
    return withRetries(
      this.transport,
      async () => {
        let r: HttpReply;
        try {
          r = await send(this.transport, {
            method,
            url,
            body,
            signal: opts.signal,
            timeoutMs: opts.timeoutMs,
            headers: { 'vmware-api-session-id': this.id ?? '', ...(body ? { 'content-type': 'application/json' } : {}) },
          });
        } catch (e) {
          throw connectionError(e, what, this.server);
        }
        // A 401 about the guest OS account (guest operations) is not the session's.
        if (r.status === 401 && !relogged && !describeErrorBody(r.body).ids.some((id) => id.includes('.guest.'))) {
          relogged = true;
          await this.login();
          throw new VsphereError(`${what}: the session expired`, 401, 'UNAUTHENTICATED', true, 0);
        }
        const ok = r.status >= 200 && r.status < 300;
        if (!ok && !(opts.accept ?? []).includes(r.status)) throw statusError(what, r);
        if (!ok) {
          const { errorType, vapi } = describeErrorBody(r.body);
          if (!vapi || (r.status === 404 && errorType !== 'NOT_FOUND')) throw statusError(what, r);
          return { status: r.status, value: undefined as T };
        }
        return { status: r.status, value: parseJsonReply<T>(what, r) };
      },
      { idempotent, signal: opts.signal },
    );
  }

  async get<T>(path: string, query?: Query, opts: Omit<ApiCall, 'query'> = {}): Promise<T> {
    return (await this.call<T>('GET', path, { ...opts, query })).value;
  }

  async post<T>(path: string, body: unknown, opts: Omit<ApiCall, 'body'> = {}): Promise<T> {
    return (await this.call<T>('POST', path, { ...opts, body })).value;
  }

  /** Logs out and closes the connections; never throws (a failed logout only leaves a session to time out). */
  async close(): Promise<void> {
    if (this.id) {
      try {
        await send(this.transport, { method: 'DELETE', url: new URL('/api/session', this.transport.baseUrl), headers: { 'vmware-api-session-id': this.id } });
      } catch {
        // the session times out on its own
      }
      this.id = null;
    }
    this.transport.agent.destroy();
  }
}

/** Opens a session, runs `fn`, and always logs out. */
export async function withSession<T>(settings: VsphereSettings, env: NodeJS.ProcessEnv, opts: TransportOptions, fn: (s: VsphereSession) => Promise<T>): Promise<T> {
  const s = await VsphereSession.open(settings, env, opts);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
