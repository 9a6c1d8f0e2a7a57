import type { Command } from 'commander';
import { lazyAction } from '../action';
import { waitOptions } from '../waitOptions';

function machineFlags(cmd: Command): Command {
  return cmd
    .option('--version <version>', 'layer version (default: newest not Deployable)')
    .option('--machine-name <name>', 'Packaging Machine Name')
    .option('--size <size>', 'machine size, e.g. Standard_D2s_v3')
    .option('--vnet <name>', 'virtual network')
    .option('--subnet <name>', 'subnet')
    .option('--link-expiry <duration>', 'how long the deploy link works (default 8h)')
    .option('--security-type <type>', 'Azure: Standard (default) or TrustedLaunch (generation V2 disks only)')
    .option('--license-type <type>', 'Azure: Windows_Client (Windows 10/11 multi-session needs it), Windows_Server or none (default)')
    .option('--public-ip', 'Azure: a public IP with a network security group admitting RDP from --rdp-from only')
    .option('--rdp-from <cidr>', 'Azure: the address range (CIDR) allowed to RDP to the public IP');
}

export function registerMachine(program: Command): void {
  const machine = program.command('machine').description('the packaging machine');
  machineFlags(machine.command('deploy-link [layer]').description('how to deploy the packaging machine (a portal link for Azure)')).action(
    lazyAction(() => import('../../commands/machine/deployLink.js')),
  );
  waitOptions(machineFlags(machine.command('deploy [layer]').description('deploy the packaging machine where the platform allows it')), 'the default')
    .action(lazyAction(() => import('../../commands/machine/deploy.js')));
  machine
    .command('status [layer]')
    .description('running, stopped or absent')
    .option('--version <version>', 'layer version')
    .action(lazyAction(() => import('../../commands/machine/status.js')));
}
