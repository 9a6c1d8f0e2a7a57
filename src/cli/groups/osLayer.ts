import type { Command } from 'commander';
import { lazyAction } from '../action';

export function registerOsLayer(program: Command): void {
  const os = program.command('os-layer').description('OS layers: the operating system disk platform layers are bound to');
  os.command('import')
    .description('import an OS layer from a disk image')
    .requiredOption('--name <name>', 'OS layer name')
    .requiredOption('--version <version>', 'first version name')
    .requiredOption('--disk <path|url>', 'disk image (vhd, vhdx, vmdk, qcow2, raw) or blob URL')
    .option('--ipv6 <state>', 'enabled or disabled on this OS version', 'enabled')
    .option('--generation <V1|V2>', 'VM generation the disk boots on (default: V2 for a GPT disk, else V1)')
    .option('--guest-os <id>', 'guest OS of vSphere packaging VMs: win10, win11, ws2016, ws2019, ws2022, ws2025 or a vSphere id (default: from the name, else ws2016)')
    .action(lazyAction(() => import('../../commands/osLayer/import.js')));
  const version = os.command('version').description('OS layer versions');
  version
    .command('add <name>')
    .description('add a version to an OS layer')
    .requiredOption('--version <version>', 'version name')
    .requiredOption('--disk <path|url>', 'disk image or blob URL')
    .option('--ipv6 <state>', 'enabled or disabled on this OS version', 'enabled')
    .option('--generation <V1|V2>', 'VM generation the disk boots on (default: V2 for a GPT disk, else V1)')
    .option('--guest-os <id>', 'guest OS of vSphere packaging VMs (default: the previous version\'s)')
    .action(lazyAction(() => import('../../commands/osLayer/versionAdd.js')));
  version
    .command('remove <name>')
    .description('remove an OS layer version no layer version is bound to (its disk file stays)')
    .requiredOption('--version <version>', 'version name')
    .option('--yes', 'remove without asking (needed without a terminal)')
    .action(lazyAction(() => import('../../commands/osLayer/versionRemove.js')));
  os.command('remove <name>')
    .description('remove an OS layer no layer version is bound to (its disk files stay)')
    .option('--yes', 'remove without asking (needed without a terminal)')
    .action(lazyAction(() => import('../../commands/osLayer/remove.js')));
  os.command('list').description('list OS layers').action(lazyAction(() => import('../../commands/osLayer/list.js')));
  os.command('show <name>').description('show an OS layer and its versions').action(lazyAction(() => import('../../commands/osLayer/show.js')));
}
