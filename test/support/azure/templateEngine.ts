/**
 * Turns an ARM template and its parameter values into a deployment plan: validated parameters,
 * resources with every expression evaluated, in dependency order. What a packaging-machine
 * template needs (parameters, variables, resources with nested children, dependsOn, condition,
 * outputs); `copy` loops, `languageVersion 2.0` and nested deployments are refused.
 * Validation errors are ARM's `InvalidTemplate` (400) with its messages.
 */
import { ArmError } from './errors';
import { evaluateDeep, evaluateString, ExpressionContext, TemplateError } from './template/expressions';
import { parseResourceId } from './inventory';

export interface PlannedResource {
  id: string;
  type: string;
  apiVersion: string;
  /** Full name (`vnet/subnet` for a nested type). */
  name: string;
  location?: string;
  tags: Record<string, string>;
  properties: Record<string, unknown>;
  sku?: unknown;
  kind?: string;
  zones?: string[];
  /** Ids of the template resources it depends on. */
  dependsOn: string[];
}

export interface DeploymentPlan {
  resources: PlannedResource[];
  /** As ARM shows them on the deployment (secure values left out). */
  parameters: Record<string, { type: string; value?: unknown }>;
  /** Evaluates the outputs once the resources exist. */
  outputs(reference: (id: string, full: boolean) => unknown): Record<string, { type: string; value: unknown }>;
}

export interface PlanContext {
  subscriptionId: string;
  tenantId: string;
  resourceGroup: { id: string; name: string; location: string; tags: Record<string, string> };
  deploymentName: string;
  templateLink?: { uri: string };
}

type Json = Record<string, unknown>;

const TYPE_NAMES: Record<string, string> = {
  string: 'String',
  securestring: 'SecureString',
  int: 'Int',
  bool: 'Bool',
  object: 'Object',
  secureobject: 'SecureObject',
  array: 'Array',
};

export function invalidTemplate(message: string): ArmError {
  return new ArmError(400, 'InvalidTemplate', `Deployment template validation failed: '${message}'.`);
}

export function planDeployment(template: unknown, parameterValues: unknown, ctx: PlanContext): DeploymentPlan {
  try {
    return plan(template, parameterValues, ctx);
  } catch (err) {
    if (err instanceof TemplateError) throw invalidTemplate(err.message);
    throw err;
  }
}

function plan(templateIn: unknown, parameterValuesIn: unknown, ctx: PlanContext): DeploymentPlan {
  if (!isObject(templateIn)) throw new TemplateError('The template is not a JSON object');
  const template = templateIn;
  for (const required of ['$schema', 'contentVersion', 'resources']) {
    if (!(required in template)) throw new TemplateError(`Required property '${required}' not found in JSON. Path '', line 1, position 1.`);
  }
  if (template.languageVersion) throw new TemplateError(`languageVersion '${String(template.languageVersion)}' is not supported by the ARM fake`);
  if (!Array.isArray(template.resources)) throw new TemplateError(`The property 'resources' must be an array.`);

  const definitions = (isObject(template.parameters) ? template.parameters : {}) as Record<string, Json>;
  const supplied = (isObject(parameterValuesIn) ? parameterValuesIn : {}) as Record<string, Json>;
  const unknown = Object.keys(supplied).filter((k) => !findKey(definitions, k));
  if (unknown.length) {
    throw new TemplateError(
      `The template parameters '${unknown.join(', ')}' in the parameters file are not valid; they are not present in the original template and can therefore not be provided at deployment time. The only supported parameters for this template are '${Object.keys(definitions).join(', ')}'. Please see https://aka.ms/arm-pass-parameter-values for usage details.`,
    );
  }

  const exprCtx: ExpressionContext = {
    subscriptionId: ctx.subscriptionId,
    tenantId: ctx.tenantId,
    resourceGroup: {
      ...ctx.resourceGroup,
      type: 'Microsoft.Resources/resourceGroups',
      properties: { provisioningState: 'Succeeded' },
    },
    deployment: {
      name: ctx.deploymentName,
      properties: { templateLink: ctx.templateLink ? { uri: ctx.templateLink.uri, contentVersion: template.contentVersion } : undefined },
    },
    parameter: (name) => parameter(name),
    variable: (name) => variable(name),
  };

  // Parameters: supplied value or default (itself possibly an expression), then type checks.
  const paramCache = new Map<string, unknown>();
  const parameter = (name: string): unknown => {
    const key = findKey(definitions, name);
    if (!key) throw new TemplateError(`The template parameter '${name}' is not found. Please see https://aka.ms/arm-syntax-parameters for usage details.`);
    if (paramCache.has(key)) return paramCache.get(key);
    const def = definitions[key];
    const given = supplied[findKey(supplied, key) ?? key];
    let value: unknown;
    if (given && 'reference' in given) throw new TemplateError(`Key Vault parameter references are not supported by the ARM fake`);
    if (given && 'value' in given) value = given.value;
    else if ('defaultValue' in def) value = evaluateDeep(def.defaultValue, exprCtx);
    else {
      throw new TemplateError(
        `The value for the template parameter '${key}' at line '1' and column '1' is not provided. Please see https://aka.ms/arm-create-parameter-file for usage details.`,
      );
    }
    checkParameter(key, def, value);
    paramCache.set(key, value);
    return value;
  };

  const variables = (isObject(template.variables) ? template.variables : {}) as Json;
  const varCache = new Map<string, unknown>();
  const evaluating = new Set<string>();
  const variable = (name: string): unknown => {
    const key = findKey(variables, name);
    if (!key) throw new TemplateError(`The template variable '${name}' is not found. Please see https://aka.ms/arm-syntax-variables for usage details.`);
    if (varCache.has(key)) return varCache.get(key);
    if (evaluating.has(key)) throw new TemplateError(`The template variable '${key}' refers to itself (circular reference)`);
    evaluating.add(key);
    const value = evaluateDeep(variables[key], exprCtx);
    evaluating.delete(key);
    varCache.set(key, value);
    return value;
  };

  const parameters: DeploymentPlan['parameters'] = {};
  for (const [key, def] of Object.entries(definitions)) {
    const value = parameter(key);
    const type = TYPE_NAMES[String(def.type).toLowerCase()];
    parameters[key] = type.startsWith('Secure') ? { type } : { type, value };
  }

  const resources = flatten(template.resources as unknown[], undefined, exprCtx, ctx);
  const ordered = topologicalOrder(resources);

  return {
    resources: ordered,
    parameters,
    outputs(reference) {
      const out: Record<string, { type: string; value: unknown }> = {};
      const outputs = (isObject(template.outputs) ? template.outputs : {}) as Record<string, Json>;
      const withRef: ExpressionContext = { ...exprCtx, reference };
      for (const [name, def] of Object.entries(outputs)) {
        const type = TYPE_NAMES[String(def.type).toLowerCase()] ?? String(def.type);
        out[name] = { type, value: evaluateDeep(def.value, withRef) };
      }
      return out;
    },
  };
}

