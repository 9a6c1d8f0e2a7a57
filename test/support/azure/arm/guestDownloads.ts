/**
 * The copies Run Command leaves in the guest, which a capture takes into the layer. Each rule with
 * its source:
 * - the action Run Command (POST …/runCommand) runs through the RunCommandWindows extension, which
 *   downloads each script to `C:\Packages\Plugins\Microsoft.CPlat.Core.RunCommandWindows\<version>\Downloads`
 *   and keeps it there ("Run scripts in your Windows VM by using action Run Command", Troubleshooting:
 *   the script is downloaded to that folder; the extension's log is under C:\WindowsAzure\Logs\Plugins);
 * - a managed Run Command (virtualMachines/runCommands) runs through RunCommandHandlerWindows, which
 *   downloads its script to `C:\Packages\Plugins\Microsoft.CPlat.Core.RunCommandHandlerWindows\<version>\Downloads`
 *   ("Run scripts in your Windows VM by using managed Run Commands", Troubleshooting); the resource
 *   "stays on the VM until deleted", and deleting it removes its script from the guest (same page,
 *   "Delete RunCommand resource from the VM");
 * - deleting the RunCommandWindows extension (DELETE …/virtualMachines/{vm}/extensions/RunCommandWindows)
 *   makes the VM agent uninstall it, which removes its folder under C:\Packages\Plugins (Azure Windows VM
 *   Agent: an extension's package and state go with it). It needs the VM running with its agent, like
 *   any extension change ("Cannot modify extensions in the VM when the VM is not running").
 * Files are kept per VM; what a VM held when it was last stopped is what a capture of its disk takes.
 */
import type { FakeCloud } from '../cloud';

export const ACTION_EXTENSION = 'RunCommandWindows';
export const ACTION_DOWNLOADS = 'C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandWindows\\1.1.18\\Downloads';
export const MANAGED_DOWNLOADS = 'C:\\Packages\\Plugins\\Microsoft.CPlat.Core.RunCommandHandlerWindows\\2.0.14\\Downloads';

function filesOf(cloud: FakeCloud, vmName: string): Map<string, string> {
  const key = vmName.toLowerCase();
  let files = cloud.guestFiles.get(key);
  if (!files) cloud.guestFiles.set(key, (files = new Map()));
  return files;
}

/** The action downloads script<N>.ps1, N counting its runs on this VM. */
export function recordActionScript(cloud: FakeCloud, vmName: string, script: string): void {
  const files = filesOf(cloud, vmName);
  const n = [...files.keys()].filter((p) => p.startsWith(ACTION_DOWNLOADS)).length;
  files.set(`${ACTION_DOWNLOADS}\\script${n}.ps1`, script);
}

/** A managed run command's script, in a folder named for the run command. */
export function recordManagedScript(cloud: FakeCloud, vmName: string, name: string, script: string): void {
  filesOf(cloud, vmName).set(`${MANAGED_DOWNLOADS}\\${name}\\script.ps1`, script);
}

export function removeManagedScript(cloud: FakeCloud, vmName: string, name: string): void {
  const files = filesOf(cloud, vmName);
  for (const p of [...files.keys()]) if (p.startsWith(`${MANAGED_DOWNLOADS}\\${name}\\`)) files.delete(p);
}

/** The extension uninstalled: its plugin folder goes. */
export function removeExtensionFiles(cloud: FakeCloud, vmName: string, extension: string): void {
  const root = `C:\\Packages\\Plugins\\Microsoft.CPlat.Core.${extension}\\`;
  const files = filesOf(cloud, vmName);
  for (const p of [...files.keys()]) if (p.toLowerCase().startsWith(root.toLowerCase())) files.delete(p);
}

/** The VM stopped (deallocated or powered off): its disk holds these files until it runs again. */
export function recordStopped(cloud: FakeCloud, vmName: string): void {
  cloud.guestFilesWhenStopped.set(vmName.toLowerCase(), [...filesOf(cloud, vmName).keys()]);
}
