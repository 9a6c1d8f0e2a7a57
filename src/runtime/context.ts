import os from 'node:os';
import type { StateStore } from '../store/stateStore';
import type { Connector, ConnectorEnvironment } from '../connectors/connector';
import type { ConnectorConfig } from '../domain/state';
import { describeHome, resolveHome } from '../domain/home';
import { detectIO, type GlobalFlags, type IO, type Streams } from './io';
import { Output } from './output';
import type { Prompter } from './prompter';
import { loadStyle } from './style';

/**
 * Everything a command's run function needs, injected so tests can replace any part:
 * IO and output, the state store, the prompter, the clock, the connector registry.
 */
export interface Context {
  io: IO;
  out: Output;
  home: string;
  env: NodeJS.ProcessEnv;
  store(): Promise<StateStore>;
  prompter(): Promise<Prompter>;
  connector(config: ConnectorConfig): Promise<Connector>;
  now(): Date;
  user(): string;
  /** Aborted on Ctrl-C so long operations stop and clean up. */
  signal: AbortSignal;
  /** --appliance NAME (ELM_APPLIANCE): the appliance the command works on instead of the local state. */
  appliance?: string;
}

/** `abortSignal` is asked for when a command first uses ctx.signal (an AbortController costs start-up time). */
export async function createContext(flags: GlobalFlags, abortSignal: () => AbortSignal, streams?: Streams): Promise<Context> {
  const io = detectIO(flags, process.env, streams);
  const out = new Output(io);
  [out.style, out.messageStyle] = await Promise.all([loadStyle(io.colorOut), loadStyle(io.colorErr)]);
  const home = resolveHome(flags.home);
  out.verbose(describeHome(flags.home));
  const env = withStateFlags(flags, process.env);
  let store: StateStore | undefined;
  return {
    io,
    out,
    home,
    env,
    appliance: flags.appliance || undefined,
    get signal() {
      return abortSignal();
    },
    async store() {
      if (!store) {
        const { openBackend } = await import('../store/stateBackend.js');
        store = (await openBackend({ home, env })).store;
      }
      return store;
    },
    async prompter() {
      // A terminal that cannot move the cursor gets numbered questions on plain lines.
      if (env.TERM === 'dumb') {
        const { LinePrompter } = await import('./linePrompter.js');
        return new LinePrompter(io);
      }
      const { InquirerPrompter } = await import('./prompter.js');
      return new InquirerPrompter(io, out.messageStyle);
    },
    async connector(config: ConnectorConfig) {
      const { loadConnector } = await import('../connectors/registry.js');
      const envt: ConnectorEnvironment = { home, env };
      return loadConnector(config, envt);
    },
    now: () => new Date(),
    user: () => env.ELM_USER || safeUserName(),
  };
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER || 'unknown';
  }
}

/**
 * --state and its credential flags become the environment variables they stand for, so the
 * workers a command starts (which inherit its environment) use the same state.
 */
function withStateFlags(flags: GlobalFlags, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (!flags.state && !flags.stateKeyEnv && !flags.stateSasEnv) return env;
  const out = { ...env };
  if (flags.state) out.ELM_STATE = flags.state;
  if (flags.stateKeyEnv) out.ELM_STATE_ACCOUNT_KEY_ENV = flags.stateKeyEnv;
  if (flags.stateSasEnv) out.ELM_STATE_SAS_ENV = flags.stateSasEnv;
  return out;
}
