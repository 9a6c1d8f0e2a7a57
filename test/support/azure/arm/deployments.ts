/**
 * Microsoft.Resources/deployments at resource-group scope:
 *   PUT    /subscriptions/{s}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}
 *          201 + Azure-AsyncOperation, provisioningState Accepted → Running → Succeeded|Failed;
 *          the template (inline or templateLink, downloaded like ARM does) is validated first
 *          (400 InvalidTemplate), then its resources are created in dependency order.
 *   GET|HEAD|DELETE …/deployments/{name}   (DELETE: 202 + Location; resources stay, as in ARM)
 *   GET    …/deployments, …/deployments/{name}/operations
 *   POST   …/deployments/{name}/validate
 * A resource that fails stops the deployment (DeploymentFailed with the resource's error in
 * details); resources created before it remain, as in Azure.
 */
import { createHash, randomUUID } from 'node:crypto';
import { downloadText } from '../blobs';
import type { FakeCloud } from '../cloud';
import { ArmError, ArmErrorBody } from '../errors';
import { FakeRequest, jsonBody, Router } from '../http';
import { planDeployment, DeploymentPlan } from '../templateEngine';
import { apiVersionOf, isObject, requireResourceGroup, resourceBody } from './common';
import { provision } from './provisioners';
import { findTemplateSpecVersion } from './templateSpecs';

export interface DeploymentOperation {
  operationId: string;
  provisioningState: 'Succeeded' | 'Failed';
  timestamp: string;
  targetResource: { id: string; resourceType: string; resourceName: string };
  statusCode: string;
  statusMessage?: unknown;
}

export interface DeploymentRecord {
  id: string;
  name: string;
  resourceGroup: string;
  tags?: Record<string, string>;
  startedAt: number;
  properties: Record<string, unknown> & { provisioningState: string };
  operations: DeploymentOperation[];
}

const BASE = '/subscriptions/{sub}/resourcegroups/{rg}/providers/Microsoft.Resources/deployments';

