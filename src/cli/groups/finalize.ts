import type { Command } from 'commander';
import { lazyAction } from '../action';
import { waitOptions } from '../waitOptions';

export function registerFinalize(program: Command): void {
  waitOptions(
    program
      .command('finalize [layer]')
      .description('capture the packaging machine\'s disk into the layer; Deployable when done')
      .option('--version <version>', 'layer version'),
    'exit 0 Deployable, 1 failed, 4 timed out',
  )
    .option('--comment <text>', 'comment for the audit history')
    .option('--settle <duration>', 'how long the disk must be quiescent (file share; default 10s)')
    .option('--keep-machine', 'do not delete the packaging machine')
    .action(lazyAction(() => import('../../commands/finalize.js')));
}
