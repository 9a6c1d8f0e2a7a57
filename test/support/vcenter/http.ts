/**
 * Small HTTP helpers shared by the vCenter fake's route modules: the vAPI error document, JSON
 * replies, bounded JSON body reading, and the route table type.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** vAPI standard error types (com.vmware.vapi.std.errors.*), as `error_type` spells them. */
export type VapiErrorType =
  | 'ALREADY_EXISTS'
  | 'ALREADY_IN_DESIRED_STATE'
  | 'ERROR'
  | 'INTERNAL_SERVER_ERROR'
  | 'INVALID_ARGUMENT'
  | 'INVALID_ELEMENT_TYPE'
  | 'INVALID_REQUEST'
  | 'NOT_ALLOWED_IN_CURRENT_STATE'
  | 'NOT_FOUND'
  | 'OPERATION_NOT_FOUND'
  | 'RESOURCE_BUSY'
  | 'RESOURCE_IN_USE'
  | 'SERVICE_UNAVAILABLE'
  | 'TIMED_OUT'
  | 'UNAUTHENTICATED'
  | 'UNABLE_TO_ALLOCATE_RESOURCE'
  | 'UNAUTHORIZED'
  | 'UNSUPPORTED';

/** Thrown by handlers; the server turns it into the vAPI error document. */
export class VapiError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: VapiErrorType,
    message: string,
    readonly messageId = 'com.vmware.vapi.fake.error',
  ) {
    super(message);
  }
}

export function vapiErrorBody(errorType: string, message: string, id = 'com.vmware.vapi.fake.error') {
  return { error_type: errorType, messages: [{ args: [], default_message: message, id }] };
}

/** The error_type a vAPI endpoint uses for a given HTTP status (for injected faults). */
export function errorTypeForStatus(status: number): string {
  switch (status) {
    case 400: return 'INVALID_ARGUMENT';
    case 401: return 'UNAUTHENTICATED';
    case 403: return 'UNAUTHORIZED';
    case 404: return 'NOT_FOUND';
    case 500: return 'INTERNAL_SERVER_ERROR';
    case 503: return 'SERVICE_UNAVAILABLE';
    case 504: return 'TIMED_OUT';
    default: return 'ERROR';
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { 'content-type': 'application/json' } : {}),
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

export function sendNoContent(res: ServerResponse): void {
  if (res.headersSent) return;
  res.writeHead(204);
  res.end();
}

const MAX_JSON_BYTES = 1024 * 1024;

export async function readRaw(req: IncomingMessage, limit = MAX_JSON_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new VapiError(400, 'INVALID_REQUEST', `request body larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A parsed request handed to route handlers. */
export interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  method: string;
  /** The session's user (routes under /api other than POST /api/session are authenticated). */
  user: string;
  sessionId: string;
  /** The JSON body ({} when empty); recorded in `fake.requests`. */
  json<T = Record<string, unknown>>(): Promise<T>;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** Required value of `?action=`; absent means the request must carry no action. */
  action?: string;
  handle(ctx: Ctx, match: RegExpMatchArray): Promise<void> | void;
}

/** Repeated query parameters (`names=a&names=b`), the /api way of passing a set filter. */
export function queryList(url: URL, name: string): string[] | undefined {
  const values = url.searchParams.getAll(name);
  return values.length ? values : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