function flatten(list: unknown[], parent: PlannedResource | undefined, exprCtx: ExpressionContext, ctx: PlanContext): PlannedResource[] {
  const out: PlannedResource[] = [];
  for (const raw of list) {
    if (!isObject(raw)) throw new TemplateError('A template resource is not a JSON object');
    if ('copy' in raw) throw new TemplateError(`The 'copy' loop of a resource is not supported by the ARM fake`);
    if ('condition' in raw && !evaluateDeep(raw.condition, exprCtx)) continue;
    for (const required of ['type', 'apiVersion', 'name']) {
      if (typeof raw[required] !== 'string') {
        throw new TemplateError(`The template resource '${String(raw.name ?? '?')}' is not valid: Required property '${required}' not found in JSON.`);
      }
    }
    const localType = String(evaluateString(raw.type as string, exprCtx));
    const localName = String(evaluateString(raw.name as string, exprCtx));
    const type = parent ? `${parent.type}/${localType}` : localType;
    const name = parent ? `${parent.name}/${localName}` : localName;
    if (type.toLowerCase() === 'microsoft.resources/deployments') throw new TemplateError('Nested deployments are not supported by the ARM fake');
    const segments = type.split('/').length - 1;
    if (segments < 1 || name.split('/').length !== segments) {
      throw new TemplateError(
        `The template resource '${name}' for type '${type}' has incorrect segment lengths. A nested resource type must have identical number of segments as its resource name.`,
      );
    }
    const [ns, ...types] = type.split('/');
    const names = name.split('/');
    const id = `/subscriptions/${ctx.subscriptionId}/resourceGroups/${ctx.resourceGroup.name}/providers/${ns}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
    const tags = evaluateDeep(raw.tags ?? {}, exprCtx);
    if (!isObject(tags)) throw new TemplateError(`The tags of resource '${name}' must be an object`);
    const resource: PlannedResource = {
      id,
      type,
      apiVersion: raw.apiVersion as string,
      name,
      location: raw.location === undefined ? undefined : String(evaluateDeep(raw.location, exprCtx)),
      tags: Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)])),
      properties: (evaluateDeep(raw.properties ?? {}, exprCtx) as Record<string, unknown>) ?? {},
      sku: raw.sku === undefined ? undefined : evaluateDeep(raw.sku, exprCtx),
      kind: raw.kind === undefined ? undefined : String(evaluateDeep(raw.kind, exprCtx)),
      zones: raw.zones === undefined ? undefined : (evaluateDeep(raw.zones, exprCtx) as string[]),
      dependsOn: [...(parent ? [parent.id] : []), ...((evaluateDeep(raw.dependsOn ?? [], exprCtx) as unknown[]) ?? []).map(String)],
    };
    out.push(resource);
    if (Array.isArray(raw.resources)) out.push(...flatten(raw.resources, resource, exprCtx, ctx));
  }
  return out;
}

function topologicalOrder(resources: PlannedResource[]): PlannedResource[] {
  const byId = new Map<string, PlannedResource>();
  for (const r of resources) {
    if (byId.has(r.id.toLowerCase())) throw new TemplateError(`The resource '${r.id}' is defined multiple times in a template. Please see https://aka.ms/arm-syntax-resources for usage details.`);
    byId.set(r.id.toLowerCase(), r);
  }
  // Resolve each dependsOn entry (an id, `type/name` or a bare name) to a template resource.
  for (const r of resources) {
    r.dependsOn = r.dependsOn.map((dep) => {
      const d = dep.toLowerCase();
      const parsed = parseResourceId(dep);
      const found =
        byId.get(d) ??
        (parsed ? undefined : resources.find((x) => x.name.toLowerCase() === d || `${x.type}/${x.name}`.toLowerCase() === d));
      if (!found) throw new TemplateError(`The resource '${dep}' is not defined in the template. Please see https://aka.ms/arm-syntax for usage details.`);
      return found.id;
    });
  }
  const done = new Set<string>();
  const visiting = new Set<string>();
  const ordered: PlannedResource[] = [];
  const visit = (r: PlannedResource) => {
    const key = r.id.toLowerCase();
    if (done.has(key)) return;
    if (visiting.has(key)) throw new TemplateError(`Circular dependency detected on resource: '${r.id}'. Please see https://aka.ms/arm-syntax-resources for usage details.`);
    visiting.add(key);
    for (const dep of r.dependsOn) visit(byId.get(dep.toLowerCase()) as PlannedResource);
    visiting.delete(key);
    done.add(key);
    ordered.push(r);
  };
  resources.forEach(visit);
  return ordered;
}

