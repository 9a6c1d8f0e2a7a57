/**
 * What Run Command leaves in the guest, removed before the disk is captured (nothing of elm's stays
 * in the layer). The action Run Command (the probe) runs through the RunCommandWindows extension,
 * which keeps each script it ran under C:\Packages\Plugins\Microsoft.CPlat.Core.RunCommandWindows\
 * <version>\Downloads ("Run scripts in your Windows VM by using action Run Command", Troubleshooting);
 * deleting that extension makes the VM agent uninstall it with its folder. It is Azure's own
 * extension for the action, installed on first use, so it is elm's to remove once elm has used it.
 * (A build step's managed run command keeps its copy under ...RunCommandHandlerWindows\...\Downloads
 * until its resource is deleted, which managedRunCommand.ts does after each step.)
 */
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import type { MachineResources } from './machine';
import { withRetry } from './retry';

/** The name the action Run Command's extension has on a Windows VM. */
export const ACTION_RUN_COMMAND_EXTENSION = 'RunCommandWindows';

/** Deletes the action Run Command's extension (its downloaded scripts with it); not there is done. Needs the VM running. */
export async function removeActionRunCommandCopies(clients: AzureClients, m: Pick<MachineResources, 'resourceGroup' | 'vmName'>): Promise<void> {
  const compute = await clients.compute();
  try {
    await withRetry(async () => {
      try {
        await compute.virtualMachineExtensions.beginDeleteAndWait(m.resourceGroup, m.vmName, ACTION_RUN_COMMAND_EXTENSION);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  } catch (e) {
    throw platformError(`Removing the Run Command extension (${ACTION_RUN_COMMAND_EXTENSION}) and the scripts it downloaded from ${m.vmName}`, e);
  }
}
