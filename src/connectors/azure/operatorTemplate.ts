/**
 * An operator-supplied ARM template for the packaging machine (`connector add azure
 * --machine-template-spec`), as Citrix's Azure Deployments connector takes one: the operator's
 * policies, NSGs and encryption sets, with elm's values passed in by parameter name. The source is
 * a template spec version (Microsoft.Resources/templateSpecs/{name}/versions/{version}; deployed
 * through templateLink.id, read through its GET for properties.mainTemplate — Template Spec
 * Versions - Get, api-version 2022-02-01) or a local JSON template file (deployed inline). A local
 * file is recorded by its path and read at each deploy: the operator keeps the template in their
 * own files and an edit takes effect without adding the connector again, the same way a template
 * spec version is read when deploying; each deploy checks what it reads.
 * Before anything is created elm checks that the template declares every parameter it passes (ARM
 * refuses an undeclared one), needs none elm does not pass, and puts the tags parameter on a
 * Microsoft.Compute/virtualMachines resource (elm finds, verifies and deletes the machine by tags).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../domain/errors';
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import { resourceGroupId } from './layout';
import type { MachineParams } from './machineParams';
import type { TemplateInputs } from './template';

/** Template Spec Versions - Get: the current stable api-version (2022-02-01). */
export const TEMPLATE_SPEC_API = '2022-02-01';

/** elm's parameters, by the names the operator's template declares (README, Azure section). */
export const OPERATOR_PARAMETERS = ['vmName', 'vmSize', 'subnetId', 'sourceVhdUri', 'storageAccountId', 'resourceTags', 'hyperVGeneration', 'securityType'] as const;
const TAGS_PARAMETER = 'resourceTags';

const SEG = '[-\\w._()]{1,90}';
const SPEC_ID = new RegExp(
  `^/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/resourceGroups/${SEG}/providers/Microsoft\\.Resources/templateSpecs/${SEG}/versions/${SEG}$`,
  'i',
);

export function isTemplateSpecId(source: string): boolean {
  return SPEC_ID.test(source);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The flag's value as stored: a template spec version id, or the absolute path of a readable JSON template. */
export async function templateSourceFromFlag(value: string): Promise<string> {
  const v = value.trim();
  const fix = 'give a template spec version id (/subscriptions/…/resourceGroups/…/providers/Microsoft.Resources/templateSpecs/NAME/versions/VERSION) or a local ARM template JSON file';
  if (!v) throw new UsageError(`--machine-template-spec is empty: ${fix}.`);
  if (v.startsWith('/subscriptions/') || /templateSpecs/i.test(v)) {
    if (!isTemplateSpecId(v)) throw new UsageError(`--machine-template-spec "${v}" is not a template spec version id: ${fix}.`);
    return v;
  }
  const file = path.resolve(v);
  await readTemplateFile(file, '--machine-template-spec');
  return file;
}

async function readTemplateFile(file: string, what: string): Promise<Json> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${what} "${file}" cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): give a template spec version id or a readable ARM template JSON file.`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new UsageError(`${what} "${file}" is not JSON (${(e as Error).message}): give an ARM template JSON file (Bicep: az bicep build first).`);
  }
  if (!isObject(doc) || !('resources' in doc)) throw new UsageError(`${what} "${file}" is not an ARM template (no "resources"): give an ARM template JSON file.`);
  return doc;
}

/** The operator's template as deployed: read from the template spec version or the recorded file. */
export async function loadOperatorTemplate(clients: AzureClients, source: string): Promise<Json> {
  if (!isTemplateSpecId(source)) return readTemplateFile(source, 'The connector\'s machine template');
  const resources = await clients.resources();
  let version;
  try {
    version = await resources.resources.getById(source, TEMPLATE_SPEC_API);
  } catch (e) {
    if (isNotFound(e)) throw new UsageError(`The connector's template spec version ${source} does not exist (or this identity cannot read it): create it, or add the connector again with another --machine-template-spec.`);
    throw platformError(`Reading the template spec version ${source}`, e);
  }
  const main = (version.properties as Json | undefined)?.mainTemplate;
  if (!isObject(main)) throw new UsageError(`The template spec version ${source} has no mainTemplate.`);
  return main;
}

