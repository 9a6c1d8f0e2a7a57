import type { Command } from 'commander';
import { lazyAction } from '../action';

export function registerDisk(program: Command): void {
  const disk = program.command('disk').description('packaging disks');
  disk
    .command('status [layer]')
    .description('where the packaging disk is and what to do next')
    .option('--version <version>', 'layer version (default: newest not Deployable)')
    .action(lazyAction(() => import('../../commands/disk/status.js')));
}
