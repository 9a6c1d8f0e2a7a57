/**
 * vCenter users and API sessions (vSphere Automation API 7.0U2+):
 *   POST   /api/session   HTTP Basic → 201 "<session id>" (a JSON string)
 *   GET    /api/session   → { user, created_time, last_accessed_time }
 *   DELETE /api/session   → 204
 * Later requests carry the id in the `vmware-api-session-id` header. The datastore file endpoint
 * (/folder) also takes it as the `vmware_soap_session` cookie, or HTTP Basic credentials.
 * SSO user names are compared case-insensitively, passwords exactly.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Route, VapiError, sendJson, sendNoContent } from './http';

export const SESSION_HEADER = 'vmware-api-session-id';
export const SOAP_COOKIE = 'vmware_soap_session';

interface SessionInfo {
  user: string;
  created: Date;
  lastAccessed: Date;
}

export function unauthenticated(message = 'Authentication required.'): VapiError {
  return new VapiError(401, 'UNAUTHENTICATED', message, 'com.vmware.vapi.endpoint.method.authentication.required');
}

export class Sessions {
  private users = new Map<string, { user: string; password: string }>();
  private sessions = new Map<string, SessionInfo>();

  addUser(user: string, password: string): void {
    this.users.set(user.toLowerCase(), { user, password });
  }

  /** Forget every session (as an idle timeout or a vCenter restart would). */
  expireAll(): void {
    this.sessions.clear();
  }

  count(): number {
    return this.sessions.size;
  }

  checkPassword(user: string, password: string): string | undefined {
    const entry = this.users.get(user.toLowerCase());
    return entry && entry.password === password ? entry.user : undefined;
  }

  /** The session named by the request's `vmware-api-session-id` header. */
  fromHeader(req: IncomingMessage): { id: string; user: string } | undefined {
    const id = headerValue(req, SESSION_HEADER);
    return id ? this.touch(id) : undefined;
  }

  /** /folder authentication: session header, `vmware_soap_session` cookie, or HTTP Basic. */
  forDatastore(req: IncomingMessage): { id: string; user: string } | undefined {
    const byHeader = this.fromHeader(req);
    if (byHeader) return byHeader;
    const cookie = parseCookies(req.headers.cookie)[SOAP_COOKIE];
    if (cookie) {
      const s = this.touch(cookie.replace(/^"|"$/g, ''));
      if (s) return s;
    }
    const basic = basicAuth(req);
    if (basic) {
      const user = this.checkPassword(basic.user, basic.password);
      if (user) return { id: '', user };
    }
    return undefined;
  }

  private touch(id: string): { id: string; user: string } | undefined {
    const s = this.sessions.get(id);
    if (!s) return undefined;
    s.lastAccessed = new Date();
    return { id, user: s.user };
  }

  routes(): Route[] {
    return [
      {
        method: 'POST',
        pattern: /^\/api\/session$/,
        handle: ({ req, res }) => {
          const basic = basicAuth(req);
          const user = basic && this.checkPassword(basic.user, basic.password);
          if (!user) throw unauthenticated(basic ? 'Authentication failed: invalid user name or password.' : 'Authentication required.');
          const id = randomBytes(16).toString('hex');
          const now = new Date();
          this.sessions.set(id, { user, created: now, lastAccessed: now });
          sendJson(res, 201, id);
        },
      },
      {
        method: 'GET',
        pattern: /^\/api\/session$/,
        handle: ({ res, sessionId }) => {
          const s = this.sessions.get(sessionId);
          if (!s) throw unauthenticated();
          sendJson(res, 200, {
            user: s.user,
            created_time: s.created.toISOString(),
            last_accessed_time: s.lastAccessed.toISOString(),
          });
        },
      },
      {
        method: 'DELETE',
        pattern: /^\/api\/session$/,
        handle: ({ res, sessionId }) => {
          this.sessions.delete(sessionId);
          sendNoContent(res);
        },
      },
    ];
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function basicAuth(req: IncomingMessage): { user: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}
