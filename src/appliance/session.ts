/**
 * A session with the appliance: Login once, then the session token (the UNIDESK_TOKEN header, as
 * ctxal-sdk sends it) and the session cookie the Login answer set on every later call. A call the
 * appliance refuses because the session expired logs in again, once, silently, and is repeated.
 * Calls sent together share one Login.
 */
import { ExitCode } from '../domain/errors';
import { buildEnvelope, child, parseXml, soapAction, text, textOf, type SoapRequest, type XmlNode } from './envelope';
import { ApplianceError, oneLine, refusalError, SESSION_EXPIRED_IDS } from './errors';
import { writeTrace } from './trace';
import { post, type HttpReply } from './transport';

export interface SessionOptions {
  /** The appliance's name as added (for messages). */
  name: string;
  url: URL;
  user: string;
  password: string;
  /** The variable the password came from (for messages). */
  passwordEnv: string;
  ca?: string;
  timeoutMs: number;
  /** ELM_APPLIANCE_TRACE: the file every exchange is appended to. */
  traceFile?: string;
  signal?: AbortSignal;
}

export class ApplianceSession {
  private token?: string;
  private cookie?: string;
  private pendingLogin?: Promise<void>;
  /** How many requests this session sent (the bench counts them per lifecycle). */
  requests = 0;

  constructor(private readonly opts: SessionOptions) {}

  get url(): URL {
    return this.opts.url;
  }

  /** Logs in unless this session already has: a bad password or certificate shows here, before anything else. */
  async open(): Promise<void> {
    if (!this.token) await this.renew(undefined);
  }

  /** The operation's `<OpResult>`; throws the appliance's refusal as an ApplianceError. */
  async call(req: SoapRequest): Promise<XmlNode> {
    if (!this.token) await this.renew(undefined);
    const used = this.token;
    try {
      return await this.exchange(req);
    } catch (e) {
      if (!(e instanceof ApplianceError) || !e.messageId || !SESSION_EXPIRED_IDS.has(e.messageId)) throw e;
      await this.renew(used);
      return this.exchange(req);
    }
  }

  /**
   * One login for the calls sent together (a command asks for several lists at once): those that
   * find no session, or the same expired one, wait for the same Login; a token newer than the one
   * they used is already the renewed session.
   */
  private renew(used: string | undefined): Promise<void> {
    if (this.token !== used) return Promise.resolve();
    this.pendingLogin ??= this.login().finally(() => (this.pendingLogin = undefined));
    return this.pendingLogin;
  }

  async login(): Promise<void> {
    const req: SoapRequest = {
      operation: 'Login',
      wrapper: 'command',
      fields: { UserName: this.opts.user, Password: this.opts.password, Culture: 'en-US', RememberMe: false },
    };
    const reply = await this.send(req, false);
    const result = resultOf(reply, req.operation);
    const refused = errorOf(result);
    if (refused) {
      const e = refusalError(`the login of ${this.opts.user}`, refused.id, refused.message);
      throw new ApplianceError(`${e.message.replace(/\.$/, '')} (the password comes from $${this.opts.passwordEnv}).`, e.exitCode, e.messageId);
    }
    const token = textOf(result, 'Token');
    if (!token) throw new ApplianceError(`The appliance "${this.opts.name}" answered the login without a session token; is ${this.opts.url.host} an App Layering appliance?`);
    this.token = token;
    this.cookie = sessionCookie(reply.headers['set-cookie']) ?? this.cookie;
  }

  private async exchange(req: SoapRequest): Promise<XmlNode> {
    const reply = await this.send(req, true);
    const result = resultOf(reply, req.operation);
    const refused = errorOf(result);
    if (refused) throw refusalError(req.operation, refused.id, refused.message);
    return result;
  }

  private async send(req: SoapRequest, authenticated: boolean): Promise<HttpReply> {
    const body = buildEnvelope(req);
    const headers: Record<string, string> = { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"${soapAction(req.operation)}"` };
    if (authenticated && this.token) headers.UNIDESK_TOKEN = this.token;
    if (this.cookie) headers.Cookie = this.cookie;
    this.requests += 1;
    const at = new Date();
    const trace = this.opts.traceFile;
    try {
      const reply = await post(this.opts.url, headers, body, { ca: this.opts.ca, timeoutMs: this.opts.timeoutMs, signal: this.opts.signal, appliance: this.opts.name });
      if (trace) writeTrace(trace, { at, url: this.opts.url.href, operation: req.operation, requestHeaders: headers, requestBody: body, status: reply.status, responseHeaders: reply.headers, responseBody: reply.body });
      return reply;
    } catch (e) {
      if (trace) writeTrace(trace, { at, url: this.opts.url.href, operation: req.operation, requestHeaders: headers, requestBody: body, error: (e as Error).message });
      throw e;
    }
  }
}

/** `name=value` of the first cookie the answer set (the session cookie), attributes left out. */
function sessionCookie(setCookie: string[] | undefined): string | undefined {
  const first = setCookie?.[0];
  if (!first) return undefined;
  return first.split(';')[0].trim() || undefined;
}

/** `<OpResponse><OpResult>` of a 200 answer; a SOAP fault or anything else as an ApplianceError. */
export function resultOf(reply: HttpReply, operation: string): XmlNode {
  let doc: Record<string, XmlNode>;
  try {
    doc = parseXml(reply.body);
  } catch {
    doc = {};
  }
  const body = child(child(doc, 'Envelope'), 'Body');
  const fault = child(body, 'Fault');
  if (fault !== undefined) {
    const message = textOf(fault, 'faultstring') || text(child(child(fault, 'Reason'), 'Text'));
    throw new ApplianceError(`The appliance rejected ${operation} (SOAP fault): ${oneLine(message) || 'no reason given'}; elm may not know this appliance version (ELM_APPLIANCE_TRACE=FILE records the exchange).`);
  }
  if (reply.status !== 200 || body === undefined) {
    const kind = String(reply.headers['content-type'] ?? 'no content type').split(';')[0];
    throw new ApplianceError(`The appliance answered ${operation} with HTTP ${reply.status} (${kind}), not a SOAP envelope; check its --server (elm appliance show).`);
  }
  const result = child(child(body, `${operation}Response`), `${operation}Result`);
  if (result === undefined || Array.isArray(result)) throw new ApplianceError(`The appliance's answer to ${operation} has no ${operation}Result; elm may not know this appliance version (ELM_APPLIANCE_TRACE=FILE records the exchange).`, ExitCode.failed);
  return result;
}

/**
 * The result's Error (ResultBase.Error, an ApplicationError): its message and ErrorMessageId.
 * Where the id sits inside it is inferred (the generated client reads only Title, Message and
 * Details): elm reads a MessageId or ErrorMessageId child of the Error or of its CategoryData.
 */
export function errorOf(result: XmlNode): { id?: string; message: string } | undefined {
  const err = child(result, 'Error');
  if (err === undefined || Array.isArray(err)) return undefined;
  const category = child(err, 'CategoryData');
  const id = textOf(err, 'MessageId') || textOf(err, 'ErrorMessageId') || textOf(category, 'MessageId') || undefined;
  const message = [textOf(err, 'Message'), textOf(err, 'Details')].filter(Boolean).join(': ') || textOf(err, 'Title');
  if (!id && !message) return undefined;
  return { id, message };
}
