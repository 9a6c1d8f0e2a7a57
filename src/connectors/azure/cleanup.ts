/**
 * Removing the packaging machine and its disks after finalize (or after a failed deployment), in
 * dependency order: the VM, its NIC, its public IP and network security group (if any), its managed disk (access revoked first: a disk with an active
 * SAS cannot be deleted), the deployment record, the template blob and the packaging disk blob.
 * Each delete is idempotent (404 = done) and retried with back-off honouring Retry-After. Then
 * the resource group is listed for anything still tagged for this layer version: if something
 * remains, cleanup fails loudly, naming it.
 */
import { ElmError } from '../../domain/errors';
import type { FinalizeRequest, ProgressSink } from '../connector';
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import { blobPathOf, NETWORK_API_VERSION, templateBlobName } from './layout';
import { findMachine, nameOfId, taggedResources, type MachineResources } from './machine';
import { withRetry } from './retry';

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

/** The steps that delete a machine's resources, in order (VM, NIC, disk, deployment). */
export async function machineDeleteSteps(clients: AzureClients, m: MachineResources): Promise<Step[]> {
  const compute = await clients.compute();
  const resources = await clients.resources();
  const steps: Step[] = [{ what: `VM ${m.vmName}`, run: () => compute.virtualMachines.beginDeleteAndWait(m.resourceGroup, m.vmName) }];
  if (m.nicId) steps.push({ what: `network interface ${nameOfId(m.nicId)}`, run: () => resources.resources.beginDeleteByIdAndWait(m.nicId!, NETWORK_API_VERSION) });
  // Once the NIC that uses them is gone (Azure refuses to delete them while in use).
  for (const [what, id] of [['public IP', m.publicIpId], ['network security group', m.nsgId]] as const) {
    if (id) steps.push({ what: `${what} ${nameOfId(id)}`, run: () => resources.resources.beginDeleteByIdAndWait(id, NETWORK_API_VERSION) });
  }
  if (m.diskId) {
    const diskName = nameOfId(m.diskId);
    const diskRg = m.diskId.split('/')[4] ?? m.resourceGroup;
    steps.push({ what: `disk access of ${diskName}`, run: () => compute.disks.beginRevokeAccessAndWait(diskRg, diskName) });
    steps.push({ what: `disk ${diskName}`, run: () => compute.disks.beginDeleteAndWait(diskRg, diskName) });
  }
  if (m.deploymentName) {
    const name = m.deploymentName;
    steps.push({ what: `deployment ${name}`, run: () => resources.deployments.beginDeleteAndWait(m.resourceGroup, name) });
  }
  return steps;
}

/** Deletes a machine's resources (a failed deployment's leftovers). */
export async function deleteMachine(clients: AzureClients, m: MachineResources, progress: ProgressSink, signal?: AbortSignal): Promise<void> {
  await runSteps(await machineDeleteSteps(clients, m), progress, signal);
}

export async function cleanupAfterFinalize(clients: AzureClients, req: FinalizeRequest, progress: ProgressSink): Promise<void> {
  const layer = { id: req.layer.id, version: req.layer.version };
  const steps: Step[] = [];
  if (!req.keepMachine) {
    const m = await findMachine(clients, req.machine, layer);
    if (m) steps.push(...(await machineDeleteSteps(clients, m)));
  }
  const container = await clients.container();
  steps.push({ what: `deployment template ${templateBlobName(layer)}`, run: () => container.getBlobClient(templateBlobName(layer)).deleteIfExists() });
  const disk = blobPathOf(clients.settings, req.disk.location);
  if (disk) {
    const blob = (await clients.blobService()).getContainerClient(disk.container).getBlobClient(disk.blobName);
    steps.push({ what: `packaging disk ${req.disk.location}`, run: () => blob.deleteIfExists({ deleteSnapshots: 'include' }) });
  }
  await runSteps(steps, progress, req.signal);
  if (req.keepMachine) return;
  const left = await taggedResources(clients, layer.id, layer.version).catch((e) => {
    throw platformError('Listing what is left of the packaging machine', e);
  });
  if (left.length)
    throw new ElmError(
      `Cleanup left ${left.length} resource(s) tagged for this layer version in resource group ${clients.settings.resourceGroup}: ` +
        `${left.map((r) => r.id).join(', ')}. Delete them (Azure portal or az resource delete --ids …), then elm task resume ${req.taskId}.`,
    );
}
