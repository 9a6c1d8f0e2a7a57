import type { Command } from 'commander';
import { lazyAction } from '../action';
import { waitOptions } from '../waitOptions';

export function registerTask(program: Command): void {
  const task = program.command('task').description('durable tasks: packaging disks, deployments, finalize');
  task
    .command('list')
    .description('tasks not yet ended (all with --all)')
    .option('--all', 'include ended tasks')
    .option('--layer <layer>', 'only the tasks of this layer (name or id)')
    .option('--state <state>', 'only tasks in this state (ended ones included), e.g. Failed')
    .action(lazyAction(() => import('../../commands/task/list.js')));
  task.command('show <id>').description('one task and its steps').action(lazyAction(() => import('../../commands/task/show.js')));
  task
    .command('wait <id>')
    .description('wait until the task ends or needs action; resumes it if its worker died')
    .option('--timeout <duration>', 'give up after this long (exit 4)')
    .action(lazyAction(() => import('../../commands/task/wait.js')));
  task
    .command('logs <id>')
    .description("a task's log, from any machine that shares the state; -f follows it until the task's work is over")
    .option('-f, --follow', 'keep printing what the task writes until it ends or needs action')
    .action(lazyAction(() => import('../../commands/task/logs.js')));
  waitOptions(task.command('resume <id>').description('resume a task whose worker died, or retry a failed one'), 'the default').action(
    lazyAction(() => import('../../commands/task/resume.js')),
  );
  task
    .command('cancel <id>')
    .description('stop a task and undo its partial step')
    .option('--yes', 'cancel without asking on a terminal (without one, elm never asks)')
    .action(lazyAction(() => import('../../commands/task/cancel.js')));
}
