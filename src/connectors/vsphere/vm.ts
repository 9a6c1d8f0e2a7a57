/**
 * Virtual machines through /api/vcenter/vm: find by name, create, clone a template VM, deploy a
 * content-library template, disks and NICs, power, guest shutdown, delete. "Already so" answers
 * (powered on already, gone already) count as done, so every step can be run again.
 */
import { ElmError } from '../../domain/errors';
import { VsphereError } from './http';
import type { Named, NetworkInfo, Placement } from './inventory';
import type { VsphereSession } from './session';
import { startTask, waitForTask, type TaskWait } from './vcenterTask';

export type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

const vmPath = (vm: string, rest = '') => `/api/vcenter/vm/${encodeURIComponent(vm)}${rest}`;

/** The VM named `name` in the folder, or null. */
export async function findVm(s: VsphereSession, name: string, folder: Named): Promise<{ id: string; power: PowerState } | null> {
  const list = await s.get<{ vm: string; name: string; power_state: PowerState }[]>('/api/vcenter/vm', { names: name, folders: folder.id });
  const hit = list.find((v) => v.name === name);
  return hit ? { id: hit.vm, power: hit.power_state } : null;
}

/** The power state, or null when the VM no longer exists. */
export async function powerState(s: VsphereSession, vm: string): Promise<PowerState | null> {
  const r = await s.call<{ state: PowerState }>('GET', vmPath(vm, '/power'), { accept: [404] });
  return r.status === 404 ? null : r.value.state;
}

export interface DiskBacking {
  key: string;
  vmdkFile: string | null;
}

export async function listDisks(s: VsphereSession, vm: string): Promise<DiskBacking[]> {
  const keys = await s.get<{ disk: string }[]>(vmPath(vm, '/hardware/disk'));
  const out: DiskBacking[] = [];
  for (const { disk } of keys) {
    const info = await s.get<{ backing?: { vmdk_file?: string } }>(vmPath(vm, `/hardware/disk/${encodeURIComponent(disk)}`));
    out.push({ key: disk, vmdkFile: info.backing?.vmdk_file ?? null });
  }
  return out;
}

export async function attachDisk(s: VsphereSession, vm: string, vmdkFile: string): Promise<string> {
  return s.post<string>(vmPath(vm, '/hardware/disk'), { backing: { type: 'VMDK_FILE', vmdk_file: vmdkFile } });
}

/** Points the VM's first NIC at the configured network (a cloned template may sit on another one). */
export async function useNetwork(s: VsphereSession, vm: string, network: NetworkInfo): Promise<void> {
  const nics = await s.get<{ nic: string }[]>(vmPath(vm, '/hardware/ethernet'));
  if (nics.length === 0) return;
  const nic = nics[0].nic;
  const info = await s.get<{ backing?: { network?: string } }>(vmPath(vm, `/hardware/ethernet/${encodeURIComponent(nic)}`));
  if (info.backing?.network === network.id) return;
  await s.call('PATCH', vmPath(vm, `/hardware/ethernet/${encodeURIComponent(nic)}`), { body: { backing: { type: network.type, network: network.id }, start_connected: true } });
}

export interface NewVm {
  name: string;
  /** `[ds] path.vmdk`: the packaging disk, the machine's boot disk. */
  disk: string;
  placement: Placement;
  /** How the OS layer boots: the firmware its disk needs and its guest OS (recorded on the OS layer version). */
  os?: { firmware: 'BIOS' | 'EFI'; guestOs?: string };
}

/** What elm created packaging VMs with before OS layer versions recorded a guest OS: Windows Server 2016 or later. */
export const DEFAULT_GUEST_OS = 'WINDOWS_9_SERVER_64';

/**
 * A new VM with default hardware, the packaging disk and one NIC on the configured network. The
 * firmware is always given: left unset, vSphere picks the guest OS's recommended one (EFI for
 * Windows 10 / Server 2016 and later), which does not boot an MBR disk.
 */
export async function createVm(s: VsphereSession, spec: NewVm): Promise<string> {
  const p = spec.placement;
  return s.post<string>('/api/vcenter/vm', {
    name: spec.name,
    guest_OS: spec.os?.guestOs ?? DEFAULT_GUEST_OS,
    ...(spec.os ? { boot: { type: spec.os.firmware } } : {}),
    placement: { folder: p.folder.id, host: p.host.id, datastore: p.datastore.id },
    cpu: { count: 2 },
    memory: { size_MiB: 4096 },
    disks: [{ backing: { type: 'VMDK_FILE', vmdk_file: spec.disk } }],
    nics: [{ backing: { type: p.network.type, network: p.network.id }, start_connected: true }],
  });
}

