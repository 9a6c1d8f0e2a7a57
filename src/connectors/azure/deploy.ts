/**
 * `elm machine deploy` on Azure: the packaging-machine template deployed through Azure Resource
 * Manager (what the portal link does, without the portal). Every resource id is recorded before
 * the deployment starts (the template's names are fixed), so a killed worker or a failed
 * deployment never leaves a resource elm does not know about; deploying again is incremental.
 */
import { ElmError } from '../../domain/errors';
import type { DeployLinkRequest, MachineRef, ProgressSink } from '../connector';
import type { AzureClients } from './clients';
import { deleteMachine } from './cleanup';
import { codeOf, describeError, platformError, redactSecrets, statusOf } from './errors';
import { deploymentName, DISK_TYPE, NIC_TYPE, NSG_TYPE, PUBLIC_IP_TYPE, resourceId, resourceNames, VM_TYPE } from './layout';
import { findMachine, machineRef, powerState, type MachineResources } from './machine';
import { checkOperatorDeployment, operatorParameters, operatorTemplateBody } from './operatorTemplate';
import { ownerOf, refuseForeignResources } from './ownership';
import { reachNote } from './machineOptions';
import { sleep } from './retry';
import { templateInputs } from './deployLink';
import { packagingMachineTemplate, templateParameters } from './template';


export async function deployMachine(clients: AzureClients, req: DeployLinkRequest, progress: ProgressSink, record?: (machine: MachineRef) => Promise<void>): Promise<MachineRef> {
  const inputs = await templateInputs(clients, req);
  const s = clients.settings;
  const names = resourceNames(inputs.params.vmName);
  // The operator's template (--machine-template-spec): checked again here (a task resumed later
  // reads it anew), its NIC and disk names are its own: found by tags once deployed.
  const operator = s.machineTemplateSpec ?? null;
  const operatorTemplate = operator ? await checkOperatorDeployment(clients, operator, inputs.params) : null;
  let m: MachineResources = {
    resourceGroup: s.resourceGroup,
    vmName: names.vm,
    vmId: resourceId(s, VM_TYPE, names.vm),
    nicId: operator ? null : resourceId(s, NIC_TYPE, names.nic),
    diskId: operator ? null : resourceId(s, DISK_TYPE, names.disk),
    ...(inputs.params.options.rdpFrom ? { publicIpId: resourceId(s, PUBLIC_IP_TYPE, names.publicIp), nsgId: resourceId(s, NSG_TYPE, names.nsg) } : {}),
    deploymentName: deploymentName(req.layer, names.vm),
    tags: inputs.tags,
  };
  // Nothing is deployed over another machine's resources (also when resumed or built: preflight
  // could not tell a version not recorded yet); the deployment's and its clean-up's owner.
  const owner = ownerOf(req.layer, inputs.tags);
  await refuseForeignResources(clients, m.vmName, owner, Boolean(inputs.params.options.rdpFrom));
  // Before anything exists: a kill from here on leaves ids that cleanup deletes (gone is done).
  await record?.(machineRef(m, 'deploying'));
  const body = {
    properties: {
      mode: 'Incremental' as const,
      ...(operator && operatorTemplate ? operatorTemplateBody(operator, operatorTemplate) : { template: packagingMachineTemplate(inputs) }),
      parameters: operator ? operatorParameters(clients, inputs) : templateParameters(inputs),
    },
    tags: inputs.tags,
  };
  progress(0.05, `Deploying packaging machine ${m.vmName} in resource group ${m.resourceGroup} (deployment ${m.deploymentName})`);
  try {
    await startAndWait(clients, m.deploymentName!, body, progress);
  } catch (e) {
    const failure = await deploymentFailure(clients, m.deploymentName!, e);
    if (!failure.failed) throw failure.error;
    // A failed deployment leaves what it created (as in Azure): remove it, so that retrying
    // starts over like re-pasting the link does (the seed), and nothing is left behind.
    let note: string;
    try {
      const target = operator ? ((await taggedMachine(clients, req.layer, m)) ?? m) : m;
      const leftAlone = await deleteMachine(clients, target, owner, (f) => progress(0.9 + f * 0.1, 'Removing what the failed deployment created'));
      note = 'What it had created was removed; fix the cause and deploy again.';
      if (leftAlone.length) note += ` Left alone, not this layer version's: ${leftAlone.join('; ')}.`;
    } catch (ce) {
      note = `Removing what it created failed too (${(ce as Error).message}); elm task resume retries the deployment.`;
    }
    throw new ElmError(`${failure.error.message} ${note}`);
  }
  if (operator) {
    const found = await taggedMachine(clients, req.layer, m);
    if (!found || (await powerState(clients, found)) === 'absent')
      throw new ElmError(`The deployment ${m.deploymentName} of the connector's machine template succeeded but made no VM tagged for this layer version: pass the resourceTags parameter to the VM's tags; elm task resume retries.`);
    m = found;
  }
  const state = await powerState(clients, m);
  if (state === 'absent') throw new ElmError(`The deployment ${m.deploymentName} succeeded but VM ${m.vmName} does not exist in ${m.resourceGroup}.`);
  const ref = machineRef(m, 'deployed');
  await record?.(ref);
  progress(1, `Packaging machine ${m.vmName} deployed (${state}). ${reachNote(inputs.params.options, inputs.params.virtualNetwork, inputs.params.subnet)}`);
  return ref;
}

