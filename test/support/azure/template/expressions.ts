/**
 * ARM template expressions: `"[concat(parameters('a'), '-', variables('b'))]"`. A string that
 * starts with `[` and ends with `]` is an expression (`[[` escapes a literal `[`). Supported:
 * function calls, 'string' literals ('' escapes a quote), integers, `.property` and `[index]`
 * access (property names case-insensitive, as in ARM), and the functions in FUNCTIONS below —
 * what a VM template needs, not the whole language.
 */
import { createHash } from 'node:crypto';

export class TemplateError extends Error {}

export interface ExpressionContext {
  parameter(name: string): unknown;
  variable(name: string): unknown;
  subscriptionId: string;
  tenantId: string;
  resourceGroup: { id: string; name: string; type: string; location: string; tags: Record<string, string>; properties: { provisioningState: string } };
  deployment: { name: string; properties: Record<string, unknown> };
  /** reference(): available only where the fake can answer it (outputs). */
  reference?(idOrName: string, full: boolean): unknown;
}

type Node =
  | { kind: 'literal'; value: unknown }
  | { kind: 'call'; name: string; args: Node[] }
  | { kind: 'property'; target: Node; name: string }
  | { kind: 'index'; target: Node; index: Node };

export function isExpression(s: string): boolean {
  return s.startsWith('[') && !s.startsWith('[[') && s.endsWith(']');
}

/** Evaluates a template string: an expression, an escaped literal, or a plain string. */
export function evaluateString(s: string, ctx: ExpressionContext): unknown {
  if (s.startsWith('[[')) return s.slice(1);
  if (!isExpression(s)) return s;
  return evaluate(parse(s.slice(1, -1)), ctx);
}

/** Evaluates every string inside a JSON value. */
export function evaluateDeep(value: unknown, ctx: ExpressionContext): unknown {
  if (typeof value === 'string') return evaluateString(value, ctx);
  if (Array.isArray(value)) return value.map((v) => evaluateDeep(v, ctx));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === 'copy') throw new TemplateError(`The 'copy' property is not supported by the ARM fake.`);
      out[k] = evaluateDeep(v, ctx);
    }
    return out;
  }
  return value;
}

// ---- parser ---------------------------------------------------------------------------------

function parse(src: string): Node {
  let pos = 0;
  const fail = (what: string): never => {
    throw new TemplateError(`The template language expression '${src}' is not valid: ${what} at position ${pos}.`);
  };
  const ws = () => {
    while (pos < src.length && /\s/.test(src[pos])) pos++;
  };
  const expectChar = (c: string) => {
    ws();
    if (src[pos] !== c) fail(`expected '${c}'`);
    pos++;
  };

  function primary(): Node {
    ws();
    const c = src[pos];
    if (c === "'") {
      pos++;
      let s = '';
      while (true) {
        if (pos >= src.length) fail('unterminated string');
        if (src[pos] === "'") {
          if (src[pos + 1] === "'") {
            s += "'";
            pos += 2;
            continue;
          }
          pos++;
          break;
        }
        s += src[pos++];
      }
      return { kind: 'literal', value: s };
    }
    const num = /^-?\d+/.exec(src.slice(pos));
    if (num) {
      pos += num[0].length;
      return { kind: 'literal', value: Number(num[0]) };
    }
    const ident = /^[A-Za-z_][\w.]*?(?=\s*\()/.exec(src.slice(pos));
    if (!ident) return fail('expected a function call, a string or a number');
    pos += ident[0].length;
    expectChar('(');
    const args: Node[] = [];
    ws();
    if (src[pos] === ')') {
      pos++;
    } else {
      while (true) {
        args.push(postfix());
        ws();
        if (src[pos] === ',') {
          pos++;
          continue;
        }
        expectChar(')');
        break;
      }
    }
    return { kind: 'call', name: ident[0], args };
  }

  function postfix(): Node {
    let node = primary();
    while (true) {
      ws();
      if (src[pos] === '.') {
        pos++;
        const m = /^[A-Za-z_$][\w$]*/.exec(src.slice(pos));
        if (!m) fail('expected a property name');
        pos += m![0].length;
        node = { kind: 'property', target: node, name: m![0] };
      } else if (src[pos] === '[') {
        pos++;
        const index = postfix();
        expectChar(']');
        node = { kind: 'index', target: node, index };
      } else {
        return node;
      }
    }
  }

  const node = postfix();
  ws();
  if (pos !== src.length) fail('unexpected text');
  return node;
}

// ---- evaluation -----------------------------------------------------------------------------

function evaluate(node: Node, ctx: ExpressionContext): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property':
      return getProperty(evaluate(node.target, ctx), node.name);
    case 'index': {
      const target = evaluate(node.target, ctx);
      const index = evaluate(node.index, ctx);
      if (Array.isArray(target) && typeof index === 'number') {
        if (index < 0 || index >= target.length) throw new TemplateError(`The language expression index '${index}' is out of bounds.`);
        return target[index];
      }
      return getProperty(target, String(index));
    }
    case 'call': {
      const name = node.name.toLowerCase();
      if (name === 'if') {
        if (node.args.length !== 3) throw new TemplateError(`The template function 'if' expects three arguments.`);
        return evaluate(node.args[0], ctx) ? evaluate(node.args[1], ctx) : evaluate(node.args[2], ctx);
      }
      const fn = FUNCTIONS[name];
      if (!fn) {
        throw new TemplateError(
          `The template function '${node.name}' is not valid. Please see https://aka.ms/arm-functions for usage details. (If it is a real ARM function, the ARM fake does not implement it.)`,
        );
      }
      return fn(node.args.map((a) => evaluate(a, ctx)), ctx);
    }
  }
}

