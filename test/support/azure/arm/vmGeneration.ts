/**
 * How a VM boots the OS disk it attaches, as Azure decides it:
 * - the VM's generation is its OS disk's `hyperVGeneration` (a VM created by attaching a disk has
 *   no generation of its own; Azure docs "Support for generation 2 VMs on Azure": the generation
 *   of a VM made from a managed disk is the disk's); the size must boot that generation;
 * - Trusted Launch needs a generation 2 OS disk created for it (`securityProfile.securityType
 *   TrustedLaunch` on the disk), and a disk created for it attaches only to a Trusted Launch VM
 *   (Azure docs "Trusted launch for Azure virtual machines", deploy from an OS disk);
 * - Azure does not look inside the disk: a GPT disk (protective MBR, type 0xEE) marked V1 is
 *   accepted, the VM starts and the guest never boots (BIOS finds no bootable partition), and an
 *   MBR disk marked V2 has no EFI system partition for UEFI. The VM agent then never reports
 *   Ready, and Run Command cannot reach the guest (VMAgentStatusCommunicationError).
 */
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import type { FakeResource } from '../inventory';
import { dig } from './common';
import { trustedLaunchDisabled, vmPlacementProblem } from './computeCatalog';

export type Generation = 'V1' | 'V2';

/** The licence types Azure accepts on a VM (VirtualMachineProperties.licenseType). */
const LICENSE_TYPES = ['Windows_Client', 'Windows_Server', 'RHEL_BYOS', 'SLES_BYOS', 'None'];

export function diskGeneration(disk: FakeResource): Generation {
  return String(disk.properties.hyperVGeneration ?? 'V1').toUpperCase() === 'V2' ? 'V2' : 'V1';
}

function diskSecurityType(disk: FakeResource): string {
  return String(dig(disk.properties, 'securityProfile', 'securityType') ?? 'Standard');
}

/** Why Azure refuses to create this VM on this disk, or null. */
export function vmCreationProblem(cloud: FakeCloud, vm: { name: string; vmSize: string; location: string; properties: Record<string, unknown> }, disk: FakeResource): ArmError | null {
  const generation = diskGeneration(disk);
  const licenseType = vm.properties.licenseType;
  if (licenseType !== undefined && !LICENSE_TYPES.includes(String(licenseType))) {
    return armErrors.invalidParameter(`The value '${String(licenseType)}' of parameter 'licenseType' is not valid. Allowed values: ${LICENSE_TYPES.join(', ')}.`, 'licenseType');
  }
  const securityType = String(dig(vm.properties, 'securityProfile', 'securityType') ?? 'Standard');
  if (!['Standard', 'TrustedLaunch'].includes(securityType)) {
    return armErrors.invalidParameter(`The ARM fake knows securityType Standard and TrustedLaunch, not '${securityType}'.`, 'securityProfile.securityType');
  }
  if (securityType === 'TrustedLaunch' && generation !== 'V2') {
    return new ArmError(400, 'BadRequest', `Trusted Launch is supported for generation 2 VMs only; the OS disk '${disk.name}' is hyperVGeneration '${generation}'.`);
  }
  // "Trusted launch for Azure VMs" (Microsoft Learn): a size without support is refused at creation.
  const sku = cloud.catalog.find(vm.vmSize);
  if (securityType === 'TrustedLaunch' && sku && trustedLaunchDisabled(sku)) {
    return new ArmError(400, 'BadRequest', `The VM size '${sku.name}' is not supported for creation of VMs and Virtual Machine Scale Set with 'TrustedLaunch' security type.`);
  }
  if (securityType !== diskSecurityType(disk)) {
    return new ArmError(
      400,
      'BadRequest',
      `Security type of VM '${vm.name}' (${securityType}) is not compatible with the security type of attached OS Disk '${disk.name}' (${diskSecurityType(disk)}).`,
    );
  }
  return vmPlacementProblem(cloud, { name: vm.name, vmSize: vm.vmSize, location: vm.location, generation });
}

/** Why a disk's own properties are refused at creation (generation and security type), or null. */
export function diskCreationProblem(properties: Record<string, unknown>): ArmError | null {
  const generation = properties.hyperVGeneration;
  if (generation !== undefined && !['V1', 'V2'].includes(String(generation))) {
    return armErrors.invalidParameter(`The value '${String(generation)}' of parameter 'hyperVGeneration' is not valid (V1 or V2).`, 'hyperVGeneration');
  }
  const securityType = dig(properties, 'securityProfile', 'securityType');
  if (securityType !== undefined && securityType !== 'TrustedLaunch') {
    return armErrors.invalidParameter(`The ARM fake imports disks with securityProfile.securityType TrustedLaunch or none, not '${String(securityType)}'.`, 'securityProfile.securityType');
  }
  if (securityType === 'TrustedLaunch' && String(generation ?? 'V1') !== 'V2') {
    return armErrors.invalidParameter(`A disk with security type TrustedLaunch must be hyperVGeneration V2.`, 'securityProfile.securityType');
  }
  return null;
}

/** VMs whose guest did not boot, and why (keyed by the VM's runtime state). */
const unbooted = new WeakMap<object, string>();

/** Reads the attached disk's first sector, as the firmware would, and remembers a boot failure. */
export async function bootGuest(cloud: FakeCloud, vmState: object, disk: FakeResource): Promise<void> {
  if (!disk.disk) return;
  const sector = await cloud.requireDiskBlobs().read(disk.disk.blobName, 0, 512);
  const why = bootFailure(diskGeneration(disk), sector);
  if (why) unbooted.set(vmState, why);
  else unbooted.delete(vmState);
}

export function bootFailure(generation: Generation, sector: Buffer): string | null {
  if (sector.length < 512 || sector[510] !== 0x55 || sector[511] !== 0xaa) return null; // no partition table: the fake cannot tell
  const gpt = [0, 1, 2, 3].some((i) => sector[446 + i * 16 + 4] === 0xee);
  if (gpt && generation === 'V1') return 'the OS disk is GPT (protective MBR) and the VM is generation 1: BIOS finds no bootable partition';
  if (!gpt && generation === 'V2') return 'the OS disk is MBR and the VM is generation 2: UEFI finds no EFI system partition';
  return null;
}

export function guestBootFailure(vmState: object | undefined): string | undefined {
  return vmState ? unbooted.get(vmState) : undefined;
}

/** Run Command reaches the guest through the VM agent: a guest that never booted has none. */
export function refuseUnbootedGuest(vm: FakeResource): void {
  const why = guestBootFailure(vm.vm);
  if (why) {
    throw new ArmError(
      409,
      'VMAgentStatusCommunicationError',
      `VM '${vm.name}' has not reported status for VM agent or extensions. Verify that the OS is up and healthy, the VM has a running VM agent, and that it can establish outbound connections to Azure storage. (ARM fake: ${why}; see the boot diagnostics screenshot.)`,
    );
  }
}
