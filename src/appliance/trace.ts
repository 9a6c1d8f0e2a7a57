/**
 * ELM_APPLIANCE_TRACE=FILE: every request and answer exchanged with the appliance, appended to
 * FILE, so an operator whose appliance answers in a way elm does not know can send the exchange.
 * Passwords, session tokens and cookies are masked: headers by name, XML elements by name after
 * parsing the document (an escaped or split value cannot slip through a text search).
 */
import fs from 'node:fs';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export const MASK = '***';

/** Header names whose values are secrets (lower case). */
const SECRET_HEADERS = new Set(['unidesk_token', 'cookie', 'set-cookie', 'authorization']);
/** Element names whose text is a secret: passwords, the session token, anything named so. */
const SECRET_ELEMENT = /password|token|secret|cookie|credential/i;

export interface TraceExchange {
  at: Date;
  url: string;
  operation: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status?: number;
  responseHeaders?: Record<string, string | string[] | undefined>;
  responseBody?: string;
  error?: string;
}

export function maskHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? MASK : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

const orderedParser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, trimValues: false, processEntities: true, htmlEntities: false });
const orderedBuilder = new XMLBuilder({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false });

type Ordered = Record<string, unknown>;

/** The XML document with the text of every secret element replaced; a body that is not XML is withheld whole. */
export function maskXml(xml: string): string {
  if (!xml.trim()) return xml;
  try {
    const doc = orderedParser.parse(xml) as Ordered[];
    maskNodes(doc, false);
    return orderedBuilder.build(doc) as string;
  } catch {
    return `(${Buffer.byteLength(xml)} bytes that are not XML, withheld)`;
  }
}

function localName(name: string): string {
  return name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
}

function maskNodes(nodes: Ordered[], secret: boolean): void {
  for (const node of nodes) {
    for (const key of Object.keys(node)) {
      if (key === ':@') continue;
      if (key === '#text') {
        if (secret) node[key] = MASK;
        continue;
      }
      const kids = node[key];
      if (Array.isArray(kids)) maskNodes(kids as Ordered[], secret || SECRET_ELEMENT.test(localName(key)));
    }
  }
}

/** Appends one exchange to the trace file (created 0600); a trace that cannot be written never fails the command. */
export function writeTrace(file: string, x: TraceExchange): void {
  const lines = [
    `--- ${x.at.toISOString()} ${x.operation} POST ${x.url}`,
    ...Object.entries(maskHeaders(x.requestHeaders)).map(([k, v]) => `> ${k}: ${v}`),
    `> ${maskXml(x.requestBody)}`,
  ];
  if (x.status !== undefined) {
    lines.push(`< HTTP ${x.status}`);
    lines.push(...Object.entries(maskHeaders(x.responseHeaders ?? {})).map(([k, v]) => `< ${k}: ${v}`));
    lines.push(`< ${maskXml(x.responseBody ?? '')}`);
  }
  if (x.error) lines.push(`! ${x.error}`);
  try {
    fs.appendFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  } catch {
    // The trace is a diagnostic: the exchange itself already happened.
  }
}
