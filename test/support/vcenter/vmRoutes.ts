/**
 * Virtual machines of the vCenter fake and their routes (vSphere Automation API 7.0U2+):
 *   GET    /api/vcenter/vm?names=&folders=&datacenters=&hosts=&power_states=&vms=
 *          → [{ vm, name, power_state, cpu_count, memory_size_MiB }]
 *   POST   /api/vcenter/vm                      (CreateSpec)   → 201 "vm-N"
 *   POST   /api/vcenter/vm?action=clone         (CloneSpec)    → 200 "vm-N" once the clone is done;
 *          with &vmw-task=true → 200 "task-N" at once, the VM there when the task SUCCEEDED (cisTasks.ts)
 *   GET    /api/vcenter/vm/{vm}                 → Info (guest_OS, name, power_state, cpu, memory, disks{}, nics{}, ...)
 *   DELETE /api/vcenter/vm/{vm}                 → 204; 400 NOT_ALLOWED_IN_CURRENT_STATE while powered on.
 *          Deletes the VM's files like Destroy_Task: its .vmx, every attached disk (and extents),
 *          snapshot children and their base disks alike.
 *   GET    /api/vcenter/vm/{vm}/power           → { state }
 *   POST   /api/vcenter/vm/{vm}/power?action=start|stop|suspend|reset → 204
 *          (400 ALREADY_IN_DESIRED_STATE / NOT_ALLOWED_IN_CURRENT_STATE as vCenter answers)
 *   GET    /api/vcenter/vm/{vm}/guest/power     → { state, operations_ready, interactive_ops_ready }
 *   POST   /api/vcenter/vm/{vm}/guest/power?action=shutdown|reboot|standby → 204 (needs Tools; the
 *          VM reaches POWERED_OFF `guestShutdownMs` later)
 *   GET    /api/vcenter/vm/{vm}/guest/operations → { guest_operations_ready, interactive_guest_operations_ready }
 *   GET    /api/vcenter/vm/{vm}/tools           → { run_state, version_status, ... }
 *   GET    /api/vcenter/vm/{vm}/guest/identity  → { name, family, host_name, ip_address, ... } (503 without Tools)
 *   GET/POST /api/vcenter/vm/{vm}/hardware/disk, GET/DELETE .../disk/{disk}
 *   GET    /api/vcenter/vm/{vm}/hardware/ethernet, GET/PATCH .../ethernet/{nic}
 *   GET/PATCH /api/vcenter/vm/{vm}/hardware/boot { type: BIOS|EFI } (PATCH powered off only)
 *   GET    /api/vcenter/vm-template/library-items/{item} → Info (guest_OS, cpu, memory, disks{key}, nics{key})
 *   POST   /api/vcenter/vm-template/library-items/{item}?action=deploy (DeploySpec, hardware_customization.disks_to_remove) → 200 "vm-N"
 *   POST   /api/vcenter/vm-template/library-items (CreateSpec: source_vm, name, library, placement) → 201 "item id"
 *   DELETE /api/content/library/item/{item}     → 204: the item and its VM template's files
 *
 * Templates: `kind: 'vm'` is a powered-off source VM (listed by /api/vcenter/vm, cloned with
 * ?action=clone); `kind: 'library'` is a VM template in a content library (not a VM in the list:
 * found through /api/content/library/item, deployed through vm-template/library-items).
 * Inventory templates ("marked as template") are not reachable through the REST API at all.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatastoreFiles } from './datastoreFiles';
import { CisTasks } from './cisTasks';
import { Ctx, Route, VapiError, obj, queryList, sendJson, sendNoContent, str } from './http';
import { Datastore, Folder, Inventory, NetworkType, nextId, tooMany } from './inventory';
import { unknownGuestOs } from './guestOsIds';
import { chainOf } from './snapshots';
import { ESXI_DISK_TYPES, inspectVmdk, vmfsDescriptor } from './vmdk';

export type PowerState = 'POWERED_ON' | 'POWERED_OFF' | 'SUSPENDED';

export interface VmDisk {
  key: string;
  /** The file backing the disk now: a snapshot's child once one is taken (snapshots.ts). */
  vmdkFile: string;
  capacity: number;
  createType?: string;
  /** The snapshot chain under `vmdkFile`, base disk first (none without snapshots). */
  parents?: string[];
}
export interface VmNic { key: string; network: string; type: NetworkType; macAddress: string; startConnected: boolean }

export interface VmModel {
  id: string;
  name: string;
  guestOS: string;
  /**
   * BIOS or EFI. vSphere Automation API, Vcenter Vm Hardware Boot CreateSpec.type: "If unset,
   * defaults to a guest-specific type" (the guest OS descriptor's recommended firmware: EFI for
   * Windows 10 / Server 2016 and later), so a VM created without `boot` boots an MBR disk under EFI.
   */
  firmware: 'BIOS' | 'EFI';
  powerState: PowerState;
  datacenter: string;
  folder: string;
  host?: string;
  datastore: string;
  cpuCount: number;
  memoryMiB: number;
  disks: VmDisk[];
  nics: VmNic[];
  /** 'vm': a clone source listed as a VM; 'library': backing VM of a content-library template (hidden). */
  template?: 'vm' | 'library';
  /** `[ds] name/name.vmx` */
  vmx?: string;
  /** Power-on counter: a process started in an earlier boot never finishes. */
  boot: number;
  /** When the guest OS last started (power-on, reset, guest reboot): Win32_OperatingSystem.LastBootUpTime. */
  bootTime?: Date;
  toolsReadyAt?: number;
  shuttingDown: boolean;
  /** Between a guest reboot request and the guest's next boot (guest power state RESETTING). */
  rebooting?: boolean;
  hostName: string;
  ipAddress: string;
  /** The guest filesystem (guest operations). Key: normalized path. */
  guestFiles: Map<string, { path: string; content: Buffer }>;
}

/** How a test declares a pre-existing VM or template. Placement names default to the first ones. */
export interface VmSpec {
  name: string;
  kind?: 'vm' | 'library';
  /** Content library name for kind 'library' (default "elm-templates"). */
  library?: string;
  datacenter?: string;
  folder?: string;
  host?: string;
  datastore?: string;
  network?: string;
  guestOS?: string;
  firmware?: 'BIOS' | 'EFI';
  powerState?: PowerState;
  cpuCount?: number;
  memoryMiB?: number;
  /** Disk files already on the datastore: `[ds] path.vmdk` (or a path on the VM's datastore). */
  disks?: string[];
  /** Guest files present in the guest (path → content). */
  guestFiles?: Record<string, string | Buffer>;
}

export interface VmView {
  id: string;
  name: string;
  powerState: PowerState;
  guestOS: string;
  firmware: 'BIOS' | 'EFI';
  datacenter: string;
  folder: string;
  folderId: string;
  host?: string;
  datastore: string;
  template?: 'vm' | 'library';
  cpuCount: number;
  memoryMiB: number;
  disks: { key: string; vmdkFile: string; capacity: number; createType?: string }[];
  nics: { key: string; network: string; networkId: string; type: NetworkType }[];
  toolsRunning: boolean;
  guestFiles: string[];
  /** How many times the guest OS has started (power-on, reset, guest reboot). */
  boots: number;
}

