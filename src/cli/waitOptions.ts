import type { Command } from 'commander';

/**
 * The same three flags on every command that starts a task, so scripts can rely on them:
 * --wait, --no-wait (given both, the last wins) and --timeout, which implies waiting.
 */
export function waitOptions(cmd: Command, waitsByDefault: string): Command {
  return cmd
    .option('--wait', `wait until the task's work is over (${waitsByDefault})`)
    .option('--no-wait', 'return once the task has started; follow it with elm task wait')
    .option('--timeout <duration>', 'stop waiting after this long, e.g. 30m (exit 4; the task goes on)');
}
