/**
 * Microsoft.Compute/virtualMachines: VMs that attach an existing managed OS disk and NICs.
 *   GET  /…/virtualMachines[/{vm}]           (`$expand=instanceView` adds statuses incl. PowerState/…)
 *   GET  /…/virtualMachines/{vm}/instanceView
 *   POST /…/virtualMachines/{vm}/start|powerOff|deallocate|restart   (long-running)
 *   POST /…/virtualMachines/{vm}/runCommand                          (long-running, see runCommand.ts)
 *   DELETE /…/virtualMachines/{vm}           (long-running; the OS disk and NICs are deleted when
 *                                             their deleteOption is Delete, else detached)
 * While an operation runs the VM shows the transient state (starting, stopping, deallocating).
 */
import { randomUUID } from 'node:crypto';
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import { FakeRequest, jsonBody, Router } from '../http';
import type { FakeResource, PowerState } from '../inventory';
import { dig, isObject, requireLocation, requireResource, requireResourceGroup, resourceBody, regionalOperation } from './common';
import { DISK_TYPE } from './disks';
import { NIC_TYPE } from './network';
import { deleteResource, type ProvisionInput, type Provisioner } from './provisioners';
import { childrenOf, removeRunCommand } from './managedRunCommands';
import { ACTION_EXTENSION, recordActionScript, recordStopped, removeExtensionFiles } from './guestDownloads';
import { agentNotReady, invokeHandler, runCommandResult, runCommandTimedOut, SUPPORTED_COMMANDS } from './runCommand';
import { bootGuest, diskGeneration, guestBootFailure, refuseUnbootedGuest, vmCreationProblem } from './vmGeneration';

export const VM_TYPE = 'Microsoft.Compute/virtualMachines';
const RG = '/subscriptions/{sub}/resourceGroups/{rg}/providers';
const VM = `${RG}/Microsoft.Compute/virtualMachines/{vm}`;

const DISPLAY: Record<PowerState, string> = {
  starting: 'VM starting',
  running: 'VM running',
  stopping: 'VM stopping',
  stopped: 'VM stopped',
  deallocating: 'VM deallocating',
  deallocated: 'VM deallocated',
};

export function virtualMachineRoutes(cloud: FakeCloud, router: Router): void {
  router.add('GET', VM, (req) => {
    const vm = requireVm(cloud, req);
    const expand = (req.query.get('$expand') ?? '').toLowerCase();
    return { status: 200, body: vmBody(cloud, vm, expand === 'instanceview') };
  });
  router.add('GET', `${VM}/instanceView`, (req) => ({ status: 200, body: instanceView(cloud, requireVm(cloud, req)) }));
  router.add('GET', `${RG}/Microsoft.Compute/virtualMachines`, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    return { status: 200, body: { value: cloud.inventory.list({ resourceGroup: req.params.rg, type: VM_TYPE }).map((v) => vmBody(cloud, v, false)) } };
  });

  router.add('POST', `${VM}/start`, (req) => {
    const vm = requireVm(cloud, req);
    const exported = attachedDisks(cloud, vm).find((d) => d.disk?.activeSas);
    if (exported) {
      throw new ArmError(409, 'OperationNotAllowed', `Cannot start VM '${vm.name}' while its disk '${exported.name}' has an active SAS (diskState ActiveSAS).`);
    }
    return powerAction(cloud, req, vm, 'starting', 'running');
  });
  router.add('POST', `${VM}/powerOff`, (req) => {
    const vm = requireVm(cloud, req);
    return powerAction(cloud, req, vm, 'stopping', vm.vm?.powerState === 'deallocated' ? 'deallocated' : 'stopped');
  });
  router.add('POST', `${VM}/deallocate`, (req) => powerAction(cloud, req, requireVm(cloud, req), 'deallocating', 'deallocated'));
  router.add('POST', `${VM}/restart`, (req) => {
    const vm = requireVm(cloud, req);
    if (vm.vm?.powerState !== 'running') {
      throw armErrors.operationNotAllowed(`Operation 'restart' is not allowed on VM '${vm.name}' since the VM is ${vm.vm?.powerState}.`);
    }
    return powerAction(cloud, req, vm, 'starting', 'running');
  });

  router.add('POST', `${VM}/runCommand`, (req) => runCommand(cloud, req));
  router.add('DELETE', `${VM}/extensions/{name}`, (req) => deleteExtension(cloud, req));

  router.add('DELETE', VM, (req) => {
    requireResourceGroup(cloud, req.params.rg);
    const vm = cloud.inventory.find(req.params.rg, VM_TYPE, req.params.vm);
    if (!vm) return { status: 204 };
    return regionalOperation(cloud, req, 'Microsoft.Compute', vm, {
      work: async () => {
        const current = cloud.inventory.get(vm.id);
        if (current) await deleteVm(cloud, current);
        return undefined;
      },
    });
  });
}