export interface VmOptions {
  /** Delay between power-on and VMware Tools running (guest operations answer 503 before). */
  toolsStartMs: number;
  /**
   * Delay between VMware Tools running (soft power operations ready) and guest operations ready:
   * the two are reported apart (Vcenter Vm Guest Power Info.operations_ready, "ready to process
   * soft power operations", vs Vcenter Vm Guest Operations Info.guest_operations_ready, vSphere API
   * 7.0.2.0), and guest operations answer 503 until the latter.
   */
  guestOpsStartMs: number;
  /** Delay between a guest shutdown request (or a probe's power-off) and POWERED_OFF. */
  guestShutdownMs: number;
  /** Let VMs power on with hosted VMDK types (monolithicSparse, streamOptimized, ...). Default false. */
  acceptHostedDisks: boolean;
  /** The server's vSphere API version (AboutInfo.apiVersion): guest OS ids newer than it are refused. */
  apiVersion: string;
}

export function isWindows(vm: VmModel): boolean {
  return vm.guestOS.toUpperCase().startsWith('WINDOWS');
}

export class VmStore {
  readonly vms: VmModel[] = [];
  private timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly inventory: Inventory,
    private readonly files: DatastoreFiles,
    readonly options: VmOptions,
    private readonly tasks: CisTasks = new CisTasks(),
  ) {}

  schedule(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  byId(id: string): VmModel | undefined {
    return this.vms.find((v) => v.id === id);
  }

  /** VMs of the REST API (content-library template backings are not VMs there). */
  visible(id: string): VmModel {
    const vm = this.byId(id);
    if (!vm || vm.template === 'library') throw new VapiError(404, 'NOT_FOUND', `Virtual machine with identifier '${id}' does not exist.`, 'com.vmware.api.vcenter.vm.not_found');
    return vm;
  }

  byName(name: string): VmModel | undefined {
    return this.vms.find((v) => v.name === name && v.template !== 'library') ?? this.vms.find((v) => v.name === name);
  }

  toolsRunning(vm: VmModel): boolean {
    return vm.powerState === 'POWERED_ON' && vm.toolsReadyAt !== undefined && Date.now() >= vm.toolsReadyAt && !vm.shuttingDown;
  }

  /** Whether guest operations (processes, files, environment) are served: Tools run and their guest-operations side is up. */
  guestOpsReady(vm: VmModel): boolean {
    return this.toolsRunning(vm) && Date.now() >= vm.toolsReadyAt! + this.options.guestOpsStartMs;
  }

  setPowerState(vm: VmModel, state: PowerState): void {
    if (state === 'POWERED_ON' && vm.powerState !== 'POWERED_ON') this.booted(vm);
    if (state !== 'POWERED_ON') {
      vm.toolsReadyAt = undefined;
      vm.shuttingDown = false;
      vm.rebooting = false;
    }
    vm.powerState = state;
  }

  /** The guest OS starts: a new boot (processes of the last one are gone), Tools start a little later. */
  private booted(vm: VmModel): void {
    vm.boot += 1;
    vm.bootTime = new Date();
    vm.shuttingDown = false;
    vm.rebooting = false;
    vm.toolsReadyAt = Date.now() + this.options.toolsStartMs;
  }

  /**
   * A guest reboot through Tools: Tools stop at once (guest operations answer 503 until the guest
   * is back), the guest goes down for `guestShutdownMs`, then boots again with a new boot time.
   */
  guestReboot(vm: VmModel): void {
    vm.shuttingDown = true;
    vm.rebooting = true;
    const boot = vm.boot;
    this.schedule(this.options.guestShutdownMs, () => {
      if (vm.boot === boot && vm.powerState === 'POWERED_ON') this.booted(vm);
    });
  }

  /**
   * Guest-initiated power-off. A shutdown request stops Tools at once (`shuttingDown`); a process
   * that shuts the machine down leaves the guest answering until it goes off.
   */
  guestPowerOff(vm: VmModel, delayMs = this.options.guestShutdownMs, shuttingDownNow = true): void {
    if (shuttingDownNow) vm.shuttingDown = true;
    const boot = vm.boot;
    const done = () => {
      if (vm.boot === boot && vm.powerState === 'POWERED_ON') this.setPowerState(vm, 'POWERED_OFF');
    };
    if (delayMs <= 0) done();
    else this.schedule(delayMs, done);
  }

  // ---- setup -------------------------------------------------------------------------------

  addFromSpec(spec: VmSpec): VmModel {
    const dc = this.inventory.dcFor(spec.datacenter);
    const pick = <T extends { name: string; datacenter: string }>(list: T[], name: string | undefined, what: string): T => {
      const found = list.find((x) => x.datacenter === dc.id && (name === undefined || x.name === name));
      if (!found) throw new Error(`vcenter fake: ${what} ${name ?? '(any)'} not found in ${dc.name} for VM ${spec.name}`);
      return found;
    };
    const folder = spec.folder === undefined ? this.inventory.folder(dc.vmFolder)! : pick(this.inventory.folders.filter((f) => f.type === 'VIRTUAL_MACHINE'), spec.folder, 'folder');
    const ds = pick(this.inventory.datastores, spec.datastore, 'datastore');
    const host = this.inventory.hosts.find((h) => h.datacenter === dc.id && (spec.host === undefined || h.name === spec.host));
    const net = spec.network === undefined ? this.inventory.networks.find((n) => n.datacenter === dc.id) : pick(this.inventory.networks, spec.network, 'network');
    const vm = this.newVm({
      name: spec.name, guestOS: spec.guestOS ?? 'WINDOWS_9_SERVER_64', datacenter: dc.id, folder: folder.id,
      host: host?.id, datastore: ds.id, cpuCount: spec.cpuCount ?? 2, memoryMiB: spec.memoryMiB ?? 4096, firmware: spec.firmware ?? 'EFI',
    });
    vm.template = spec.kind;
    for (const d of spec.disks ?? []) {
      const file = d.startsWith('[') ? d : `[${ds.name}] ${d}`;
      vm.disks.push(this.diskFor(vm, file, false));
    }
    if (net) vm.nics.push(this.nicFor(vm, net.id, net.type));
    for (const [p, c] of Object.entries(spec.guestFiles ?? {})) setGuestFile(vm, p, c);
    if (spec.powerState) this.setPowerState(vm, spec.powerState);
    if (spec.kind === 'library') this.inventory.addLibraryItem(spec.library ?? 'elm-templates', spec.name, vm.id);
    return vm;
  }

  private newVm(p: Pick<VmModel, 'name' | 'guestOS' | 'firmware' | 'datacenter' | 'folder' | 'host' | 'datastore' | 'cpuCount' | 'memoryMiB'>): VmModel {
    const vm: VmModel = {
      ...p, id: nextId('vm'), powerState: 'POWERED_OFF', disks: [], nics: [], boot: 0, shuttingDown: false,
      hostName: p.name.replace(/[^A-Za-z0-9-]/g, '').slice(0, 15) || 'GUEST',
      ipAddress: `10.0.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 2}`,
      guestFiles: new Map(),
    };
    this.vms.push(vm);
    return vm;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private diskFor(vm: VmModel, vmdkFile: string, check = true): VmDisk {
    const key = nextKey(vm.disks, 2000);
    const resolved = this.files.resolveDsPath(vmdkFile, vm.datacenter);
    if (!resolved || !this.files.exists(resolved.localPath)) {
      if (check) throw new VapiError(404, 'NOT_FOUND', `File ${vmdkFile} was not found.`, 'com.vmware.api.vcenter.vm.hardware.disk.file_not_found');
      return { key, vmdkFile, capacity: 0 };
    }
    const info = inspectVmdk(resolved.localPath);
    if ('error' in info) {
      if (check) throw new VapiError(400, 'INVALID_ARGUMENT', `File ${vmdkFile} is not a virtual disk: ${info.error}.`);
      return { key, vmdkFile, capacity: 0 };
    }
    return { key, vmdkFile, capacity: info.capacityBytes, createType: info.createType };
  }

  private nicFor(vm: VmModel, network: string, type: NetworkType, startConnected = true): VmNic {
    const mac = `00:50:56:${randomBytes(3).toString('hex').match(/../g)!.join(':')}`;
    return { key: nextKey(vm.nics, 4000), network, type, macAddress: mac, startConnected };
  }

  private checkNetworkBacking(vm: VmModel, backing: Record<string, unknown> | undefined): { network: string; type: NetworkType } {
    const type = str(backing?.type) as NetworkType | undefined;
    const network = str(backing?.network);
    if (!type || !network) throw new VapiError(400, 'INVALID_ARGUMENT', 'nic backing needs type and network.');
    const net = this.inventory.network(network);
    if (!net || net.datacenter !== vm.datacenter) throw new VapiError(404, 'NOT_FOUND', `Network with identifier '${network}' does not exist.`);
    if (net.type !== type) throw new VapiError(400, 'INVALID_ARGUMENT', `Network '${network}' is a ${net.type}, not a ${type}.`);
    const host = vm.host ? this.inventory.host(vm.host) : undefined;
    // A VM's NIC can only use a network its host has (vSphere Networking: a port group exists per host,
    // or the host is a member of the distributed switch). The REST error's wording is inferred.
    if (host?.networks && !host.networks.includes(net.name))
      throw new VapiError(400, 'INVALID_ARGUMENT', `Network '${net.name}' is not available on host '${host.name}'.`);
    return { network, type };
  }

  /** A VM's files can only go on a datastore its host mounts (vSphere Storage; the REST error's wording is inferred). */
  private checkHostReaches(hostId: string | undefined, ds: Datastore): void {
    const host = hostId ? this.inventory.host(hostId) : undefined;
    if (host?.datastores && !host.datastores.includes(ds.name))
      throw new VapiError(400, 'INVALID_ARGUMENT', `Datastore '${ds.name}' is not accessible from host '${host.name}'.`);
  }

  private vmFolder(id: string | undefined, required: boolean): Folder | undefined {
    if (!id) {
      if (required) throw new VapiError(400, 'INVALID_ARGUMENT', 'placement.folder is required.');
      return undefined;
    }
    const f = this.inventory.folder(id);
    if (!f) throw new VapiError(404, 'NOT_FOUND', `Folder with identifier '${id}' does not exist.`);
    if (f.type !== 'VIRTUAL_MACHINE') throw new VapiError(400, 'INVALID_ARGUMENT', `Folder '${id}' is not a virtual machine folder.`);
    return f;
  }

  private datastoreArg(id: string | undefined, required: boolean): Datastore | undefined {
    if (!id) {
      if (required) throw new VapiError(400, 'INVALID_ARGUMENT', 'placement.datastore is required.');
      return undefined;
    }
    const ds = this.inventory.datastore(id);
    if (!ds) throw new VapiError(404, 'NOT_FOUND', `Datastore with identifier '${id}' does not exist.`);
    return ds;
  }

  private hostArg(id: string | undefined): string | undefined {
    if (!id) return undefined;
    const h = this.inventory.host(id);
    if (!h) throw new VapiError(404, 'NOT_FOUND', `Host with identifier '${id}' does not exist.`);
    if (h.connectionState !== 'CONNECTED') throw new VapiError(400, 'NOT_ALLOWED_IN_CURRENT_STATE', `Host '${id}' is ${h.connectionState}.`);
    return h.id;
  }

  private uniqueName(folder: string, name: string): void {
    if (this.vms.some((v) => v.folder === folder && v.name === name && v.template !== 'library')) {
      throw new VapiError(400, 'ALREADY_EXISTS', `The name '${name}' already exists.`, 'com.vmware.api.vcenter.vm.already_exists');
    }
  }

  /** Writes `[ds] name/name.vmx` (name_1/ ... when the folder is taken), as vCenter does. */
  private writeVmx(vm: VmModel): void {
    const ds = this.inventory.datastore(vm.datastore)!;
    for (let i = 0; ; i++) {
      const dir = i === 0 ? vm.name : `${vm.name}_${i}`;
      const rel = `${dir}/${vm.name}.vmx`;
      const local = this.files.localPath(ds, rel);
      if (fs.existsSync(local)) continue;
      fs.mkdirSync(path.dirname(local), { recursive: true });
      fs.writeFileSync(local, `displayName = "${vm.name}"\nguestOS = "${vm.guestOS}"\nnumvcpus = "${vm.cpuCount}"\nmemSize = "${vm.memoryMiB}"\n`);
      vm.vmx = `[${ds.name}] ${rel}`;
      return;
    }
  }

  private vmDirRel(vm: VmModel): string {
    return vm.vmx ? path.posix.dirname(vm.vmx.replace(/^\[[^\]]+\]\s*/, '')) : vm.name;
  }

  /** Copies the source's disks next to the new VM's .vmx (descriptor extents included). */
  private copyDisks(source: VmModel, target: VmModel, removed: string[]): void {
    const ds = this.inventory.datastore(target.datastore)!;
    const dir = this.vmDirRel(target);
    source.disks.filter((d) => !removed.includes(d.key)).forEach((d, i) => {
      const stem = i === 0 ? target.name : `${target.name}_${i}`;
      const rel = `${dir}/${stem}.vmdk`;
      const from = this.files.resolveDsPath(d.vmdkFile, source.datacenter);
      const to = this.files.localPath(ds, rel);
      if (from && this.files.exists(from.localPath)) {
        const info = inspectVmdk(from.localPath);
        let descriptor = fs.readFileSync(from.localPath);
        if (!('error' in info) && info.extents.length) {
          let text = descriptor.toString('latin1');
          info.extents.forEach((ext, j) => {
            const newExt = info.extents.length === 1 ? `${stem}-flat.vmdk` : `${stem}-f${String(j + 1).padStart(3, '0')}.vmdk`;
            fs.copyFileSync(path.join(path.dirname(from.localPath), ext), path.join(path.dirname(to), newExt));
            text = text.split(`"${ext}"`).join(`"${newExt}"`);
          });
          descriptor = Buffer.from(text, 'latin1');
        }
        fs.writeFileSync(to, descriptor);
      }
      target.disks.push({ ...d, key: nextKey(target.disks, 2000), vmdkFile: `[${ds.name}] ${rel}` });
    });
  }

  private powerOn(vm: VmModel): void {
    for (const d of vm.disks) {
      const resolved = this.files.resolveDsPath(d.vmdkFile, vm.datacenter);
      if (!resolved || !this.files.exists(resolved.localPath)) {
        throw new VapiError(500, 'ERROR', `Failed to power on: file ${d.vmdkFile} was not found.`);
      }
      const info = inspectVmdk(resolved.localPath);
      if ('error' in info) throw new VapiError(500, 'ERROR', `Failed to power on: ${d.vmdkFile}: ${info.error}.`);
      for (const ext of info.extents) {
        if (!fs.existsSync(path.join(path.dirname(resolved.localPath), ext))) {
          throw new VapiError(500, 'ERROR', `Failed to power on: extent "${ext}" of ${d.vmdkFile} was not found.`);
        }
      }
      if (!this.options.acceptHostedDisks && !ESXI_DISK_TYPES.has(info.createType)) {
        throw new VapiError(500, 'ERROR',
          `Failed to power on: unsupported or invalid disk type "${info.createType}" for ${d.vmdkFile}. ` +
          'Ensure that the disk has been imported (ESXi runs createType "vmfs"/"vmfsThin" descriptors with flat extents, ' +
          'not hosted sparse or stream-optimized files).');
      }
    }
    this.setPowerState(vm, 'POWERED_ON');
  }

  private destroy(vm: VmModel): void {
    const toDelete: string[] = [];
    for (const file of vm.disks.flatMap(chainOf)) {
      const r = this.files.resolveDsPath(file, vm.datacenter);
      if (!r) continue;
      const info = inspectVmdk(r.localPath);
      if (!('error' in info)) for (const ext of info.extents) toDelete.push(path.join(path.dirname(r.localPath), ext));
      toDelete.push(r.localPath);
    }
    if (vm.vmx) {
      const r = this.files.resolveDsPath(vm.vmx, vm.datacenter);
      if (r) toDelete.push(r.localPath);
    }
    const dirs = new Set<string>();
    for (const f of toDelete) {
      fs.rmSync(f, { force: true });
      dirs.add(path.dirname(f));
    }
    for (const d of dirs) {
      try {
        fs.rmdirSync(d); // only when empty
      } catch { /* not empty */ }
    }
    this.vms.splice(this.vms.indexOf(vm), 1);
    for (const item of this.inventory.libraryItems.filter((i) => i.sourceVm === vm.id)) {
      this.inventory.libraryItems.splice(this.inventory.libraryItems.indexOf(item), 1);
    }
  }

  view(vm: VmModel): VmView {
    const folder = this.inventory.folder(vm.folder);
    return {
      id: vm.id, name: vm.name, powerState: vm.powerState, guestOS: vm.guestOS, firmware: vm.firmware,
      datacenter: this.inventory.datacenter(vm.datacenter)?.name ?? vm.datacenter,
      folder: folder?.name ?? vm.folder, folderId: vm.folder,
      host: vm.host ? this.inventory.host(vm.host)?.name : undefined,
      datastore: this.inventory.datastore(vm.datastore)?.name ?? vm.datastore,
      template: vm.template, cpuCount: vm.cpuCount, memoryMiB: vm.memoryMiB,
      disks: vm.disks.map((d) => ({ key: d.key, vmdkFile: d.vmdkFile, capacity: d.capacity, createType: d.createType })),
      nics: vm.nics.map((n) => ({ key: n.key, network: this.inventory.network(n.network)?.name ?? n.network, networkId: n.network, type: n.type })),
      toolsRunning: this.toolsRunning(vm),
      guestFiles: [...vm.guestFiles.values()].map((f) => f.path),
      boots: vm.boot,
    };
  }

  private diskInfo(d: VmDisk, i: number) {
    return {
      label: `Hard disk ${i + 1}`, type: 'SCSI', scsi: { bus: 0, unit: i },
      backing: { type: 'VMDK_FILE', vmdk_file: d.vmdkFile }, capacity: d.capacity,
    };
  }

  private nicInfo(vm: VmModel, n: VmNic, i: number) {
    return {
      label: `Network adapter ${i + 1}`, type: 'VMXNET3', upt_compatibility_enabled: false, mac_type: 'GENERATED',
      mac_address: n.macAddress, pci_slot_number: 192 + i, wake_on_lan_enabled: false,
      backing: { type: n.type, network: n.network, network_name: this.inventory.network(n.network)?.name },
      state: vm.powerState === 'POWERED_ON' && n.startConnected ? 'CONNECTED' : 'NOT_CONNECTED',
      start_connected: n.startConnected, allow_guest_control: true,
    };
  }

  private info(vm: VmModel) {
    return {
      guest_OS: vm.guestOS,
      name: vm.name,
      identity: { name: vm.name, bios_uuid: uuidFor(vm.id, 'b'), instance_uuid: uuidFor(vm.id, 'i') },
      power_state: vm.powerState,
      instant_clone_frozen: false,
      hardware: { version: 'VMX_14', upgrade_policy: 'NEVER', upgrade_status: 'NONE' },
      boot: { type: vm.firmware, efi_legacy_boot: false, delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false },
      boot_devices: [],
      cpu: { count: vm.cpuCount, cores_per_socket: 1, hot_add_enabled: false, hot_remove_enabled: false },
      memory: { size_MiB: vm.memoryMiB, hot_add_enabled: false },
      disks: Object.fromEntries(vm.disks.map((d, i) => [d.key, this.diskInfo(d, i)])),
      nics: Object.fromEntries(vm.nics.map((n, i) => [n.key, this.nicInfo(vm, n, i)])),
      cdroms: {}, floppies: {}, parallel_ports: {}, serial_ports: {}, sata_adapters: {},
      scsi_adapters: { 1000: { label: 'SCSI controller 0', type: 'LSILOGICSAS', scsi: { bus: 0, unit: 7 }, sharing: 'NONE' } },
      nvme_adapters: {},
    };
  }

  // ---- routes ------------------------------------------------------------------------------

  routes(): Route[] {
    const VM = '^\\/api\\/vcenter\\/vm\\/([^/]+)';
    const re = (s: string) => new RegExp(`${VM}${s}$`);
    const vmOf = (m: RegExpMatchArray) => this.visible(decodeURIComponent(m[1]));
    const inSet = (set: string[] | undefined, v: string | undefined) => !set || (v !== undefined && set.includes(v));
    const routes: Route[] = [
      {
        method: 'GET', pattern: /^\/api\/vcenter\/vm$/,
        handle: ({ res, url }) => {
          const names = queryList(url, 'names');
          const folders = queryList(url, 'folders');
          const dcs = queryList(url, 'datacenters');
          const hosts = queryList(url, 'hosts');
          const states = queryList(url, 'power_states');
          const ids = queryList(url, 'vms');
          const found = this.vms
            .filter((v) => v.template !== 'library')
            .filter((v) => inSet(names, v.name) && inSet(folders, v.folder) && inSet(dcs, v.datacenter)
              && inSet(hosts, v.host) && inSet(states, v.powerState) && inSet(ids, v.id));
          // vSphere Automation API, List VM (GET /api/vcenter/vm): "Returns information about at
          // most 1000 visible (subject to permission checks) virtual machines"; more is an error.
          if (found.length > this.inventory.listLimit) throw tooMany('virtual machines', found.length, this.inventory.listLimit);
          sendJson(res, 200, found.map((v) => ({ vm: v.id, name: v.name, power_state: v.powerState, cpu_count: v.cpuCount, memory_size_MiB: v.memoryMiB })));
        },
      },
      { method: 'POST', pattern: /^\/api\/vcenter\/vm$/, handle: (ctx) => this.create(ctx) },
      { method: 'POST', pattern: /^\/api\/vcenter\/vm$/, action: 'clone', handle: (ctx) => this.clone(ctx) },
      {
        method: 'POST', pattern: /^\/api\/vcenter\/vm-template\/library-items\/([^/]+)$/, action: 'deploy',
        handle: (ctx, m) => this.deploy(ctx, decodeURIComponent(m[1])),
      },
      { method: 'POST', pattern: /^\/api\/vcenter\/vm-template\/library-items$/, handle: (ctx) => this.createLibraryTemplate(ctx) },
      {
        method: 'DELETE', pattern: /^\/api\/content\/library\/item\/([^/]+)$/,
        handle: ({ res }, m) => {
          this.deleteLibraryItem(decodeURIComponent(m[1]));
          sendNoContent(res);
        },
      },
      {
        // GET /api/vcenter/vm-template/library-items/{template_library_item} (Vcenter VmTemplate
        // LibraryItems Info): the template's hardware, its disks keyed as the deploy's
        // hardware_customization.disks_to_remove names them.
        method: 'GET', pattern: /^\/api\/vcenter\/vm-template\/library-items\/([^/]+)$/,
        handle: ({ res }, m) => {
          const source = this.librarySource(decodeURIComponent(m[1]));
          sendJson(res, 200, {
            guest_OS: source.guestOS, cpu: { count: source.cpuCount, cores_per_socket: 1 }, memory: { size_MiB: source.memoryMiB },
            vm_home_storage: { datastore: source.datastore },
            disks: Object.fromEntries(source.disks.map((d) => [d.key, { capacity: d.capacity, disk_storage: { datastore: source.datastore } }])),
            nics: Object.fromEntries(source.nics.map((n) => [n.key, { backing_type: n.type, mac_type: 'GENERATED', network: n.network }])),
          });
        },
      },
      { method: 'GET', pattern: re(''), handle: ({ res }, m) => sendJson(res, 200, this.info(vmOf(m))) },
      {
        method: 'DELETE', pattern: re(''),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          if (vm.powerState === 'POWERED_ON') {
            throw new VapiError(400, 'NOT_ALLOWED_IN_CURRENT_STATE', `The virtual machine '${vm.id}' is powered on; power it off before deleting it.`, 'com.vmware.api.vcenter.vm.powered_on');
          }
          this.destroy(vm);
          sendNoContent(res);
        },
      },
      { method: 'GET', pattern: re('\\/power'), handle: ({ res }, m) => sendJson(res, 200, { state: vmOf(m).powerState }) },
      ...(['start', 'stop', 'suspend', 'reset'] as const).map((action): Route => ({
        method: 'POST', pattern: re('\\/power'), action,
        handle: ({ res }, m) => {
          this.powerAction(vmOf(m), action);
          sendNoContent(res);
        },
      })),
      {
        method: 'POST', pattern: re('\\/power'), action: 'shutdown',
        handle: () => {
          throw new VapiError(404, 'OPERATION_NOT_FOUND', 'Operation not found: power has no shutdown action (guest shutdown is POST /api/vcenter/vm/{vm}/guest/power?action=shutdown).');
        },
      },
      {
        method: 'GET', pattern: re('\\/guest\\/power'),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          const running = this.toolsRunning(vm);
          // Vcenter Vm Guest Power GuestPowerState: RUNNING, SHUTTING_DOWN, RESETTING, STANDBY, NOT_RUNNING, UNAVAILABLE.
          // A powered-on VM whose Tools have not started yet (Windows still booting) is NOT_RUNNING,
          // as vCenter shows it (guest state "notRunning"): a client must wait that out, not give up.
          const state = vm.powerState !== 'POWERED_ON' ? 'NOT_RUNNING' : vm.rebooting ? 'RESETTING' : vm.shuttingDown ? 'SHUTTING_DOWN' : running ? 'RUNNING' : 'NOT_RUNNING';
          sendJson(res, 200, { state, operations_ready: running, interactive_ops_ready: false });
        },
      },
      ...(['shutdown', 'reboot', 'standby'] as const).map((action): Route => ({
        method: 'POST', pattern: re('\\/guest\\/power'), action,
        // vcenter vm guest power shutdown/reboot (REST API reference, errors): 400
        // not_allowed_in_current_state if the VM is not powered on (shutdown documents
        // already_in_desired_state for off, not_allowed for suspended: both refused here), 503
        // service_unavailable "if VMware Tools is not running" (also while the guest reboots).
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          if (vm.powerState !== 'POWERED_ON') throw new VapiError(400, 'NOT_ALLOWED_IN_CURRENT_STATE', `The virtual machine '${vm.id}' is not powered on.`);
          if (!this.toolsRunning(vm)) throw new VapiError(503, 'SERVICE_UNAVAILABLE', 'VMware Tools is not running in the virtual machine.', 'com.vmware.api.vcenter.vm.guest.tools_not_running');
          if (action === 'shutdown') this.guestPowerOff(vm);
          else if (action === 'standby') this.schedule(this.options.guestShutdownMs, () => this.setPowerState(vm, 'SUSPENDED'));
          else this.guestReboot(vm);
          sendNoContent(res);
        },
      })),
      {
        // GET /api/vcenter/vm/{vm}/guest/operations (vSphere Automation API 7.0.2.0, Vcenter Vm Guest
        // Operations Info): whether the VM takes guest operations now; false while powered off.
        method: 'GET', pattern: re('\\/guest\\/operations'),
        handle: ({ res }, m) => {
          sendJson(res, 200, { guest_operations_ready: this.guestOpsReady(vmOf(m)), interactive_guest_operations_ready: false });
        },
      },
      {
        method: 'GET', pattern: re('\\/tools'),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          sendJson(res, 200, {
            run_state: this.toolsRunning(vm) ? 'RUNNING' : 'NOT_RUNNING', version_status: 'CURRENT', version: '12352',
            version_number: 12352, upgrade_policy: 'MANUAL', install_type: 'MSI', auto_update_supported: true, install_attempt_count: 0,
          });
        },
      },
      {
        method: 'GET', pattern: re('\\/guest\\/identity'),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          if (!this.toolsRunning(vm)) throw new VapiError(503, 'SERVICE_UNAVAILABLE', 'VMware Tools is not running in the virtual machine.');
          sendJson(res, 200, {
            name: vm.guestOS, family: isWindows(vm) ? 'WINDOWS' : 'LINUX',
            full_name: { args: [], default_message: isWindows(vm) ? 'Microsoft Windows Server 2019 (64-bit)' : 'Other Linux (64-bit)', id: 'vmsg.guestos.fullname' },
            host_name: vm.hostName, ip_address: vm.ipAddress,
          });
        },
      },
      { method: 'GET', pattern: re('\\/hardware\\/disk'), handle: ({ res }, m) => sendJson(res, 200, vmOf(m).disks.map((d) => ({ disk: d.key }))) },
      {
        method: 'GET', pattern: re('\\/hardware\\/disk\\/([^/]+)'),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          const i = vm.disks.findIndex((d) => d.key === m[2]);
          if (i < 0) throw new VapiError(404, 'NOT_FOUND', `Disk '${m[2]}' does not exist.`);
          sendJson(res, 200, this.diskInfo(vm.disks[i], i));
        },
      },
      {
        method: 'POST', pattern: re('\\/hardware\\/disk'),
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          const disk = this.diskFromSpec(vm, await ctx.json());
          vm.disks.push(disk);
          sendJson(ctx.res, 201, disk.key);
        },
      },
      {
        method: 'DELETE', pattern: re('\\/hardware\\/disk\\/([^/]+)'),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          const i = vm.disks.findIndex((d) => d.key === m[2]);
          if (i < 0) throw new VapiError(404, 'NOT_FOUND', `Disk '${m[2]}' does not exist.`);
          vm.disks.splice(i, 1); // detach only: the file stays on the datastore
          sendNoContent(res);
        },
      },
      { method: 'GET', pattern: re('\\/hardware\\/ethernet'), handle: ({ res }, m) => sendJson(res, 200, vmOf(m).nics.map((n) => ({ nic: n.key }))) },
      {
        method: 'GET', pattern: re('\\/hardware\\/ethernet\\/([^/]+)'),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          const i = vm.nics.findIndex((n) => n.key === m[2]);
          if (i < 0) throw new VapiError(404, 'NOT_FOUND', `Ethernet adapter '${m[2]}' does not exist.`);
          sendJson(res, 200, this.nicInfo(vm, vm.nics[i], i));
        },
      },
      {
        method: 'GET', pattern: re('\\/hardware\\/boot'),
        handle: ({ res }, m) => {
          const vm = vmOf(m);
          sendJson(res, 200, { type: vm.firmware, efi_legacy_boot: false, delay: 0, retry: false, retry_delay: 10000, enter_setup_mode: false });
        },
      },
      {
        // vSphere Automation API, Update Vm Hardware Boot (PATCH /api/vcenter/vm/{vm}/hardware/boot):
        // the firmware type; changing it needs the VM powered off (NOT_ALLOWED_IN_CURRENT_STATE).
        method: 'PATCH', pattern: re('\\/hardware\\/boot'),
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          const body = await ctx.json();
          const type = body.type === undefined ? undefined : bootType(body.type);
          if (body.type !== undefined && !type) throw new VapiError(400, 'INVALID_ARGUMENT', `boot type ${String(body.type)} is not BIOS or EFI.`);
          if (type && type !== vm.firmware && vm.powerState !== 'POWERED_OFF')
            throw new VapiError(400, 'NOT_ALLOWED_IN_CURRENT_STATE', 'The firmware can be changed only while the virtual machine is powered off.');
          if (type) vm.firmware = type;
          sendNoContent(ctx.res);
        },
      },
      {
        method: 'PATCH', pattern: re('\\/hardware\\/ethernet\\/([^/]+)'),
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          const nic = vm.nics.find((n) => n.key === m[2]);
          if (!nic) throw new VapiError(404, 'NOT_FOUND', `Ethernet adapter '${m[2]}' does not exist.`);
          const body = await ctx.json();
          if (body.backing !== undefined) Object.assign(nic, this.checkNetworkBacking(vm, obj(body.backing)));
          if (typeof body.start_connected === 'boolean') nic.startConnected = body.start_connected;
          sendNoContent(ctx.res);
        },
      },
    ];
    return routes;
  }

  private powerAction(vm: VmModel, action: 'start' | 'stop' | 'suspend' | 'reset'): void {
    const state = vm.powerState;
    const already = (s: string) => new VapiError(400, 'ALREADY_IN_DESIRED_STATE', `The virtual machine '${vm.id}' is already ${s}.`);
    const notAllowed = () => new VapiError(400, 'NOT_ALLOWED_IN_CURRENT_STATE', `The operation is not allowed in the current state (${state}) of virtual machine '${vm.id}'.`);
    switch (action) {
      case 'start':
        if (state === 'POWERED_ON') throw already('powered on');
        return this.powerOn(vm);
      case 'stop':
        if (state === 'POWERED_OFF') throw already('powered off');
        return this.setPowerState(vm, 'POWERED_OFF');
      case 'suspend':
        if (state === 'SUSPENDED') throw already('suspended');
        if (state !== 'POWERED_ON') throw notAllowed();
        return this.setPowerState(vm, 'SUSPENDED');
      case 'reset':
        if (state !== 'POWERED_ON') throw notAllowed();
        this.booted(vm);
    }
  }

  private diskFromSpec(vm: VmModel, spec: Record<string, unknown>): VmDisk {
    const backing = obj(spec.backing);
    const newVmdk = obj(spec.new_vmdk);
    if (backing) {
      if (str(backing.type) !== 'VMDK_FILE' || !str(backing.vmdk_file)) {
        throw new VapiError(400, 'INVALID_ARGUMENT', 'disk backing must be { type: "VMDK_FILE", vmdk_file: "[datastore] path.vmdk" }.');
      }
      return this.diskFor(vm, str(backing.vmdk_file)!);
    }
    if (newVmdk) {
      const ds = this.inventory.datastore(vm.datastore)!;
      const dir = this.vmDirRel(vm);
      const stem = str(newVmdk.name) ?? (vm.disks.length === 0 ? vm.name : `${vm.name}_${vm.disks.length}`);
      const capacity = typeof newVmdk.capacity === 'number' ? newVmdk.capacity : 16 * 1024 ** 3;
      const rel = `${dir}/${stem}.vmdk`;
      const local = this.files.localPath(ds, rel);
      fs.mkdirSync(path.dirname(local), { recursive: true });
      fs.writeFileSync(local, vmfsDescriptor(capacity, `${stem}-flat.vmdk`));
      fs.closeSync(fs.openSync(path.join(path.dirname(local), `${stem}-flat.vmdk`), 'w')); // sparse placeholder
      fs.truncateSync(path.join(path.dirname(local), `${stem}-flat.vmdk`), capacity);
      return this.diskFor(vm, `[${ds.name}] ${rel}`);
    }
    throw new VapiError(400, 'INVALID_ARGUMENT', 'disk spec needs backing or new_vmdk.');
  }

  private async create(ctx: Ctx): Promise<void> {
    const spec = await ctx.json();
    const guestOS = str(spec.guest_OS) ?? str(spec.guest_os);
    if (!guestOS) throw new VapiError(400, 'INVALID_ARGUMENT', 'guest_OS is required.');
    const unknown = unknownGuestOs(guestOS, this.options.apiVersion);
    if (unknown) throw new VapiError(400, 'INVALID_ARGUMENT', unknown);
    const placement = obj(spec.placement);
    if (!placement) throw new VapiError(400, 'INVALID_ARGUMENT', 'placement is required.');
    const folder = this.vmFolder(str(placement.folder), true)!;
    const ds = this.datastoreArg(str(placement.datastore), true)!;
    const host = this.hostArg(str(placement.host));
    if (!host && !str(placement.cluster) && !str(placement.resource_pool)) {
      throw new VapiError(400, 'INVALID_ARGUMENT', 'placement needs one of host, cluster or resource_pool.');
    }
    for (const [what, dcId] of [['datastore', ds.datacenter], ['host', host && this.inventory.host(host)!.datacenter]] as const) {
      if (dcId && dcId !== folder.datacenter) throw new VapiError(400, 'INVALID_ARGUMENT', `placement.${what} is not in the datacenter of placement.folder.`);
    }
    this.checkHostReaches(host, ds);
    const name = str(spec.name) ?? 'Virtual Machine';
    this.uniqueName(folder.id, name);
    const firmware = bootType(obj(spec.boot)?.type) ?? recommendedFirmware(guestOS);
    const cpu = obj(spec.cpu);
    const memory = obj(spec.memory);
    const draft: VmModel = {
      id: '', name, guestOS, firmware, powerState: 'POWERED_OFF', datacenter: folder.datacenter, folder: folder.id, host, datastore: ds.id,
      cpuCount: typeof cpu?.count === 'number' ? cpu.count : 1,
      memoryMiB: typeof memory?.size_MiB === 'number' ? memory.size_MiB : typeof memory?.size_mib === 'number' ? memory.size_mib : 1024,
      disks: [], nics: [], boot: 0, shuttingDown: false, hostName: '', ipAddress: '', guestFiles: new Map(),
    };
    // Validate everything before anything is created.
    const diskSpecs = Array.isArray(spec.disks) ? spec.disks.map((d) => obj(d) ?? {}) : [];
    for (const d of diskSpecs) {
      const backing = obj(d.backing);
      if (backing) this.diskFromSpec(draft, d);
      else if (!obj(d.new_vmdk)) throw new VapiError(400, 'INVALID_ARGUMENT', 'disk spec needs backing or new_vmdk.');
    }
    const nicSpecs = Array.isArray(spec.nics) ? spec.nics.map((n) => obj(n) ?? {}) : [];
    const nics = nicSpecs.map((n) => ({ ...this.checkNetworkBacking(draft, obj(n.backing)), startConnected: n.start_connected !== false }));

    const vm = this.newVm({ name, guestOS, firmware, datacenter: folder.datacenter, folder: folder.id, host, datastore: ds.id, cpuCount: draft.cpuCount, memoryMiB: draft.memoryMiB });
    this.writeVmx(vm);
    for (const d of diskSpecs) vm.disks.push(this.diskFromSpec(vm, d));
    for (const n of nics) vm.nics.push(this.nicFor(vm, n.network, n.type, n.startConnected));
    sendJson(ctx.res, 201, vm.id);
  }

  private async clone(ctx: Ctx): Promise<void> {
    const spec = await ctx.json();
    const sourceId = str(spec.source);
    const name = str(spec.name);
    if (!sourceId || !name) throw new VapiError(400, 'INVALID_ARGUMENT', 'source and name are required.');
    const source = this.visible(sourceId);
    const placement = obj(spec.placement) ?? {};
    const folder = this.vmFolder(str(placement.folder), false) ?? this.inventory.folder(source.folder)!;
    const ds = this.datastoreArg(str(placement.datastore), false) ?? this.inventory.datastore(source.datastore)!;
    const host = this.hostArg(str(placement.host)) ?? source.host;
    const removed = Array.isArray(spec.disks_to_remove) ? spec.disks_to_remove.map(String) : [];
    this.uniqueName(folder.id, name);
    this.checkHostReaches(host, ds);
    // The new VM is in the inventory when the clone is done, not before.
    const finish = () => {
      const vm = this.cloneFrom(source, name, folder, ds, host, removed);
      if (spec.power_on === true) this.powerOn(vm);
      return vm.id;
    };
    // VM clone$task (?vmw-task=true): the task id at once; without it vCenter answers when the clone is done.
    if (ctx.url.searchParams.get('vmw-task') === 'true') return sendJson(ctx.res, 200, this.tasks.start('clone', finish));
    await this.tasks.whenReleased();
    sendJson(ctx.res, 200, finish());
  }

  private librarySource(itemId: string): VmModel {
    const item = this.inventory.libraryItems.find((i) => i.id === itemId);
    if (!item) throw new VapiError(404, 'NOT_FOUND', `Library item with identifier '${itemId}' does not exist.`);
    return this.byId(item.sourceVm)!;
  }

  private async deploy(ctx: Ctx, itemId: string): Promise<void> {
    const source = this.librarySource(itemId);
    const spec = await ctx.json();
    const name = str(spec.name);
    if (!name) throw new VapiError(400, 'INVALID_ARGUMENT', 'name is required.');
    const placement = obj(spec.placement);
    if (!placement) throw new VapiError(400, 'INVALID_ARGUMENT', 'placement is required.');
    const folder = this.vmFolder(str(placement.folder), true)!;
    const host = this.hostArg(str(placement.host));
    if (!host && !str(placement.cluster) && !str(placement.resource_pool)) {
      throw new VapiError(400, 'INVALID_ARGUMENT', 'placement needs one of host, cluster or resource_pool.');
    }
    const dsId = str(obj(spec.vm_home_storage)?.datastore) ?? str(obj(spec.disk_storage)?.datastore);
    const ds = this.datastoreArg(dsId, false) ?? this.inventory.datastore(source.datastore)!;
    // HardwareCustomizationSpec.disks_to_remove: "Identifiers of disks to remove from the deployed
    // virtual machine. If unset, all disks will be copied" (each copy takes time on a real datastore).
    const toRemove = obj(spec.hardware_customization)?.disks_to_remove;
    const removed = Array.isArray(toRemove) ? toRemove.map(String) : [];
    const unknown = removed.filter((k) => !source.disks.some((d) => d.key === k));
    if (unknown.length) throw new VapiError(400, 'INVALID_ARGUMENT', `hardware_customization.disks_to_remove: the template has no disk ${unknown.join(', ')}.`);
    // The deploy has no task form: vCenter answers when the VM is there.
    await this.tasks.whenReleased();
    const vm = this.cloneFrom(source, name, folder, ds, host, removed);
    if (spec.powered_on === true) this.powerOn(vm);
    sendJson(ctx.res, 200, vm.id);
  }

  /**
   * Vcenter VmTemplate LibraryItems create (POST /api/vcenter/vm-template/library-items): "creates
   * a library item in content library whose content is a virtual machine template created from the
   * source virtual machine". The template is a copy: deleting the source VM after leaves the item.
   */
  private async createLibraryTemplate(ctx: Ctx): Promise<void> {
    const spec = await ctx.json();
    // CreateSpec: source_vm, name and library are Required.
    const sourceId = str(spec.source_vm);
    const name = str(spec.name);
    const libraryId = str(spec.library);
    if (!sourceId || !name || !libraryId) throw new VapiError(400, 'INVALID_ARGUMENT', 'source_vm, name and library are required.');
    // Errors NOT_FOUND: "if the source virtual machine specified by source_vm does not exist" / "if the library specified by library does not exist".
    const source = this.visible(sourceId);
    const lib = this.inventory.libraries.find((l) => l.id === libraryId);
    if (!lib) throw new VapiError(404, 'NOT_FOUND', `Library with identifier '${libraryId}' does not exist.`);
    // Content Library Item create, errors: INVALID_ELEMENT_TYPE when the library is a subscribed
    // library (only its sync fills it); vcsim (govmomi vapi/simulator) answers the same.
    if (lib.type === 'SUBSCRIBED') throw new VapiError(400, 'INVALID_ELEMENT_TYPE', `Library '${lib.name}' is a subscribed library; items cannot be added to it.`);
    // Content Library Item create, errors: ALREADY_EXISTS "if there is already a library item with
    // same name in the library" (vcsim compares the names exactly).
    if (this.inventory.libraryItems.some((i) => i.libraryId === lib.id && i.name === name))
      throw new VapiError(400, 'ALREADY_EXISTS', `A library item named '${name}' already exists in library '${lib.name}'.`);
    const placement = obj(spec.placement);
    const folder = this.vmFolder(str(placement?.folder), false) ?? this.inventory.folder(source.folder)!;
    const host = this.hostArg(str(placement?.host)) ?? source.host;
    // CreateSpec.vm_home_storage "If unset, the storage backing of the library is used" (vcsim: the library's first storage backing).
    const ds = this.datastoreArg(str(obj(spec.vm_home_storage)?.datastore), false) ?? this.inventory.datastore(lib.datastore ?? source.datastore)!;
    if (ds.datacenter !== folder.datacenter) throw new VapiError(400, 'INVALID_ARGUMENT', 'The library storage is not in the datacenter of placement.folder.');
    // No task form is used: vCenter answers when the item holds the template.
    await this.tasks.whenReleased();
    const vm = this.newVm({ name, guestOS: source.guestOS, firmware: source.firmware, datacenter: folder.datacenter, folder: folder.id, host, datastore: ds.id, cpuCount: source.cpuCount, memoryMiB: source.memoryMiB });
    vm.template = 'library';
    this.writeVmx(vm);
    this.copyDisks(source, vm, []);
    for (const n of source.nics) vm.nics.push(this.nicFor(vm, n.network, n.type, n.startConnected));
    const item = this.inventory.addLibraryItem(lib.name, name, vm.id, str(spec.description));
    sendJson(ctx.res, 201, item.id);
  }

  /** Content Library Item delete: NOT_FOUND for an unknown item, INVALID_ELEMENT_TYPE in a subscribed library; the template's files go too. */
  private deleteLibraryItem(itemId: string): void {
    const item = this.inventory.libraryItems.find((i) => i.id === itemId);
    if (!item) throw new VapiError(404, 'NOT_FOUND', `Library item with identifier '${itemId}' does not exist.`);
    if (this.inventory.libraries.find((l) => l.id === item.libraryId)?.type === 'SUBSCRIBED')
      throw new VapiError(400, 'INVALID_ELEMENT_TYPE', `Library item '${itemId}' is in a subscribed library.`);
    const vm = this.byId(item.sourceVm);
    if (vm) this.destroy(vm);
    else this.inventory.libraryItems.splice(this.inventory.libraryItems.indexOf(item), 1);
  }

  private cloneFrom(source: VmModel, name: string, folder: Folder, ds: Datastore, host: string | undefined, removed: string[]): VmModel {
    if (ds.datacenter !== folder.datacenter) throw new VapiError(400, 'INVALID_ARGUMENT', 'placement.datastore is not in the datacenter of placement.folder.');
    this.checkHostReaches(host, ds);
    this.uniqueName(folder.id, name);
    const vm = this.newVm({ name, guestOS: source.guestOS, firmware: source.firmware, datacenter: folder.datacenter, folder: folder.id, host, datastore: ds.id, cpuCount: source.cpuCount, memoryMiB: source.memoryMiB });
    this.writeVmx(vm);
    this.copyDisks(source, vm, removed);
    for (const n of source.nics) vm.nics.push(this.nicFor(vm, n.network, n.type, n.startConnected));
    for (const f of source.guestFiles.values()) vm.guestFiles.set(guestKey(vm, f.path), { path: f.path, content: Buffer.from(f.content) });
    return vm;
  }
}

