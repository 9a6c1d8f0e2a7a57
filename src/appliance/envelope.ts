/**
 * SOAP 1.1 envelopes of the App Layering appliance's API (Unidesk.Web/API.asmx), built and read
 * with an XML library: every value is escaped by the builder (a password holding &<>"' logs in),
 * and answers are read by element, never by searching the text.
 *
 * Shapes, from the WSDL as gowsdl generated it (citrix/packer-plugin-citrix elm-client/elm_client.go):
 * the operation element is in the namespace http://www.unidesk.com/, holds one child (`command` or
 * `query`), the SOAPAction is the namespace followed by the operation name, and the answer is
 * `<OpResponse><OpResult>` whose WebResultBase may carry an `Error` (ApplicationError).
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';

export const UNIDESK_NS = 'http://www.unidesk.com/';
export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/** A request body value: text, a number, a boolean, a nested element, or a repeated element. */
export type SoapValue = string | number | boolean | SoapFields | SoapValue[] | undefined;
export interface SoapFields {
  [element: string]: SoapValue;
}

export interface SoapRequest {
  /** The operation (Login, QueryPlatformLayers...). */
  operation: string;
  /** Its one child element as the WSDL names it: `command` or `query`. */
  wrapper: 'command' | 'query';
  fields: SoapFields;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressBooleanAttributes: false });

export function soapAction(operation: string): string {
  return `${UNIDESK_NS}${operation}`;
}

export function buildEnvelope(req: SoapRequest): string {
  const doc = {
    's:Envelope': {
      '@_xmlns:s': SOAP_ENV_NS,
      '@_xmlns:xsi': XSI_NS,
      's:Body': { [req.operation]: { '@_xmlns': UNIDESK_NS, [req.wrapper]: toXmlValue(req.fields) } },
    },
  };
  return `<?xml version="1.0" encoding="utf-8"?>${builder.build(doc)}`;
}

/** Booleans as xsd:boolean (`true`/`false`), arrays as repeated elements, undefined left out. */
function toXmlValue(v: SoapValue): unknown {
  if (v === undefined) return undefined;
  if (Array.isArray(v)) return v.map(toXmlValue);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) if (child !== undefined) out[k] = toXmlValue(child);
    return out;
  }
  return String(v);
}

/** A parsed element: its text, or its children by local name (repeated children as arrays). */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

export function parseXml(text: string): Record<string, XmlNode> {
  return parser.parse(text) as Record<string, XmlNode>;
}

/** The child of an element by name; undefined when absent or the element is text. */
export function child(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode | XmlNode[] | undefined {
  if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
  return node[name];
}

/** A child that may repeat, always as a list (the parser gives one child as an object). */
export function children(node: XmlNode | XmlNode[] | undefined, name: string): XmlNode[] {
  const c = child(node, name);
  if (c === undefined || c === '') return [];
  return Array.isArray(c) ? c : [c];
}

export function text(node: XmlNode | XmlNode[] | undefined): string {
  if (typeof node === 'string') return node;
  return '';
}

export function textOf(node: XmlNode | XmlNode[] | undefined, name: string): string {
  return text(child(node, name));
}