async function startAndWait(clients: AzureClients, name: string, body: Parameters<Awaited<ReturnType<AzureClients['resources']>>['deployments']['beginCreateOrUpdate']>[2], progress: ProgressSink): Promise<void> {
  const resources = await clients.resources();
  const rg = clients.settings.resourceGroup;
  for (let attempt = 0; ; attempt++) {
    try {
      const poller = await resources.deployments.beginCreateOrUpdate(rg, name, body);
      let polls = 0;
      poller.onProgress(() => {
        polls += 1;
        progress(Math.min(0.9, 0.1 + polls * 0.1));
      });
      await poller.pollUntilDone();
      return;
    } catch (e) {
      // A deployment still running from a killed worker: wait for it, then deploy again (incremental).
      if (statusOf(e) === 409 && codeOf(e) === 'DeploymentActive' && attempt < 3) {
        progress(0.1, `Deployment ${name} is still running from an earlier attempt; waiting for it`);
        await waitForDeployment(clients, name);
        continue;
      }
      throw e;
    }
  }
}

async function waitForDeployment(clients: AzureClients, name: string): Promise<void> {
  const resources = await clients.resources();
  let delay = 1000;
  for (let i = 0; i < 400; i++) {
    const d = await resources.deployments.get(clients.settings.resourceGroup, name);
    const state = d.properties?.provisioningState ?? '';
    if (!['Accepted', 'Running', 'Creating', 'Updating', 'Deploying', 'Waiting'].includes(state)) return;
    await sleep(delay);
    delay = Math.min(15_000, delay * 2);
  }
}

/** The reason a deployment failed: the failed resource's error, not just "DeploymentFailed". */
async function deploymentFailure(clients: AzureClients, name: string, e: unknown): Promise<{ error: ElmError; failed: boolean }> {
  if (e instanceof ElmError) return { error: e, failed: false };
  try {
    const d = await (await clients.resources()).deployments.get(clients.settings.resourceGroup, name);
    const err = d.properties?.error;
    const failed = d.properties?.provisioningState === 'Failed';
    const details = (err?.details ?? []).map((x) => `${x.code ? `${x.code}: ` : ''}${x.message ?? ''}`).filter(Boolean);
    if (err) {
      const why = details.length ? details.join(' ') : `${err.code ?? ''} ${err.message ?? ''}`.trim();
      return { error: new ElmError(`The deployment ${name} failed: ${redactSecrets(why)}`), failed };
    }
    return { error: platformError(`Deploying the packaging machine (deployment ${name})`, e), failed };
  } catch (readError) {
    return { error: platformError(`The deployment ${name} failed (${describeError(e)}); reading its error failed too`, readError), failed: false };
  }
}

/** What the operator's template made for the version, found by its tags only, with elm's deployment and tags. */
async function taggedMachine(clients: AzureClients, layer: { id: string; version: string }, m: MachineResources): Promise<MachineResources | null> {
  const found = await findMachine(clients, null, layer);
  return found && { ...found, deploymentName: m.deploymentName, tags: m.tags };
}