function bootType(v: unknown): 'BIOS' | 'EFI' | undefined {
  return v === 'BIOS' || v === 'EFI' ? v : undefined;
}

/** The guest OS descriptor's recommended firmware: EFI for Windows 10 / Server 2016 and later, else BIOS. */
function recommendedFirmware(guestOS: string): 'BIOS' | 'EFI' {
  return /^WINDOWS_(9|1\d|SERVER_20\d\d)/.test(guestOS.toUpperCase()) ? 'EFI' : 'BIOS';
}

/** Windows guests: case-insensitive, `\` and `/` alike. */
export function guestKey(vm: VmModel, p: string): string {
  return isWindows(vm) ? p.replace(/\//g, '\\').toLowerCase() : p;
}

export function setGuestFile(vm: VmModel, p: string, content: string | Buffer): void {
  const shown = isWindows(vm) ? p.replace(/\//g, '\\') : p;
  vm.guestFiles.set(guestKey(vm, p), { path: shown, content: Buffer.isBuffer(content) ? content : Buffer.from(content) });
}

export function getGuestFile(vm: VmModel, p: string): Buffer | undefined {
  return vm.guestFiles.get(guestKey(vm, p))?.content;
}

function nextKey(items: { key: string }[], base: number): string {
  return String(items.reduce((max, i) => Math.max(max, Number(i.key) + 1), base));
}

function uuidFor(id: string, salt: string): string {
  const hex = Buffer.from(`${salt}${id}`.padEnd(16, '0').slice(0, 16)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