function getProperty(target: unknown, name: string): unknown {
  if (!target || typeof target !== 'object' || Array.isArray(target)) {
    throw new TemplateError(`The language expression property '${name}' can't be evaluated: the value is not an object.`);
  }
  const key = Object.keys(target).find((k) => k.toLowerCase() === name.toLowerCase());
  if (key === undefined) {
    throw new TemplateError(`The language expression property '${name}' doesn't exist, available properties are '${Object.keys(target).join(', ')}'.`);
  }
  return (target as Record<string, unknown>)[key];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));

function hashHex(args: unknown[]): string {
  return createHash('sha256').update(args.map(str).join('\u0000')).digest('hex');
}

function resourceIdFrom(args: unknown[], ctx: ExpressionContext): string {
  const parts = args.map(str);
  const typeIndex = parts.findIndex((p) => p.includes('/'));
  if (typeIndex < 0 || typeIndex > 2) throw new TemplateError(`The template function 'resourceId' needs a resource type like 'Microsoft.Network/networkInterfaces'.`);
  const scope = parts.slice(0, typeIndex);
  const sub = scope.length === 2 ? scope[0] : ctx.subscriptionId;
  const rg = scope.length >= 1 ? scope[scope.length - 1] : ctx.resourceGroup.name;
  const [ns, ...types] = parts[typeIndex].split('/');
  const names = parts.slice(typeIndex + 1);
  if (types.length !== names.length) {
    throw new TemplateError(`Unable to evaluate template language function 'resourceId': the type '${parts[typeIndex]}' requires ${types.length} resource name argument(s).`);
  }
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${ns}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
}

type Fn = (args: unknown[], ctx: ExpressionContext) => unknown;

