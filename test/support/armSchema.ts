/**
 * Validates ARM template resources against the official resource schemas
 * (Azure/azure-resource-manager-schemas, the subset vendored in fixtures/arm-schemas): the
 * draft-04 keywords those schemas use ($ref, type, enum, oneOf/anyOf/allOf, properties,
 * required, additionalProperties, items, pattern, min/max), plus one rule the schemas leave open
 * and ARM tooling warns about: a property the schema does not define (a typo ARM would silently
 * ignore, or a property of another apiVersion). The template-level keys every resource may carry
 * (dependsOn, condition, comments, …) come from deploymentTemplate.json and are allowed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

type Schema = Record<string, unknown>;

const DIR = path.join(__dirname, '..', '..', 'fixtures', 'arm-schemas');
const COMMON = 'https://schema.management.azure.com/schemas/common/definitions.json';
const TEMPLATE_KEYS = ['dependsOn', 'condition', 'comments', 'copy', 'metadata', 'scope'];

interface SchemaFile {
  id: string;
  resourceDefinitions: Record<string, Schema>;
  definitions: Record<string, Schema>;
}

function loadFiles(): SchemaFile[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.json') && f !== 'common_definitions.json')
    .map((f) => JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as SchemaFile);
}

const common = () => JSON.parse(readFileSync(path.join(DIR, 'common_definitions.json'), 'utf8')).definitions as Record<string, Schema>;

/** The vendored definition of `type` at `apiVersion`, or undefined. */
export function resourceSchema(type: string, apiVersion: string): { schema: Schema; file: SchemaFile } | undefined {
  for (const file of loadFiles()) {
    for (const schema of Object.values(file.resourceDefinitions)) {
      const props = schema.properties as Record<string, Schema>;
      const types = (props.type as { enum?: string[] }).enum ?? [];
      const versions = (props.apiVersion as { enum?: string[] }).enum ?? [];
      if (types.includes(type) && versions.includes(apiVersion)) return { schema, file };
    }
  }
  return undefined;
}

/** Every problem of one template resource (empty: valid). */
export function validateResource(resource: Record<string, unknown>): string[] {
  const type = String(resource.type);
  const apiVersion = String(resource.apiVersion);
  const found = resourceSchema(type, apiVersion);
  if (!found) return [`${type}@${apiVersion}: no vendored schema (fixtures/arm-schemas)`];
  const { schema, file } = found;
  const body = Object.fromEntries(Object.entries(resource).filter(([k]) => !TEMPLATE_KEYS.includes(k)));
  const problems: string[] = [];
  validate(body, schema, `${type}`, { file, common: common(), problems });
  return problems;
}

interface Ctx {
  file: SchemaFile;
  common: Record<string, Schema>;
  problems: string[];
}

function resolve(ref: string, ctx: Ctx): Schema {
  if (ref.startsWith('#/definitions/')) {
    const d = ctx.file.definitions[ref.slice('#/definitions/'.length)];
    if (d) return d;
  } else if (ref.startsWith(`${COMMON}#/definitions/`)) {
    const d = ctx.common[ref.slice(`${COMMON}#/definitions/`.length)];
    if (d) return d;
  }
  throw new Error(`schema reference ${ref} is not vendored in fixtures/arm-schemas`);
}

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : Number.isInteger(v) ? 'integer' : typeof v);

function validate(value: unknown, schema: Schema, at: string, ctx: Ctx): void {
  if (typeof schema.$ref === 'string') return validate(value, resolve(schema.$ref, ctx), at, ctx);
  const fail = (why: string): void => void ctx.problems.push(`${at}: ${why}`);
  const alternatives = (list: Schema[]) =>
    list.map((s) => {
      const sub: Ctx = { ...ctx, problems: [] };
      validate(value, s, at, sub);
      return sub.problems;
    });
  if (Array.isArray(schema.oneOf)) {
    const results = alternatives(schema.oneOf as Schema[]);
    const ok = results.filter((r) => r.length === 0).length;
    if (ok !== 1) {
      if (ok === 0) ctx.problems.push(...results.reduce((a, b) => (b.length < a.length ? b : a)));
      else fail(`matches ${ok} alternatives of oneOf`);
    }
  }
  if (Array.isArray(schema.anyOf) && alternatives(schema.anyOf as Schema[]).every((r) => r.length)) fail('matches no alternative of anyOf');
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf as Schema[]) validate(value, s, at, ctx);
  if (schema.type !== undefined) {
    const wanted = Array.isArray(schema.type) ? (schema.type as string[]) : [String(schema.type)];
    const actual = typeOf(value);
    if (!wanted.includes(actual) && !(actual === 'integer' && wanted.includes('number'))) return fail(`is ${actual}, the schema wants ${wanted.join(' or ')}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) fail(`${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) fail(`"${value}" does not match ${schema.pattern}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) fail(`${value} is below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) fail(`${value} is above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) fail(`is shorter than ${schema.minLength}`);
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) fail(`is longer than ${schema.maxLength}`);
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === 'object') value.forEach((v, i) => validate(v, schema.items as Schema, `${at}[${i}]`, ctx));
  if (typeOf(value) === 'object' && (schema.properties || schema.required || schema.additionalProperties !== undefined)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) fail(`required property "${r}" is missing`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) validate(v, props[k], `${at}.${k}`, ctx);
      else if (typeof schema.additionalProperties === 'object') validate(v, schema.additionalProperties as Schema, `${at}.${k}`, ctx);
      else if (schema.additionalProperties === false || schema.properties) fail(`property "${k}" is not defined by the schema`);
    }
  }
}
