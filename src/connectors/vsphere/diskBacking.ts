/**
 * Whether the packaging machine still writes to the packaging disk elm uploaded. A snapshot (taken
 * routinely before installs) moves each disk's backing to a child `<disk>-000001.vmdk` in the VM's
 * folder, and every write after it lands there; a Storage vMotion moves the disk elsewhere. Either
 * way the recorded flat extent no longer holds the operator's work (VMware KB 1015180,
 * Understanding virtual machine snapshots in VMware ESXi), and copying it would capture the OS
 * layer alone, then delete the VM that holds the work. The file in use is `backing.vmdk_file` of
 * GET /api/vcenter/vm/{vm}/hardware/disk/{disk} (vSphere Automation API, Vcenter Vm Hardware Disk Info).
 */
import { parseDsPath } from './datastore';
import type { DiskLayout } from './layout';
import type { VsphereSession } from './session';
import { listDisks } from './vm';

function samePath(a: string, b: string): boolean {
  const pa = parseDsPath(a);
  const pb = parseDsPath(b);
  return pa !== null && pb !== null && pa.datastore === pb.datastore && pa.path === pb.path;
}

/** Why the capture would not read what the machine wrote (a sentence), or null when its disk is the packaging disk. */
export async function diskBackingProblem(s: VsphereSession, vm: string, machine: string, l: DiskLayout): Promise<string | null> {
  const files = (await listDisks(s, vm)).map((d) => d.vmdkFile ?? '(no file)');
  if (files.some((f) => samePath(f, l.location))) return null;
  const uses = files.length ? `is backed by ${files.join(', ')}` : 'has no disk';
  return (
    `the packaging machine ${machine} ${uses}, not the packaging disk ${l.location}: a snapshot holds the work installed since it was taken ` +
    `(or a Storage vMotion moved the disk), so copying ${l.location} would lose it. Delete or consolidate the machine's snapshots in the vSphere Client ` +
    `(Snapshots > Manage Snapshots > Delete All, or Snapshots > Consolidate) and run finalize again`
  );
}
