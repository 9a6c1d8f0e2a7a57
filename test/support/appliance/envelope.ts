/**
 * Reading a request envelope as strictly as the appliance's ASMX endpoint, and writing answers.
 * Namespaces are resolved (prefixes and default xmlns), so an operation outside
 * http://www.unidesk.com/ (the WSDL's target namespace, elm_client.go XMLName tags) is refused.
 */
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { OPERATIONS, validValue, type FieldRule, type OperationRule } from './operations';

export const UNIDESK_NS = 'http://www.unidesk.com/';
export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

/** A SOAP fault as ASMX writes it (HTTP 500, soap:Client for the caller's mistakes). */
export class SoapFault extends Error {
  constructor(
    message: string,
    readonly code: 'soap:Client' | 'soap:Server' = 'soap:Client',
  ) {
    super(message);
  }
}

export interface ParsedRequest {
  operation: string;
  fields: Record<string, string>;
}

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, trimValues: true, processEntities: true, htmlEntities: false });

function namespaces(node: unknown, inherited: Record<string, string>): Record<string, string> {
  if (!node || typeof node !== 'object') return inherited;
  const out = { ...inherited };
  for (const [k, v] of Object.entries(node as Node)) {
    if (k === '@_xmlns') out[''] = String(v);
    else if (k.startsWith('@_xmlns:')) out[k.slice(8)] = String(v);
  }
  return out;
}

function split(name: string): [prefix: string, local: string] {
  const i = name.indexOf(':');
  return i < 0 ? ['', name] : [name.slice(0, i), name.slice(i + 1)];
}

function elements(node: unknown): [string, unknown][] {
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node as Node).filter(([k]) => !k.startsWith('@_') && k !== '#text');
}

/** The operation and its fields; a SoapFault for anything the appliance would not read. */
export function readRequest(xml: string, soapAction: string): ParsedRequest {
  let doc: Node;
  try {
    doc = parser.parse(xml, true) as Node;
  } catch (e) {
    // ASMX: "Server was unable to read request. ---> There is an error in XML document".
    throw new SoapFault(`Server was unable to read request. ---> There is an error in XML document. ${(e as Error).message}`);
  }
  const [envName, env] = elements(doc).find(([k]) => split(k)[1] === 'Envelope') ?? [];
  if (!envName) throw new SoapFault('Server was unable to read request. ---> The root element is not a SOAP Envelope.');
  const envNs = namespaces(env, {});
  if (envNs[split(envName)[0]] !== SOAP_ENV_NS) throw new SoapFault(`Possible SOAP version mismatch: Envelope Namespace ${envNs[split(envName)[0]] ?? '(none)'} was unexpected. Expecting ${SOAP_ENV_NS}.`);
  const [bodyName, body] = elements(env).find(([k]) => split(k)[1] === 'Body') ?? [];
  if (!bodyName) throw new SoapFault('Server was unable to read request. ---> The Envelope has no Body.');
  const bodyNs = namespaces(body, envNs);
  const ops = elements(body);
  if (ops.length !== 1 || Array.isArray(ops[0][1])) throw new SoapFault('Server was unable to read request. ---> The Body must hold exactly one operation element.');
  const [opName, op] = ops[0];
  const opNs = namespaces(op, bodyNs);
  const [opPrefix, operation] = split(opName);
  // ASMX routes on SOAPAction (quoted or not) and checks the body's element against it.
  const action = soapAction.replace(/^"|"$/g, '');
  if (action !== `${UNIDESK_NS}${operation}`) throw new SoapFault(`Server did not recognize the value of HTTP Header SOAPAction: ${action}.`);
  if (opNs[opPrefix] !== UNIDESK_NS) throw new SoapFault(`Server was unable to read request. ---> <${operation} xmlns='${opNs[opPrefix] ?? ''}'> was not expected.`);
  const rule = OPERATIONS[operation];
  if (!rule) throw new SoapFault(`Server did not recognize the value of HTTP Header SOAPAction: ${action}.`);
  return { operation, fields: readFields(operation, rule, op, opNs) };
}

function readFields(operation: string, rule: OperationRule, op: unknown, opNs: Record<string, string>): Record<string, string> {
  const kids = elements(op);
  const wrapper = kids.find(([k]) => split(k)[1] === rule.wrapper);
  const extra = kids.filter(([k]) => split(k)[1] !== rule.wrapper);
  if (extra.length) throw new SoapFault(`Server was unable to read request. ---> <${split(extra[0][0])[1]}> was not expected in ${operation}.`);
  if (!wrapper) throw new SoapFault(`Server was unable to read request. ---> ${operation} has no <${rule.wrapper}>.`);
  const wrapperNs = namespaces(wrapper[1], opNs);
  if (wrapperNs[split(wrapper[0])[0]] !== UNIDESK_NS) throw new SoapFault(`Server was unable to read request. ---> <${rule.wrapper}> outside ${UNIDESK_NS} was not expected.`);
  const fields: Record<string, string> = {};
  readStruct(operation, rule.fields, wrapper[1], wrapperNs, '', fields);
  return fields;
}

/**
 * The children of a complex type against its rules, into `fields` ("Parent.Child" for nested
 * types): an element the type does not define, outside the namespace, of the wrong type or
 * missing when required is a fault, as XmlSerializer behind ASMX reads a request.
 */