/**
 * A clone of the template VM without its disks (the packaging disk, attached next, holds the OS
 * layer and is the boot disk): the template gives the hardware, the network is then set. Run as
 * a vCenter task and waited on: a clone can outlast any one request while vCenter finishes it anyway.
 */
export async function cloneVm(s: VsphereSession, spec: NewVm, source: string, wait: TaskWait): Promise<string> {
  const p = spec.placement;
  const disks = await listDisks(s, source);
  const body = {
    source,
    name: spec.name,
    placement: { folder: p.folder.id, host: p.host.id, datastore: p.datastore.id },
    disks_to_remove: disks.map((d) => d.key),
    power_on: false,
  };
  const task = await startTask(s, '/api/vcenter/vm', body, { action: 'clone' });
  return waitForTask<string>(s, task, wait);
}

/**
 * A VM deployed from a content-library VM template without its disks
 * (hardware_customization.disks_to_remove: "If unset, all disks will be copied"): the packaging
 * disk, attached next, is the boot disk. The deploy has no task form and answers when the VM is
 * there, so its request may wait as long as a task would (`timeoutMs`); a deploy whose answer
 * was lost leaves a disk-less VM, which deployMachine adopts.
 */
export async function deployFromLibrary(s: VsphereSession, spec: NewVm, item: string, timeoutMs: number): Promise<string> {
  const p = spec.placement;
  const template = await s.get<{ disks?: Record<string, unknown> }>(`/api/vcenter/vm-template/library-items/${encodeURIComponent(item)}`);
  return s.post<string>(
    `/api/vcenter/vm-template/library-items/${encodeURIComponent(item)}`,
    {
      name: spec.name,
      placement: { folder: p.folder.id, host: p.host.id },
      vm_home_storage: { datastore: p.datastore.id },
      disk_storage: { datastore: p.datastore.id },
      hardware_customization: { disks_to_remove: Object.keys(template.disks ?? {}) },
      powered_on: false,
    },
    { query: { action: 'deploy' }, timeoutMs },
  );
}

/** Sets the firmware (BIOS or EFI) of a powered-off VM: a clone keeps its template's otherwise. */
export async function setFirmware(s: VsphereSession, vm: string, firmware: 'BIOS' | 'EFI'): Promise<void> {
  const current = await s.get<{ type?: string }>(vmPath(vm, '/hardware/boot'));
  if (current.type !== firmware) await s.call('PATCH', vmPath(vm, '/hardware/boot'), { body: { type: firmware } });
}

export async function powerOn(s: VsphereSession, vm: string): Promise<void> {
  const r = await s.call('POST', vmPath(vm, '/power'), { query: { action: 'start' }, accept: [400] });
  if (r.status === 400) {
    const state = await powerState(s, vm);
    if (state !== 'POWERED_ON') throw new ElmError(`vCenter refused to power on ${vm} (it is ${state ?? 'gone'}).`);
  }
}

/** A clean shutdown through VMware Tools (the guest OS shuts down, like Stop-Computer). */
export async function shutdownGuest(s: VsphereSession, vm: string): Promise<void> {
  await s.post(vmPath(vm, '/guest/power'), undefined, { query: { action: 'shutdown' } });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the VM reaches `want` (or is gone); false when `timeoutMs` passed first. */
export async function waitForPower(s: VsphereSession, vm: string, want: PowerState, timeoutMs: number, pollMs = 1000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let wait = Math.min(200, pollMs);
  for (;;) {
    const state = await powerState(s, vm);
    if (state === want || state === null) return true;
    if (Date.now() >= deadline) return false;
    await sleep(wait);
    wait = Math.min(pollMs, wait * 2);
  }
}

/** A hard power-off (POST /api/vcenter/vm/{vm}/power?action=stop): for a machine being discarded. */
export async function powerOff(s: VsphereSession, vm: string): Promise<void> {
  // 400 ALREADY_IN_DESIRED_STATE: off already (vcenter vm power stop, errors).
  await s.call('POST', vmPath(vm, '/power'), { query: { action: 'stop' }, accept: [400] });
}

/** Deletes the VM (vCenter removes its files, attached disks included). Gone already: false. */
export async function deleteVm(s: VsphereSession, vm: string): Promise<boolean> {
  const state = await powerState(s, vm);
  if (state === null) return false;
  if (state !== 'POWERED_OFF')
    throw new ElmError(`The packaging machine ${vm} is ${state === 'POWERED_ON' ? 'powered on' : 'suspended'}; shut it down before it can be deleted.`);
  const r = await s.call('DELETE', vmPath(vm), { accept: [404] });
  return r.status !== 404;
}

/** Whether a vCenter error says the object is not there. */
export function isNotFound(e: unknown): boolean {
  return e instanceof VsphereError && e.status === 404 && e.errorType === 'NOT_FOUND';
}