function requireVm(cloud: FakeCloud, req: FakeRequest): FakeResource {
  return requireResource(cloud, req.params.rg, VM_TYPE, req.params.vm);
}

function powerAction(cloud: FakeCloud, req: FakeRequest, vm: FakeResource, transient: PowerState, final: PowerState) {
  const state = vm.vm!;
  const before = state.powerState;
  const response = regionalOperation(cloud, req, 'Microsoft.Compute', vm, {
    work: () => {
      state.powerState = final;
      if (final === 'stopped' || final === 'deallocated') recordStopped(cloud, vm.name);
      return undefined;
    },
    onFailed: () => {
      state.powerState = before;
    },
  });
  if (before !== final) state.powerState = transient;
  return response;
}

/**
 * DELETE …/virtualMachines/{vm}/extensions/{name} (VirtualMachineExtensions_Delete, long-running):
 * the agent uninstalls it (arm/guestDownloads.ts). Only the action Run Command's extension is known
 * to the fake; an extension change needs the VM running, and one not there is a 204.
 */
function deleteExtension(cloud: FakeCloud, req: FakeRequest) {
  const vm = requireVm(cloud, req);
  const state = vm.vm!;
  if (state.powerState !== 'running')
    throw armErrors.operationNotAllowed(`Cannot modify extensions in the VM when the VM is not running. VM '${vm.name}' is ${state.powerState}.`);
  if (state.agentNotReady) throw agentNotReady(vm.name);
  const name = req.params.name;
  const ran = cloud.runCommandLog.some((r) => r.vmName.toLowerCase() === vm.name.toLowerCase());
  if (name.toLowerCase() !== ACTION_EXTENSION.toLowerCase() || !ran) return { status: 204 };
  return regionalOperation(cloud, req, 'Microsoft.Compute', vm, {
    work: () => {
      removeExtensionFiles(cloud, vm.name, ACTION_EXTENSION);
      return undefined;
    },
  });
}

function runCommand(cloud: FakeCloud, req: FakeRequest) {
  const vm = requireVm(cloud, req);
  const body = jsonBody(req);
  const commandId = String(body.commandId ?? '');
  const osFamily = SUPPORTED_COMMANDS[commandId];
  if (!osFamily) {
    throw armErrors.invalidParameter(`The value '${commandId}' of parameter 'commandId' is not valid. The ARM fake knows ${Object.keys(SUPPORTED_COMMANDS).join(', ')}.`, 'commandId');
  }
  const osType = String(dig(vm.properties, 'storageProfile', 'osDisk', 'osType') ?? 'Windows');
  if (osType.toLowerCase() !== osFamily.toLowerCase()) {
    throw new ArmError(409, 'OperationNotAllowed', `Run command '${commandId}' is not supported on a ${osType} VM.`);
  }
  const state = vm.vm!;
  if (state.powerState !== 'running') {
    throw armErrors.operationNotAllowed(`The operation requires the VM to be running (or set to run). VM '${vm.name}' is ${state.powerState}.`);
  }
  if (state.agentNotReady) throw agentNotReady(vm.name);
  refuseUnbootedGuest(vm);
  if (state.runCommandBusy) {
    throw armErrors.conflict('Run command extension execution is in progress. Please wait for completion before invoking a run command.');
  }
  const script = (Array.isArray(body.script) ? body.script : []).map(String).join('\n');
  const parameters: Record<string, string> = {};
  for (const p of Array.isArray(body.parameters) ? body.parameters : []) {
    if (isObject(p)) parameters[String(p.name)] = String(p.value ?? '');
  }
  cloud.runCommandLog.push({ vmName: vm.name, resourceGroup: vm.resourceGroup, commandId, script, parameters, at: new Date().toISOString() });
  recordActionScript(cloud, vm.name, script);
  state.runCommandBusy = true;
  const handler = cloud.runCommandHandlers.get(vm.name.toLowerCase()) ?? cloud.runCommandHandlers.get('*');
  return regionalOperation(cloud, req, 'Microsoft.Compute', vm, {
    outputInStatus: true,
    work: async () => {
      let shutdown = false;
      let timer: NodeJS.Timeout | undefined;
      const limitMs = cloud.runCommandLimitMs;
      const killed = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(runCommandTimedOut(limitMs)), limitMs);
      });
      try {
        const run = invokeHandler(handler, script, parameters, {
          vmName: vm.name,
          resourceGroup: vm.resourceGroup,
          commandId,
          vm: {
            get powerState() {
              return state.powerState;
            },
            shutdown: () => {
              shutdown = true;
            },
          },
        });
        run.catch(() => undefined); // a killed run's late failure is nobody's
        return runCommandResult(await Promise.race([run, killed]));
      } finally {
        clearTimeout(timer);
        state.runCommandBusy = false;
        if (shutdown) {
          state.powerState = 'stopped';
          recordStopped(cloud, vm.name);
        }
      }
    },
    onFailed: () => {
      state.runCommandBusy = false;
    },
  });
}

