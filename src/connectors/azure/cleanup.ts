/**
 * Removing the packaging machine and its disks after finalize (or after a failed deployment), in
 * dependency order, each only after its tags say it is this layer version's (never by name alone): the VM, its NIC, its public IP and network security group (if any), its managed disk (access revoked first: a disk with an active
 * SAS cannot be deleted), the deployment record, the template blob and the packaging disk blob.
 * Each delete is idempotent (404 = done) and retried with back-off honouring Retry-After. Then
 * the subscription is searched for anything still tagged for this layer version (a portal machine
 * may be in another group): if something remains, cleanup fails loudly, naming it.
 */
import { counted } from '../../domain/plural';
import { ElmError } from '../../domain/errors';
import type { FinalizeRequest, ProgressSink } from '../connector';
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import { blobPathOf, NETWORK_API_VERSION, templateBlobName } from './layout';
import { findMachine, nameOfId, type MachineResources } from './machine';
import { taggedResourcesInSubscription } from './leftovers';
import { resourceGroupOfId } from './machineElsewhere';
import { describeTags, isOwned, ownerOf, readTags, type Owner } from './ownership';
import { withRetry } from './retry';
import { COMPUTE_API, DISK_API } from './template';

interface Step {
  what: string;
  run(): Promise<unknown>;
}

async function runSteps(steps: Step[], progress: ProgressSink, signal?: AbortSignal): Promise<void> {
  for (const [i, step] of steps.entries()) {
    progress(i / steps.length, `Cleanup: deleting ${step.what}`);
    try {
      await withRetry(
        async () => {
          try {
            await step.run();
          } catch (e) {
            if (!isNotFound(e)) throw e; // gone is done
          }
        },
        { signal, onRetry: (msg) => progress(i / steps.length, `Cleanup: deleting ${step.what}: ${msg}`) },
      );
    } catch (e) {
      throw platformError(`Deleting ${step.what}`, e);
    }
  }
  progress(1);
}

/**
 * The steps that delete a machine's resources, in order (VM, NIC, public IP, NSG, disk,
 * deployment). Each reads the resource's tags first and deletes it only when they are the
 * owner's: a resource of the same name that is someone else's is left alone, named in leftAlone.
 */
export async function machineDeleteSteps(clients: AzureClients, m: MachineResources, owner: Owner, leftAlone: string[]): Promise<Step[]> {
  const compute = await clients.compute();
  const resources = await clients.resources();
  /** `said`: the name the resource is left alone under (the disk's two steps name it once). */
  const guarded = (what: string, id: string, apiVersion: string, del: () => Promise<unknown>, said: string | null = what): Step => ({
    what,
    async run() {
      const tags = await readTags(clients, { id, apiVersion });
      if (tags === null) return; // gone is done
      if (!isOwned(tags, owner)) {
        if (said) leftAlone.push(`${said} (tags: ${describeTags(tags)})`);
        return;
      }
      await del();
    },
  });
  const steps: Step[] = [guarded(`VM ${m.vmName}`, m.vmId, COMPUTE_API, () => compute.virtualMachines.beginDeleteAndWait(m.resourceGroup, m.vmName))];
  if (m.nicId) steps.push(guarded(`network interface ${nameOfId(m.nicId)}`, m.nicId, NETWORK_API_VERSION, () => resources.resources.beginDeleteByIdAndWait(m.nicId!, NETWORK_API_VERSION)));
  // Once the NIC that uses them is gone (Azure refuses to delete them while in use).
  for (const [what, id] of [['public IP', m.publicIpId], ['network security group', m.nsgId]] as const) {
    if (id) steps.push(guarded(`${what} ${nameOfId(id)}`, id, NETWORK_API_VERSION, () => resources.resources.beginDeleteByIdAndWait(id, NETWORK_API_VERSION)));
  }
  if (m.diskId) {
    const diskId = m.diskId;
    const diskName = nameOfId(diskId);
    const diskRg = diskId.split('/')[4] ?? m.resourceGroup;
    steps.push(guarded(`disk access of ${diskName}`, diskId, DISK_API, () => compute.disks.beginRevokeAccessAndWait(diskRg, diskName), null));
    steps.push(guarded(`disk ${diskName}`, diskId, DISK_API, () => compute.disks.beginDeleteAndWait(diskRg, diskName)));
  }
  if (m.deploymentName) {
    const name = m.deploymentName;
    steps.push({
      what: `deployment ${name}`,
      async run() {
        const d = await resources.deployments.get(m.resourceGroup, name); // 404: gone is done
        if (!isOwned(d.tags, owner)) {
          leftAlone.push(`deployment ${name} (tags: ${describeTags(d.tags)})`);
          return;
        }
        await resources.deployments.beginDeleteAndWait(m.resourceGroup, name);
      },
    });
  }
  return steps;
}

/** Deletes a machine's resources that are the owner's (a failed deployment's); returns those left alone. */
export async function deleteMachine(clients: AzureClients, m: MachineResources, owner: Owner, progress: ProgressSink, signal?: AbortSignal): Promise<string[]> {
  const leftAlone: string[] = [];
  await runSteps(await machineDeleteSteps(clients, m, owner, leftAlone), progress, signal);
  return leftAlone;
}

export async function cleanupAfterFinalize(clients: AzureClients, req: FinalizeRequest, progress: ProgressSink): Promise<void> {
  const layer = { id: req.layer.id, version: req.layer.version };
  const steps: Step[] = [];
  const leftAlone: string[] = [];
  if (!req.keepMachine) {
    // The operator's template names its resources: found by their tags only, never by derived names.
    const byTags = Boolean(clients.settings.machineTemplateSpec);
    const found = await findMachine(clients, byTags ? null : req.machine, layer);
    const recordedDeployment = req.machine?.resources?.deploymentName;
    const m = found && byTags && typeof recordedDeployment === 'string' ? { ...found, deploymentName: recordedDeployment } : found;
    if (m) steps.push(...(await machineDeleteSteps(clients, m, ownerOf(layer, m.tags), leftAlone)));
  }
  const container = await clients.container();
  steps.push({ what: `deployment template ${templateBlobName(layer)}`, run: () => container.getBlobClient(templateBlobName(layer)).deleteIfExists() });
  const disk = blobPathOf(clients.settings, req.disk.location);
  if (disk) {
    const blob = (await clients.blobService()).getContainerClient(disk.container).getBlobClient(disk.blobName);
    steps.push({ what: `packaging disk ${req.disk.location}`, run: () => blob.deleteIfExists({ deleteSnapshots: 'include' }) });
  }
  await runSteps(steps, progress, req.signal);
  if (leftAlone.length) progress(1, `Cleanup: left alone, not this layer version's: ${leftAlone.join('; ')}`);
  if (req.keepMachine) return;
  const left = await taggedResourcesInSubscription(clients, layer.id, layer.version).catch((e) => {
    throw platformError('Listing what is left of the packaging machine', e);
  });
  if (left.length)
    throw new ElmError(
      `Cleanup left ${counted(left.length, 'resource')} tagged for this layer version in ${groupsOf(left)}: ` +
        `${left.map((r) => r.id).join(', ')}. Delete them (Azure portal or az resource delete --ids …), then elm task resume ${req.taskId}.`,
    );
}

/** "resource group a" or "resource groups a, b": where what is left lives. */
function groupsOf(left: { id: string }[]): string {
  const groups = [...new Set(left.map((r) => resourceGroupOfId(r.id) ?? '?'))];
  return `${groups.length === 1 ? 'resource group' : 'resource groups'} ${groups.join(', ')}`;
}