/** Why the template cannot take elm's parameters or make a VM elm finds by its tags; empty when it can. */
export function operatorTemplateProblems(template: Json): string[] {
  const declared = isObject(template.parameters) ? template.parameters : {};
  const names = new Map(Object.keys(declared).map((k) => [k.toLowerCase(), k]));
  const problems: string[] = [];
  const missing = OPERATOR_PARAMETERS.filter((p) => !names.has(p.toLowerCase()));
  if (missing.length) problems.push(`it does not declare the parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (elm passes ${OPERATOR_PARAMETERS.join(', ')})`);
  const passed = new Set<string>(OPERATOR_PARAMETERS.map((p) => p.toLowerCase()));
  const unset = Object.entries(declared).filter(([k, d]) => !passed.has(k.toLowerCase()) && !(isObject(d) && 'defaultValue' in d)).map(([k]) => k);
  if (unset.length) problems.push(`its parameter${unset.length > 1 ? 's' : ''} ${unset.join(', ')} ha${unset.length > 1 ? 've' : 's'} no defaultValue and elm does not pass ${unset.length > 1 ? 'them' : 'it'}`);
  if (!vmTaggedByParameter(template)) problems.push(`no Microsoft.Compute/virtualMachines resource has tags "[parameters('${TAGS_PARAMETER}')]" (elm finds and removes the machine by those tags)`);
  return problems;
}

/** A VM resource (top level or nested) whose tags are the tags parameter (or include it, as in union()). */
function vmTaggedByParameter(template: Json): boolean {
  const list = Array.isArray(template.resources) ? template.resources : isObject(template.resources) ? Object.values(template.resources) : [];
  const tagsParam = new RegExp(`parameters\\(\\s*'${TAGS_PARAMETER}'\\s*\\)`, 'i');
  const visit = (rs: unknown[]): boolean =>
    rs.some((r) => {
      if (!isObject(r)) return false;
      if (String(r.type ?? '').toLowerCase() === 'microsoft.compute/virtualmachines' && typeof r.tags === 'string' && tagsParam.test(r.tags)) return true;
      return Array.isArray(r.resources) && visit(r.resources);
    });
  return visit(list);
}

/** Refuses (exit 2) a template that cannot take elm's parameters, before anything is created. */
export function checkOperatorTemplate(template: Json, source: string): void {
  const problems = operatorTemplateProblems(template);
  if (problems.length) throw new UsageError(`The machine template ${source} cannot deploy elm's packaging machine: ${problems.join('; ')}. Fix the template, or add the connector again without --machine-template-spec.`);
}

/** The operator-template options elm cannot pass: refused rather than silently ignored. */
export function operatorTemplateOptionProblems(params: MachineParams): string[] {
  const o = params.options;
  const problems: string[] = [];
  if (o.rdpFrom) problems.push('--public-ip/--rdp-from are not passed to the connector\'s own machine template (its network rules are the operator\'s)');
  if (o.licenseType) problems.push('--license-type is not passed to the connector\'s own machine template (set licenseType in the template)');
  return problems;
}

/** elm's values by name: the subnet as its id (the virtual network may be in another group). */
export function operatorParameters(clients: AzureClients, inputs: TemplateInputs): Record<string, { value: unknown }> {
  const p = inputs.params;
  const vnetGroup = p.virtualNetworkResourceGroup ?? clients.settings.resourceGroup;
  const values: Record<(typeof OPERATOR_PARAMETERS)[number], unknown> = {
    vmName: p.vmName,
    vmSize: p.vmSize,
    subnetId: `${resourceGroupId(clients.settings, vnetGroup)}/providers/Microsoft.Network/virtualNetworks/${p.virtualNetwork}/subnets/${p.subnet}`,
    sourceVhdUri: inputs.sourceVhdUri,
    storageAccountId: inputs.storageAccountId,
    resourceTags: inputs.tags,
    hyperVGeneration: p.options.generation,
    securityType: p.options.securityType,
  };
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
}

/** How the deployment names the template: the spec version by id (ARM reads it), a file inline. */
export function operatorTemplateBody(source: string, template: Json): { template: Json } | { templateLink: { id: string } } {
  return isTemplateSpecId(source) ? { templateLink: { id: source } } : { template };
}

/** Everything checked before a deployment of the operator's template: options, then the template read and checked (exit 2). */
export async function checkOperatorDeployment(clients: AzureClients, source: string, params: MachineParams): Promise<Json> {
  const problems = operatorTemplateOptionProblems(params);
  if (problems.length) throw new UsageError(`${problems.join('; ')}.`);
  const template = await loadOperatorTemplate(clients, source);
  checkOperatorTemplate(template, source);
  return template;
}