export function deploymentRoutes(cloud: FakeCloud, router: Router): void {
  const key = (rg: string, name: string) => `${rg}/${name}`.toLowerCase();
  const find = (req: FakeRequest) => cloud.deployments.get(key(req.params.rg, req.params.name));
  const notFound = (name: string) => new ArmError(404, 'DeploymentNotFound', `Deployment '${name}' could not be found.`);

  router.add('PUT', `${BASE}/{name}`, async (req) => {
    const group = requireResourceGroup(cloud, req.params.rg);
    const name = req.params.name;
    const previous = find(req);
    if (previous && ['Accepted', 'Running'].includes(previous.properties.provisioningState)) {
      throw new ArmError(
        409,
        'DeploymentActive',
        `Unable to edit or replace deployment '${name}': previous deployment from '${new Date(previous.startedAt).toISOString()}' is still active (expiration time is '${new Date(previous.startedAt + 7 * 86400_000).toISOString()}'). Please see https://aka.ms/arm-deploy for usage details.`,
      );
    }
    const body = jsonBody(req);
    const props = isObject(body.properties) ? body.properties : {};
    const mode = String(props.mode ?? '');
    if (mode !== 'Incremental') {
      throw new ArmError(400, 'InvalidDeploymentMode', `The deployment mode '${mode}' is not supported by the ARM fake (only 'Incremental').`);
    }
    const { template, templateLink } = await loadTemplate(cloud, props);
    const parameters = await loadParameters(cloud, props);
    const plan = planDeployment(template, parameters, {
      subscriptionId: cloud.subscriptionId,
      tenantId: cloud.tenantId,
      resourceGroup: { id: group.id, name: group.name, location: group.location, tags: group.tags },
      deploymentName: name,
      templateLink,
    });

    const record: DeploymentRecord = {
      id: `${group.id}/providers/Microsoft.Resources/deployments/${name}`,
      name,
      resourceGroup: group.name,
      tags: isObject(body.tags) ? (body.tags as Record<string, string>) : undefined,
      startedAt: Date.now(),
      operations: [],
      properties: {
        templateHash: BigInt(`0x${createHash('sha256').update(JSON.stringify(template)).digest('hex').slice(0, 15)}`).toString(),
        ...(templateLink ? { templateLink: { uri: templateLink.uri, contentVersion: (template as { contentVersion?: string }).contentVersion } } : {}),
        ...(isObject(props.templateLink) && typeof props.templateLink.id === 'string' ? { templateLink: { id: props.templateLink.id } } : {}),
        parameters: plan.parameters,
        mode: 'Incremental',
        provisioningState: 'Accepted',
        timestamp: new Date().toISOString(),
        duration: 'PT0S',
        correlationId: String(req.headers['x-ms-correlation-request-id'] ?? randomUUID()),
        providers: providersOf(plan),
        dependencies: plan.resources
          .filter((r) => r.dependsOn.length)
          .map((r) => ({
            dependsOn: r.dependsOn.map((d) => ({ id: d, resourceType: typeOfId(plan, d), resourceName: nameOfId(plan, d) })),
            id: r.id,
            resourceType: r.type,
            resourceName: r.name,
          })),
      },
    };
    cloud.deployments.set(key(group.name, name), record);

    const response = cloud.lro.start({
      monitor: { kind: 'deployment', resourceGroup: group.name, deploymentName: name },
      method: req.method,
      path: req.path,
      apiVersion: apiVersionOf(req),
      initialStatus: previous ? 200 : 201,
      initialBody: deploymentBody(record),
      runningStatus: 'Running',
      work: () => runDeployment(cloud, record, plan),
      onFailed: (error) => finish(record, 'Failed', error),
    });
    record.properties.provisioningState = 'Running';
    return response;
  });

  router.add('GET', `${BASE}/{name}`, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    const d = find(req);
    if (!d) throw notFound(req.params.name);
    return { status: 200, body: deploymentBody(d) };
  });
  router.add('HEAD', `${BASE}/{name}`, (req) => ({ status: find(req) ? 204 : 404 }));
  router.add('GET', BASE, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    const value = [...cloud.deployments.values()]
      .filter((d) => d.resourceGroup.toLowerCase() === req.params.rg.toLowerCase())
      .map(deploymentBody);
    return { status: 200, body: { value } };
  });
  const listOperations = (req: FakeRequest) => {
    requireResourceGroup(cloud, req.params.rg);
    const d = find(req);
    if (!d) throw notFound(req.params.name);
    return {
      status: 200,
      body: {
        value: d.operations.map((op) => ({
          id: `${d.id}/operations/${op.operationId}`,
          operationId: op.operationId,
          properties: {
            provisioningOperation: 'Create',
            provisioningState: op.provisioningState,
            timestamp: op.timestamp,
            duration: 'PT1S',
            trackingId: randomUUID(),
            statusCode: op.statusCode,
            ...(op.statusMessage ? { statusMessage: op.statusMessage } : {}),
            targetResource: op.targetResource,
          },
        })),
      },
    };
  };
  router.add('GET', `${BASE}/{name}/operations`, listOperations);
  // arm-resources lists deployment operations without `providers/Microsoft.Resources`.
  router.add('GET', '/subscriptions/{sub}/resourcegroups/{rg}/deployments/{name}/operations', listOperations);
  router.add('DELETE', `${BASE}/{name}`, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    const d = find(req);
    if (!d) return { status: 204 };
    if (['Accepted', 'Running'].includes(d.properties.provisioningState)) {
      throw new ArmError(409, 'DeploymentActive', `Deployment '${d.name}' is still active and cannot be deleted.`);
    }
    return cloud.lro.start({
      monitor: { kind: 'operationResults' },
      method: req.method,
      path: req.path,
      apiVersion: apiVersionOf(req),
      initialStatus: 202,
      work: () => {
        cloud.deployments.delete(key(d.resourceGroup, d.name));
        return undefined;
      },
    });
  });
  router.add('POST', `${BASE}/{name}/validate`, async (req) => {
    const group = requireResourceGroup(cloud, req.params.rg);
    const props = isObject(jsonBody(req).properties) ? (jsonBody(req).properties as Record<string, unknown>) : {};
    const { template, templateLink } = await loadTemplate(cloud, props);
    const plan = planDeployment(template, await loadParameters(cloud, props), {
      subscriptionId: cloud.subscriptionId,
      tenantId: cloud.tenantId,
      resourceGroup: { id: group.id, name: group.name, location: group.location, tags: group.tags },
      deploymentName: req.params.name,
      templateLink,
    });
    return {
      status: 200,
      body: {
        id: `${group.id}/providers/Microsoft.Resources/deployments/${req.params.name}`,
        name: req.params.name,
        type: 'Microsoft.Resources/deployments',
        properties: {
          provisioningState: 'Succeeded',
          mode: 'Incremental',
          parameters: plan.parameters,
          providers: providersOf(plan),
          validatedResources: plan.resources.map((r) => ({ id: r.id })),
        },
      },
    };
  });
}

async function runDeployment(cloud: FakeCloud, record: DeploymentRecord, plan: DeploymentPlan): Promise<unknown> {
  for (const planned of plan.resources) {
    const op: DeploymentOperation = {
      operationId: randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
      provisioningState: 'Succeeded',
      timestamp: new Date().toISOString(),
      targetResource: { id: planned.id, resourceType: planned.type, resourceName: planned.name },
      statusCode: 'OK',
    };
    try {
      await provision(cloud, { ...planned, resourceGroup: record.resourceGroup, deploymentName: record.name });
      record.operations.push(op);
    } catch (err) {
      if (!(err instanceof ArmError)) throw err;
      record.operations.push({ ...op, provisioningState: 'Failed', statusCode: err.status === 404 ? 'NotFound' : 'BadRequest', statusMessage: err.toBody() });
      throw new ArmError(
        400,
        'DeploymentFailed',
        'At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.',
        [{ code: err.code, message: err.message, target: planned.id }],
      );
    }
  }
  const outputs = plan.outputs((idOrName, full) => {
    const r = cloud.inventory.get(idOrName) ?? cloud.inventory.list({ resourceGroup: record.resourceGroup }).find((x) => x.name === idOrName);
    if (!r) throw new ArmError(404, 'ResourceNotFound', `The Resource '${idOrName}' was not found.`);
    return full ? resourceBody(r) : r.properties;
  });
  record.properties.outputs = outputs;
  record.properties.outputResources = plan.resources.map((r) => ({ id: r.id }));
  finish(record, 'Succeeded');
  return deploymentBody(record);
}