function attachedDisks(cloud: FakeCloud, vm: FakeResource): FakeResource[] {
  const id = dig(vm.properties, 'storageProfile', 'osDisk', 'managedDisk', 'id');
  const disk = typeof id === 'string' ? cloud.inventory.get(id) : undefined;
  return disk ? [disk] : [];
}

export function instanceView(cloud: FakeCloud, vm: FakeResource): Record<string, unknown> {
  const ps = vm.vm?.powerState ?? 'running';
  const time = new Date().toISOString();
  const disk = attachedDisks(cloud, vm)[0];
  const noBoot = guestBootFailure(vm.vm);
  const transient = ps === 'starting' || ps === 'stopping' || ps === 'deallocating';
  const provisioning = transient
    ? { code: 'ProvisioningState/updating', level: 'Info', displayStatus: 'Updating' }
    : { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time };
  return {
    computerName: vm.name,
    osName: 'Windows Server 2022 Datacenter',
    hyperVGeneration: disk ? diskGeneration(disk) : 'V1',
    ...(ps === 'running' && vm.vm?.agentNotReady
      ? {
          // What a VM without a working agent shows (Troubleshoot the Azure Windows VM Agent).
          vmAgent: {
            vmAgentVersion: 'Unknown',
            statuses: [{ code: 'ProvisioningState/Unavailable', level: 'Warning', displayStatus: 'Not Ready', message: 'VM status blob is found but not yet populated.', time }],
          },
        }
      : ps === 'running'
      ? {
          vmAgent: noBoot
            ? {
                vmAgentVersion: 'Unknown',
                statuses: [{ code: 'ProvisioningState/Unavailable', level: 'Warning', displayStatus: 'Not Ready', message: 'VM status blob is found but not yet populated.', time }],
              }
            : {
                vmAgentVersion: '2.7.41491.1102',
                statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Ready', message: 'GuestAgent is running and processing the extensions.', time }],
              },
        }
      : {}),
    disks: attachedDisks(cloud, vm).map((d) => ({
      name: d.name,
      statuses: [{ code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', time }],
    })),
    statuses: [provisioning, { code: `PowerState/${ps}`, level: 'Info', displayStatus: DISPLAY[ps] }],
  };
}

export function vmBody(cloud: FakeCloud, vm: FakeResource, withInstanceView: boolean): Record<string, unknown> {
  return resourceBody(vm, { ...vm.properties, ...(withInstanceView ? { instanceView: instanceView(cloud, vm) } : {}) });
}

async function deleteVm(cloud: FakeCloud, vm: FakeResource): Promise<void> {
  // Child resources (managed run commands) go with the VM; a running script ends with it.
  for (const rc of childrenOf(cloud, vm)) removeRunCommand(cloud, rc);
  const osDisk = dig(vm.properties, 'storageProfile', 'osDisk');
  const diskId = dig(osDisk, 'managedDisk', 'id');
  const disk = typeof diskId === 'string' ? cloud.inventory.get(diskId) : undefined;
  if (disk) {
    disk.managedBy = undefined;
    if (String(dig(osDisk, 'deleteOption') ?? '').toLowerCase() === 'delete') {
      await deleteResource(cloud, disk);
    }
  }
  const nics = dig(vm.properties, 'networkProfile', 'networkInterfaces');
  for (const ref of Array.isArray(nics) ? nics : []) {
    const nic = cloud.inventory.get(String(dig(ref, 'id')));
    if (!nic) continue;
    delete nic.properties.virtualMachine;
    if (String(dig(ref, 'properties', 'deleteOption') ?? '').toLowerCase() === 'delete') cloud.inventory.remove(nic.id);
  }
  cloud.inventory.remove(vm.id);
}

/**
 * A PUT on an existing VM replaces what it may change (Virtual Machines - Create Or Update): tags,
 * hardwareProfile.vmSize (a resize), licenseType, diagnosticsProfile. What Azure refuses is
 * refused, 409 PropertyChangeNotAllowed "Changing property 'osDisk.X' is not allowed." with the
 * target: osDisk.name (hashicorp/terraform-provider-azurerm#16323), osDisk.createOption
 * (Azure/azure-powershell#7621), osDisk.osType (MicrosoftDocs/azure-docs.es-es#132); another
 * osDisk storage account type is 409 OperationNotAllowed "Managed disk storage account type change
 * through Virtual Machine … is not allowed" (terraform-provider-azurerm#921). Another OS disk or
 * another set of NICs (a swap, on a deallocated VM only) the fake does not model: refused.
 */
function updateVm(cloud: FakeCloud, existing: FakeResource, input: ProvisionInput): FakeResource {
  const p = input.properties;
  const before = dig(existing.properties, 'storageProfile', 'osDisk');
  const after = dig(p, 'storageProfile', 'osDisk');
  const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : undefined);
  for (const key of ['name', 'createOption', 'osType']) {
    const given = lower(dig(after, key));
    if (given !== undefined && given !== lower(dig(before, key))) {
      const message = `Changing property 'osDisk.${key}' is not allowed.`;
      throw new ArmError(409, 'PropertyChangeNotAllowed', message, [{ code: 'PropertyChangeNotAllowed', message, target: `osDisk.${key}` }]);
    }
  }
  const accountType = lower(dig(after, 'managedDisk', 'storageAccountType'));
  // The attached disk's sku now (it may have changed on the disk itself).
  const disk = cloud.inventory.get(String(dig(before, 'managedDisk', 'id') ?? ''));
  const current = lower((disk?.sku as { name?: string } | undefined)?.name) ?? lower(dig(before, 'managedDisk', 'storageAccountType'));
  if (accountType !== undefined && accountType !== current) {
    throw new ArmError(409, 'OperationNotAllowed', `Managed disk storage account type change through Virtual Machine '${existing.name}' is not allowed. Please update disk resource at ${String(dig(before, 'managedDisk', 'id'))}.`);
  }
  const ids = (v: unknown) => (Array.isArray(v) ? v.map((r) => lower(dig(r, 'id'))).sort().join(',') : '');
  if (lower(dig(after, 'managedDisk', 'id')) !== lower(dig(before, 'managedDisk', 'id')) || ids(dig(p, 'networkProfile', 'networkInterfaces')) !== ids(dig(existing.properties, 'networkProfile', 'networkInterfaces'))) {
    throw armErrors.invalidParameter(`The ARM fake does not swap the OS disk or the network interfaces of an existing VM ('${existing.name}').`, 'storageProfile.osDisk.managedDisk.id');
  }
  const vmSize = dig(p, 'hardwareProfile', 'vmSize');
  if (typeof vmSize !== 'string' || !vmSize) throw armErrors.invalidParameter("Required parameter 'hardwareProfile.vmSize' is missing (null).", 'hardwareProfile.vmSize');
  const { licenseType: _l, diagnosticsProfile: _d, ...kept } = existing.properties;
  return {
    ...existing,
    tags: input.tags,
    deployment: input.deploymentName,
    properties: {
      ...kept,
      hardwareProfile: { vmSize },
      ...(p.diagnosticsProfile ? { diagnosticsProfile: p.diagnosticsProfile } : {}),
      ...(p.licenseType !== undefined ? { licenseType: p.licenseType } : {}),
    },
  };
}

export const virtualMachineProvisioner: Provisioner = {
  type: VM_TYPE,
  async create(cloud, input, existing) {
    if (existing) return updateVm(cloud, existing, input);
    const location = requireLocation(input.location, input.name);
    const p = input.properties;
    const vmSize = dig(p, 'hardwareProfile', 'vmSize');
    if (typeof vmSize !== 'string' || !vmSize) {
      throw armErrors.invalidParameter("Required parameter 'hardwareProfile.vmSize' is missing (null).", 'hardwareProfile.vmSize');
    }
    const osDisk = dig(p, 'storageProfile', 'osDisk');
    const createOption = String(dig(osDisk, 'createOption') ?? '');
    if (createOption.toLowerCase() !== 'attach') {
      throw armErrors.invalidParameter(`The ARM fake creates VMs from an existing OS disk only (osDisk.createOption 'Attach'; got '${createOption}').`, 'osDisk.createOption');
    }
    const diskId = String(dig(osDisk, 'managedDisk', 'id') ?? '');
    const disk = cloud.inventory.get(diskId);
    if (!disk || disk.type.toLowerCase() !== DISK_TYPE.toLowerCase()) {
      throw new ArmError(404, 'NotFound', `Disk '${diskId}' referenced by virtual machine '${input.name}' was not found.`);
    }
    if (disk.location !== location) {
      throw armErrors.invalidParameter(`Disk '${disk.name}' is in location '${disk.location}', which is not the VM's location '${location}'.`, 'osDisk.managedDisk.id');
    }
    if (disk.managedBy) {
      throw new ArmError(409, 'OperationNotAllowed', `Disk '${disk.name}' is already attached to VM '${disk.managedBy}'.`);
    }
    const refusal = vmCreationProblem(cloud, { name: input.name, vmSize, location, properties: p }, disk);
    if (refusal) throw refusal;
    const osType = dig(osDisk, 'osType') ?? disk.properties.osType;
    if (!osType) throw armErrors.invalidParameter("Required parameter 'osDisk.osType' is missing (null).", 'osDisk.osType');

    const nicRefs = dig(p, 'networkProfile', 'networkInterfaces');
    if (!Array.isArray(nicRefs) || nicRefs.length === 0) {
      throw armErrors.invalidParameter('Virtual machine must have at least one network interface.', 'networkProfile.networkInterfaces');
    }
    const nics = nicRefs.map((ref) => {
      const nicId = String(dig(ref, 'id') ?? '');
      const nic = cloud.inventory.get(nicId);
      if (!nic || nic.type.toLowerCase() !== NIC_TYPE.toLowerCase()) {
        throw new ArmError(400, 'InvalidResourceReference', `Resource ${nicId} referenced by resource ${input.id} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.`);
      }
      if (nic.location !== location) {
        throw new ArmError(400, 'InvalidResourceReference', `Network interface ${nicId} is in location '${nic.location}', not the VM's location '${location}'.`);
      }
      const usedBy = dig(nic.properties, 'virtualMachine', 'id');
      if (usedBy) throw new ArmError(400, 'NicInUse', `Network interface ${nicId} is in use by virtual machine ${String(usedBy)}.`);
      return { nic, ref };
    });

    // Attach.
    disk.managedBy = input.id;
    for (const { nic } of nics) nic.properties.virtualMachine = { id: input.id };
    const vmId = randomUUID();
    const vmState = { vmId, powerState: 'running' as PowerState, runCommandBusy: false };
    await bootGuest(cloud, vmState, disk);
    return {
      id: input.id,
      name: input.name,
      type: VM_TYPE,
      resourceGroup: input.resourceGroup,
      location,
      tags: input.tags,
      zones: input.zones,
      createdAt: new Date().toISOString(),
      deployment: input.deploymentName,
      vm: vmState,
      properties: {
        vmId,
        hardwareProfile: { vmSize },
        storageProfile: {
          osDisk: {
            osType,
            name: disk.name,
            createOption: 'Attach',
            caching: dig(osDisk, 'caching') ?? 'ReadWrite',
            managedDisk: { id: disk.id, storageAccountType: (disk.sku as { name?: string } | undefined)?.name ?? 'Standard_LRS' },
            deleteOption: dig(osDisk, 'deleteOption') ?? 'Detach',
            diskSizeGB: disk.properties.diskSizeGB,
          },
          dataDisks: [],
        },
        networkProfile: {
          networkInterfaces: nics.map(({ nic, ref }) => ({
            id: nic.id,
            ...(isObject(dig(ref, 'properties')) ? { properties: dig(ref, 'properties') } : {}),
          })),
        },
        ...(p.diagnosticsProfile ? { diagnosticsProfile: p.diagnosticsProfile } : {}),
        ...(p.licenseType !== undefined ? { licenseType: p.licenseType } : {}),
        ...(p.securityProfile ? { securityProfile: p.securityProfile } : {}),
        provisioningState: 'Succeeded',
        timeCreated: new Date().toISOString(),
      },
    };
  },
  async remove(cloud, vm) {
    await deleteVm(cloud, vm);
  },
};
