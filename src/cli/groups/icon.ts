import type { Command } from 'commander';
import { lazyAction } from '../action';

export function registerIcon(program: Command): void {
  const icon = program.command('icon').description('layer icons: built-in ones and imported PNG/JPG files');
  icon.command('list').description('list icons').action(lazyAction(() => import('../../commands/icon/list.js')));
  icon
    .command('import <file>')
    .description('import a PNG or JPG file as an icon (checked by content)')
    .option('--name <name>', 'icon name (default: the file name)')
    .action(lazyAction(() => import('../../commands/icon/import.js')));
  icon
    .command('remove <icon>')
    .description('remove an imported icon no layer uses (by id or name)')
    .option('--yes', 'remove without asking (needed without a terminal)')
    .action(lazyAction(() => import('../../commands/icon/remove.js')));
}