const FUNCTIONS: Record<string, Fn> = {
  parameters: ([name], ctx) => ctx.parameter(str(name)),
  variables: ([name], ctx) => ctx.variable(str(name)),
  concat: (args) => (args.length > 0 && args.every(Array.isArray) ? (args as unknown[][]).flat() : args.map(str).join('')),
  format: ([fmt, ...args]) => str(fmt).replace(/\{(\d+)(?::[^}]*)?\}/g, (_, i) => str(args[Number(i)])),
  resourceid: (args, ctx) => resourceIdFrom(args, ctx),
  subscriptionresourceid: (args, ctx) => {
    const [type, ...names] = args.map(str);
    const [ns, ...types] = type.split('/');
    return `/subscriptions/${ctx.subscriptionId}/providers/${ns}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
  },
  resourcegroup: (_args, ctx) => ctx.resourceGroup,
  subscription: (_args, ctx) => ({
    id: `/subscriptions/${ctx.subscriptionId}`,
    subscriptionId: ctx.subscriptionId,
    tenantId: ctx.tenantId,
    displayName: 'elm fake subscription',
  }),
  deployment: (_args, ctx) => ctx.deployment,
  reference: ([id, , full], ctx) => {
    if (!ctx.reference) throw new TemplateError(`The template function 'reference' is only supported in outputs by the ARM fake.`);
    return ctx.reference(str(id), str(full).toLowerCase() === 'full');
  },
  tolower: ([s]) => str(s).toLowerCase(),
  toupper: ([s]) => str(s).toUpperCase(),
  trim: ([s]) => str(s).trim(),
  string: ([v]) => str(v),
  int: ([v]) => {
    const n = typeof v === 'number' ? Math.trunc(v) : parseInt(str(v), 10);
    if (Number.isNaN(n)) throw new TemplateError(`The template function 'int' cannot convert '${str(v)}' to an integer.`);
    return n;
  },
  bool: ([v]) => (typeof v === 'boolean' ? v : str(v).toLowerCase() === 'true'),
  json: ([s]) => JSON.parse(str(s)),
  base64: ([s]) => Buffer.from(str(s), 'utf8').toString('base64'),
  uri: ([base, rel]) => new URL(str(rel), str(base)).toString(),
  uniquestring: (args) => {
    // ARM's uniqueString is a 64-bit murmur hash in base32; this is a stand-in of the same shape.
    const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
    const bytes = Buffer.from(hashHex(args), 'hex');
    let out = '';
    for (let i = 0; i < 13; i++) out += alphabet[bytes[i] % 32];
    return out;
  },
  guid: (args) => {
    const h = hashHex(args);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  },
  utcnow: () => new Date().toISOString(),
  true: () => true,
  false: () => false,
  null: () => null,
  equals: ([a, b]) => JSON.stringify(a) === JSON.stringify(b),
  not: ([a]) => !a,
  and: (args) => args.every(Boolean),
  or: (args) => args.some(Boolean),
  empty: ([v]) =>
    v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as object).length === 0),
  length: ([v]) => (Array.isArray(v) || typeof v === 'string' ? v.length : Object.keys((v ?? {}) as object).length),
  contains: ([c, item]) =>
    typeof c === 'string'
      ? c.toLowerCase().includes(str(item).toLowerCase())
      : Array.isArray(c)
        ? c.some((x) => JSON.stringify(x) === JSON.stringify(item))
        : Object.keys((c ?? {}) as object).some((k) => k.toLowerCase() === str(item).toLowerCase()),
  startswith: ([s, p]) => str(s).toLowerCase().startsWith(str(p).toLowerCase()),
  endswith: ([s, p]) => str(s).toLowerCase().endsWith(str(p).toLowerCase()),
  replace: ([s, a, b]) => str(s).split(str(a)).join(str(b)),
  substring: ([s, start, len]) => str(s).substr(Number(start), len === undefined ? undefined : Number(len)),
  split: ([s, d]) => str(s).split(str(d)),
  first: ([v]) => (Array.isArray(v) || typeof v === 'string' ? v[0] : undefined),
  last: ([v]) => (Array.isArray(v) || typeof v === 'string' ? v[v.length - 1] : undefined),
  createarray: (args) => args,
  createobject: (args) => {
    const o: Record<string, unknown> = {};
    for (let i = 0; i + 1 < args.length; i += 2) o[str(args[i])] = args[i + 1];
    return o;
  },
  union: (args) => (args.every(Array.isArray) ? [...new Set((args as unknown[][]).flat())] : Object.assign({}, ...args)),
  add: ([a, b]) => Number(a) + Number(b),
  sub: ([a, b]) => Number(a) - Number(b),
  mul: ([a, b]) => Number(a) * Number(b),
  div: ([a, b]) => Math.trunc(Number(a) / Number(b)),
  mod: ([a, b]) => Number(a) % Number(b),
  min: (args) => Math.min(...(args.flat() as number[])),
  max: (args) => Math.max(...(args.flat() as number[])),
};
