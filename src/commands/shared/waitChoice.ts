import { UsageError } from '../../domain/errors';
import { parseDuration } from '../../domain/duration';

/** --wait / --no-wait / --timeout as every task-starting command reads them. */
export function waitChoice(flags: { wait?: boolean; timeout?: string }, waitsByDefault: boolean): { wait: boolean; timeoutMs?: number } {
  const timeoutMs = flags.timeout !== undefined ? parseDuration(flags.timeout, '--timeout') : undefined;
  if (flags.wait === false && timeoutMs !== undefined) throw new UsageError('--timeout limits a wait: drop --no-wait, or drop --timeout.');
  return { wait: flags.wait ?? (timeoutMs !== undefined || waitsByDefault), timeoutMs };
}