function checkParameter(name: string, def: Json, value: unknown): void {
  const typeKey = String(def.type ?? '').toLowerCase();
  const typeName = TYPE_NAMES[typeKey];
  if (!typeName) throw new TemplateError(`The parameter '${name}' has an invalid type '${String(def.type)}'`);
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const ok =
    ((typeKey === 'string' || typeKey === 'securestring') && actual === 'string') ||
    (typeKey === 'int' && Number.isInteger(value)) ||
    (typeKey === 'bool' && actual === 'boolean') ||
    ((typeKey === 'object' || typeKey === 'secureobject') && actual === 'object') ||
    (typeKey === 'array' && actual === 'array');
  if (!ok) {
    const expected = { String: 'String', SecureString: 'String', Int: 'Integer', Bool: 'Boolean', Object: 'Object', SecureObject: 'Object', Array: 'Array' }[typeName];
    const names: Record<string, string> = { string: 'String', number: 'Integer', boolean: 'Boolean', object: 'Object', array: 'Array', null: 'Null' };
    const got = names[actual] ?? actual;
    throw new TemplateError(`Template parameter '${name}' was provided an invalid value. Expected a value of type '${expected}', but received a value of type '${got}'. Please see https://aka.ms/arm-create-parameter-file for usage details.`);
  }
  if (Array.isArray(def.allowedValues) && !def.allowedValues.some((a) => JSON.stringify(a) === JSON.stringify(value))) {
    throw new TemplateError(
      `The provided value '${String(value)}' for the template parameter '${name}' at line '1' and column '1' is not valid. The parameter value is not part of the allowed value(s): '${def.allowedValues.join(',')}'.`,
    );
  }
  const length = typeof value === 'string' || Array.isArray(value) ? value.length : undefined;
  if (length !== undefined && typeof def.minLength === 'number' && length < def.minLength) {
    throw new TemplateError(`The provided value for the template parameter '${name}' at line '1' and column '1' is not valid. The length of the value is '${length}', which is less than the minimum length '${def.minLength}'.`);
  }
  if (length !== undefined && typeof def.maxLength === 'number' && length > def.maxLength) {
    throw new TemplateError(`The provided value for the template parameter '${name}' at line '1' and column '1' is not valid. The length of the value is '${length}', which exceeds the maximum length '${def.maxLength}'.`);
  }
  if (typeof value === 'number' && typeof def.minValue === 'number' && value < def.minValue) {
    throw new TemplateError(`The provided value '${value}' for the template parameter '${name}' is not valid. It is less than the minimum value '${def.minValue}'.`);
  }
  if (typeof value === 'number' && typeof def.maxValue === 'number' && value > def.maxValue) {
    throw new TemplateError(`The provided value '${value}' for the template parameter '${name}' is not valid. It is greater than the maximum value '${def.maxValue}'.`);
  }
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function findKey(obj: object, name: string): string | undefined {
  return Object.keys(obj).find((k) => k.toLowerCase() === name.toLowerCase());
}