function readStruct(operation: string, rules: Record<string, FieldRule>, node: unknown, parentNs: Record<string, string>, prefix: string, fields: Record<string, string>): void {
  const seen = new Set<string>();
  for (const [name, value] of elements(node)) {
    const [nsPrefix, local] = split(name);
    const ns = namespaces(value, parentNs);
    const fieldRule = rules[local];
    const path = `${prefix}${local}`;
    if (!fieldRule || ns[nsPrefix] !== UNIDESK_NS) throw new SoapFault(`Server was unable to read request. ---> There is an error in XML document. <${local} xmlns='${ns[nsPrefix] ?? ''}'> was not expected.`);
    seen.add(local);
    if (fieldRule.type === 'xsiType' || fieldRule.type === 'longArray') {
      fields[path] = structuredField(local, fieldRule.type, fieldRule.types ?? [], value, ns);
      continue;
    }
    if (fieldRule.type === 'struct') {
      if (Array.isArray(value) || value === null || (typeof value !== 'object' && value !== '')) throw new SoapFault(`Server was unable to read request. ---> <${local}> must be one element holding its fields.`);
      readStruct(operation, fieldRule.fields ?? {}, value, ns, `${path}.`, fields);
      fields[path] = '';
      continue;
    }
    if (Array.isArray(value) || (value !== null && typeof value === 'object' && elements(value).length)) throw new SoapFault(`Server was unable to read request. ---> <${local}> must be a single value.`);
    const textValue = typeof value === 'object' && value !== null ? String((value as Node)['#text'] ?? '') : String(value ?? '');
    // An xs:enumeration: XmlSerializer refuses a value outside it ("Instance validation error").
    if (fieldRule.type === 'enum' && !(fieldRule.values ?? []).includes(textValue))
      throw new SoapFault(`Server was unable to read request. ---> There is an error in XML document. ---> Instance validation error: '${textValue}' is not a valid value for ${local}.`);
    if (!validValue(fieldRule.type, textValue))
      throw new SoapFault(`Server was unable to read request. ---> There is an error in XML document. ---> The string '${textValue}' is not a valid ${fieldRule.type === 'boolean' ? 'Boolean' : 'AllXsd'} value for ${local}.`);
    fields[path] = textValue;
  }
  for (const [name, r] of Object.entries(rules)) if (r.required && !seen.has(name)) throw new SoapFault(`Server was unable to read request. ---> ${operation}: the required field ${prefix}${name} is missing.`);
}

const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';

/**
 * An xsi:type-derived element (its type's name, the prefix bound to the XML Schema instance
 * namespace) or an ArrayOfLong (its ids joined by commas), as XmlSerializer reads them.
 */
function structuredField(local: string, type: 'xsiType' | 'longArray', types: string[], value: unknown, ns: Record<string, string>): string {
  if (Array.isArray(value)) throw new SoapFault(`Server was unable to read request. ---> <${local}> must appear once.`);
  if (type === 'xsiType') {
    const attr = value && typeof value === 'object' ? Object.entries(value as Node).find(([k]) => split(k.replace(/^@_/, ''))[1] === 'type' && k.startsWith('@_')) : undefined;
    const [prefix, derived] = split(String(attr?.[1] ?? ''));
    if (!attr || namespaces(value, ns)[split(attr[0].slice(2))[0]] !== XSI_NS || !types.includes(derived) || (prefix && namespaces(value, ns)[prefix] !== UNIDESK_NS))
      throw new SoapFault(`Server was unable to read request. ---> The specified type was not recognized: name='${derived || '(none)'}' on <${local}>; expected one of ${types.join(', ')}.`);
    return derived;
  }
  const longs = value && typeof value === 'object' ? (value as Node).long : undefined;
  const ids = (Array.isArray(longs) ? longs : longs === undefined ? [] : [longs]).map(String);
  const other = elements(value).filter(([k]) => split(k)[1] !== 'long');
  if (!ids.length || other.length || ids.some((id) => !validValue('long', id))) throw new SoapFault(`Server was unable to read request. ---> <${local}> must hold <long> ids.`);
  return ids.join(',');
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_' });

/** `<OpResponse><OpResult>…` in the unidesk namespace. */
export function resultEnvelope(operation: string, result: unknown): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    'soap:Envelope': {
      '@_xmlns:soap': SOAP_ENV_NS,
      '@_xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
      'soap:Body': { [`${operation}Response`]: { '@_xmlns': UNIDESK_NS, [`${operation}Result`]: result } },
    },
  }) as string;
}

export function faultEnvelope(f: SoapFault): string {
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
    'soap:Envelope': { '@_xmlns:soap': SOAP_ENV_NS, 'soap:Body': { 'soap:Fault': { faultcode: f.code, faultstring: f.message, detail: '' } } },
  }) as string;
}

/**
 * A result's Error (ResultBase.Error, an ApplicationError: Title, Message, Details, elm_client.go).
 * The appliance answers xsi:type="LocalizedError" (the generated client's comment); the MessageId
 * child carrying the ErrorMessageId is inferred.
 */
export function applicationError(messageId: string, message: string): Record<string, unknown> {
  return { Error: { '@_xsi:type': 'LocalizedError', MessageId: messageId, Title: messageId, Message: message, Details: '' } };
}
