import os from 'node:os';
import path from 'node:path';

/**
 * `~` and `~/…` as a shell would expand them: a path in quotes, in a spec file or in ELM_HOME set
 * by a tool never went through a shell, and a folder literally named `~` is never what was meant.
 * (`~user` is left alone: elm does not look up other users' homes.)
 */
export function expandHome(p: string): string {
  if (p === '~') return os.homedir();
  if (p.startsWith('~/') || (path.sep === '\\' && p.startsWith('~\\'))) return path.join(os.homedir(), p.slice(2));
  return p;
}

/** A path the operator typed, as an absolute path: `~` expanded, then resolved against the working folder. */
export function userPath(p: string): string {
  return path.resolve(expandHome(p));
}

/**
 * --home, else ELM_HOME, else $XDG_STATE_HOME/elm, else ~/.local/state/elm (the README's Conventions). Resolved
 * once, to an absolute path, when the command starts: a relative ELM_HOME means the folder it
 * names from where elm was started, and every later path (workers, tasks) uses that absolute one.
 */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (flag) return userPath(flag);
  if (env.ELM_HOME) return userPath(env.ELM_HOME);
  if (env.XDG_STATE_HOME) return path.join(userPath(env.XDG_STATE_HOME), 'elm');
  return path.join(os.homedir(), '.local', 'state', 'elm');
}

/** Where the home came from, for --verbose: a relative or `~` value is shown with what it became. */
export function describeHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const home = resolveHome(flag, env);
  // commander fills --home from ELM_HOME, so the same value means it came from the environment.
  const given = flag ? [flag === env.ELM_HOME ? 'ELM_HOME' : '--home', flag] : env.ELM_HOME ? ['ELM_HOME', env.ELM_HOME] : env.XDG_STATE_HOME ? ['XDG_STATE_HOME', env.XDG_STATE_HOME] : null;
  if (!given) return `elm home: ${home} (the default)`;
  return given[1] === home ? `elm home: ${home} (${given[0]})` : `elm home: ${home} (${given[0]}=${given[1]}, resolved from ${process.cwd()})`;
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
