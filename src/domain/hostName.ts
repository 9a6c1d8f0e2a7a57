import os from 'node:os';

/**
 * This machine's name as elm records it (task workers, lease holders). ELM_HOSTNAME overrides it:
 * two containers of a CI pool may share a host name, and tests play two machines on one.
 */
export function hostName(env: NodeJS.ProcessEnv = process.env): string {
  return env.ELM_HOSTNAME || os.hostname();
}
