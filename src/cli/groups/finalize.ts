import type { Command } from 'commander';
import { lazyAction } from '../action';

export function registerFinalize(program: Command): void {
  program
    .command('finalize [layer]')
    .description('capture the packaging machine\'s disk into the layer; Deployable when done')
    .option('--version <version>', 'layer version')
    .option('--wait', 'wait until the task ends (exit 0 Deployable, 1 failed, 4 timed out)')
    .option('--timeout <duration>', 'give up waiting after this long, e.g. 30m')
    .option('--comment <text>', 'comment for the audit history')
    .option('--settle <duration>', 'how long the disk must be quiescent (file share; default 10s)')
    .option('--keep-machine', 'do not delete the packaging machine')
    .action(lazyAction(() => import('../../commands/finalize.js')));
}
