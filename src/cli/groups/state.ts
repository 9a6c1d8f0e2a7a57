import type { Command } from 'commander';
import { lazyAction } from '../action';

export function registerState(program: Command): void {
  const state = program.command('state').description('where the state is kept: show it, move it to or from a shared blob, break a stuck lease');
  state.command('show').description('where the state is, its size, who holds it, and paths this machine cannot reach').action(lazyAction(() => import('../../commands/state/show.js')));
  state
    .command('push')
    .description('copy the state under ELM_HOME to a remote state (an Azure blob) for a team or CI')
    .requiredOption('--to <url>', 'the state blob, e.g. https://<account>.blob.core.windows.net/<container>/<name>.json')
    .option('--force', 'overwrite a state already there (its previous copy is kept as <name>.bak)')
    .action(lazyAction(() => import('../../commands/state/push.js')));
  state
    .command('pull')
    .description('copy the remote state (--state / ELM_STATE) to the state under ELM_HOME')
    .option('--force', 'overwrite a local state that has content (its previous copy is kept as state.json.bak)')
    .action(lazyAction(() => import('../../commands/state/pull.js')));
  state
    .command('init')
    .description('create an empty remote state (--state / ELM_STATE); a change never creates one')
    .option('--force', 'start an empty state even where the last good copy of a lost one (<name>.bak) is')
    .action(lazyAction(() => import('../../commands/state/init.js')));
  state
    .command('restore')
    .description('put the last good copy (<name>.bak) back as the state, after it was lost or went corrupt')
    .option('--force', 'replace a readable state too (it is kept as the last good copy)')
    .action(lazyAction(() => import('../../commands/state/restore.js')));
  state
    .command('unlock')
    .description('break the lease (or lock) a writer that died holds on the state, naming who held it')
    .option('--yes', 'break it without asking')
    .action(lazyAction(() => import('../../commands/state/unlock.js')));
}