function finish(record: DeploymentRecord, state: 'Succeeded' | 'Failed', error?: ArmErrorBody): void {
  record.properties.provisioningState = state;
  record.properties.duration = `PT${((Date.now() - record.startedAt) / 1000).toFixed(3)}S`;
  record.properties.timestamp = new Date().toISOString();
  if (error) record.properties.error = error;
}

export function deploymentBody(d: DeploymentRecord): Record<string, unknown> {
  return {
    id: d.id,
    name: d.name,
    type: 'Microsoft.Resources/deployments',
    ...(d.tags ? { tags: d.tags } : {}),
    properties: structuredClone(d.properties),
  };
}

async function loadTemplate(cloud: FakeCloud, props: Record<string, unknown>): Promise<{ template: unknown; templateLink?: { uri: string } }> {
  if (props.template !== undefined && props.templateLink !== undefined) {
    throw new ArmError(400, 'InvalidRequestContent', "The request content must have either 'template' or 'templateLink', not both.");
  }
  if (props.template !== undefined) return { template: props.template };
  // TemplateLink: "id: the resource id of a template spec. Use either the id or uri property, but
  // not both." (Deployments - Create Or Update, TemplateLink); ARM reads the version's mainTemplate.
  const link = isObject(props.templateLink) ? props.templateLink : {};
  if (link.id !== undefined && link.uri !== undefined) throw new ArmError(400, 'InvalidRequestContent', "The template link must have either 'id' or 'uri', not both.");
  if (typeof link.id === 'string') {
    const spec = findTemplateSpecVersion(cloud, link.id);
    if (!spec) throw new ArmError(404, 'TemplateSpecNotFound', `The template spec version '${link.id}' could not be found.`);
    return { template: structuredClone(spec.mainTemplate) };
  }
  const uri = link.uri;
  if (typeof uri !== 'string') {
    throw new ArmError(400, 'InvalidRequestContent', "The request content must have 'template' or 'templateLink'.");
  }
  return { template: await downloadJson(cloud, uri), templateLink: { uri } };
}

async function loadParameters(cloud: FakeCloud, props: Record<string, unknown>): Promise<unknown> {
  const uri = isObject(props.parametersLink) ? props.parametersLink.uri : undefined;
  if (typeof uri !== 'string') return props.parameters ?? {};
  if (props.parameters !== undefined) {
    throw new ArmError(400, 'InvalidRequestContent', "The request content must have either 'parameters' or 'parametersLink', not both.");
  }
  const file = await downloadJson(cloud, uri);
  return isObject(file) ? file.parameters : {};
}

async function downloadJson(cloud: FakeCloud, uri: string): Promise<unknown> {
  let res: { status: number; text: string };
  try {
    res = await downloadText(uri, cloud.caPem);
  } catch {
    res = { status: 0, text: '' };
  }
  if (res.status !== 200) {
    throw new ArmError(400, 'InvalidContentLink', `Unable to download deployment content from '${uri}'. The tracking Id is '${randomUUID()}'. Please see https://aka.ms/arm-deploy for usage details.`);
  }
  try {
    return JSON.parse(res.text.replace(/^\uFEFF/, ''));
  } catch {
    throw new ArmError(400, 'InvalidTemplate', `Unable to parse the content downloaded from '${uri}' as JSON.`);
  }
}

function providersOf(plan: DeploymentPlan) {
  const byNs = new Map<string, Set<string>>();
  for (const r of plan.resources) {
    const [ns, ...rest] = r.type.split('/');
    const set = byNs.get(ns) ?? new Set<string>();
    set.add(rest.join('/'));
    byNs.set(ns, set);
  }
  return [...byNs].map(([namespace, types]) => ({
    namespace,
    resourceTypes: [...types].map((resourceType) => ({ resourceType, locations: [...new Set(plan.resources.map((r) => r.location).filter(Boolean))] })),
  }));
}

function typeOfId(plan: DeploymentPlan, id: string): string {
  return plan.resources.find((r) => r.id === id)?.type ?? '';
}

function nameOfId(plan: DeploymentPlan, id: string): string {
  return plan.resources.find((r) => r.id === id)?.name ?? '';
}
