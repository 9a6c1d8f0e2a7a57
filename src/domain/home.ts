import os from 'node:os';
import path from 'node:path';

/** --home, else ELM_HOME, else $XDG_STATE_HOME/elm, else ~/.local/state/elm (the README's Conventions). */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return path.resolve(flag);
  if (env.ELM_HOME) return path.resolve(env.ELM_HOME);
  if (env.XDG_STATE_HOME) return path.join(path.resolve(env.XDG_STATE_HOME), 'elm');
  return path.join(os.homedir(), '.local', 'state', 'elm');
}

/** The folders elm keeps under its home. */
export function homePaths(home: string) {
  return {
    state: path.join(home, 'state.json'),
    defaultShare: path.join(home, 'share'),
    repository: path.join(home, 'repository'),
    icons: path.join(home, 'icons'),
    logs: path.join(home, 'logs'),
    workers: path.join(home, 'workers'),
  };
}
