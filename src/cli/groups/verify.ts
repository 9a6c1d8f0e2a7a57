import type { Command } from 'commander';
import { lazyAction } from '../action';

export function registerVerify(program: Command): void {
  program
    .command('verify [layer]')
    .description('layer integrity: exit 0 when ready to finalize, 3 with blockers')
    .option('--version <version>', 'layer version')
    .option('--local', 'run the probe on this Windows machine')
    .option('--report <file>', 'an integrity report written by ShutdownForFinalize.ps1')
    .option('--expedite-ngen', 'bring a background NGen operation to the foreground and wait for it')
    .option('--shutdown', 'shut the packaging machine down when nothing blocks')
    .option('--print-probe', 'print ShutdownForFinalize.ps1')
    .action(lazyAction(() => import('../../commands/verify.js')));
}
