import type { State } from '../domain/state';

/**
 * Where elm keeps its state. Reads never lock; a mutation holds the lock for read-apply-write,
 * so concurrent elm processes (workers, scripts, CI jobs) never lose each other's updates.
 */
export interface StateStore {
  /** The file (or URL) the state lives in, for messages. */
  readonly location: string;
  read(): Promise<State>;
  /**
   * Applies fn to the freshest state under the lock and persists the result. If fn throws,
   * nothing is written: the state stays as it was, byte for byte.
   */
  mutate<T>(fn: (state: State) => T | Promise<T>): Promise<T>;
}
