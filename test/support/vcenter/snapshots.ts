/**
 * Snapshots of the vCenter fake, as the operator takes them in the vSphere Client (or a Storage
 * vMotion would move a disk): what elm must notice before it copies a packaging disk.
 *
 * VMware KB 1015180 (Understanding virtual machine snapshots in VMware ESXi) and the vSphere
 * Virtual Machine Administration guide ("Snapshot Files"): taking a snapshot creates, for every
 * disk, a child `<disk>-000001.vmdk` (a `seSparse` descriptor on VMFS 6, `vmfsSparse` on VMFS 5,
 * whose `parentFileNameHint` names the parent) with its `-sesparse.vmdk` extent in the VM's
 * working directory, and the VM's disk is backed by the child from then on: every write after the
 * snapshot lands in the child, never in the parent. GET /api/vcenter/vm/{vm}/hardware/disk/{disk}
 * reports the child as `backing.vmdk_file` (vSphere Automation API, Vcenter Vm Hardware Disk Info).
 * Deleting all snapshots (RemoveAllSnapshots_Task) or consolidating merges the children back and
 * the backing is the parent again. Deleting the VM (Destroy_Task) deletes the whole chain.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatastoreFiles } from './datastoreFiles';
import type { VmDisk, VmModel } from './vmRoutes';

/** A child of every disk of `vm`, in its working directory; the disks are backed by the children. */
export function takeSnapshot(files: DatastoreFiles, vm: VmModel): void {
  if (!vm.vmx) throw new Error(`vcenter fake: ${vm.name} has no working directory`);
  const home = files.resolveDsPath(vm.vmx, vm.datacenter)!;
  const dsName = home.ds.name;
  const dir = path.posix.dirname(home.relPath);
  for (const d of vm.disks) {
    const depth = (d.parents?.length ?? 0) + 1;
    const stem = path.posix.basename(diskStem(d)) + `-${String(depth).padStart(6, '0')}`;
    const rel = `${dir}/${stem}.vmdk`;
    const local = files.localPath(home.ds, rel);
    fs.mkdirSync(path.dirname(local), { recursive: true });
    fs.writeFileSync(local, childDescriptor(d, `${stem}-sesparse.vmdk`));
    fs.writeFileSync(path.join(path.dirname(local), `${stem}-sesparse.vmdk`), Buffer.alloc(0));
    d.parents = [...(d.parents ?? []), d.vmdkFile];
    d.vmdkFile = `[${dsName}] ${rel}`;
    d.createType = 'seSparse';
  }
}

/** Delete All / Consolidate: the children merge into the base disk, which backs the disk again. */
export function consolidate(files: DatastoreFiles, vm: VmModel): void {
  for (const d of vm.disks) {
    if (!d.parents?.length) continue;
    for (const child of [d.vmdkFile, ...d.parents.slice(1)]) removeChild(files, vm, child);
    d.vmdkFile = d.parents[0];
    d.parents = undefined;
    d.createType = 'vmfs';
  }
}

/** Every file of a disk's chain, children first (what Destroy_Task deletes). */
export function chainOf(d: VmDisk): string[] {
  return [d.vmdkFile, ...[...(d.parents ?? [])].reverse()];
}

function diskStem(d: VmDisk): string {
  const base = (d.parents?.[0] ?? d.vmdkFile).replace(/^\[[^\]]+\]\s*/, '');
  return base.replace(/\.vmdk$/i, '');
}

function childDescriptor(d: VmDisk, extent: string): string {
  const sectors = Math.ceil(d.capacity / 512);
  return [
    '# Disk DescriptorFile', 'version=1', 'CID=fffffffe', 'parentCID=fffffffe', 'createType="seSparse"',
    `parentFileNameHint="${d.vmdkFile}"`, '', '# Extent description', `RW ${sectors} SESPARSE "${extent}"`, '',
  ].join('\n');
}

function removeChild(files: DatastoreFiles, vm: VmModel, dsPath: string): void {
  const r = files.resolveDsPath(dsPath, vm.datacenter);
  if (!r) return;
  fs.rmSync(r.localPath.replace(/\.vmdk$/i, '-sesparse.vmdk'), { force: true });
  fs.rmSync(r.localPath, { force: true });
}
