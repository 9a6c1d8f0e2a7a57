/**
 * A client-side deadline for each call to the blob service of a remote state. The Storage SDK's
 * tryTimeoutInMs only asks the server to give up (the `timeout` query parameter of the Blob
 * service REST API); a service that accepts the connection and never answers would hang elm for
 * ever. Each call (its retries and the body's download included) is aborted past the deadline and
 * reported as one line naming the host: exit 1, not "Cancelled." (the operator cancelled nothing).
 */
import { ElmError, UsageError } from '../domain/errors';

export interface StateDeadline {
  /** What the service is, for the message: `the blob service 127.0.0.1:10000`. */
  host: string;
  ms: number;
}

const DEFAULT_MS = 45_000;

/** ELM_STATE_TIMEOUT_MS (1 to 600000; default 45 s): how long one call to the state's blob service may take. */
export function stateTimeoutMsOf(env: NodeJS.ProcessEnv): number {
  const raw = env.ELM_STATE_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 600_000) throw new UsageError(`ELM_STATE_TIMEOUT_MS=${raw} is not a whole number of milliseconds from 1 to 600000 (default ${DEFAULT_MS}); fix or unset it.`);
  return n;
}

/** Runs one call with an abort signal that fires at the deadline; past it, one line naming the host. */
export async function withinDeadline<T>(d: StateDeadline, call: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(d.ms);
  try {
    return await call(signal);
  } catch (e) {
    if (signal.aborted) throw new ElmError(`The blob service ${d.host} of the elm state did not answer within ${Math.ceil(d.ms / 1000)} s. Check the service and the network, then retry.`);
    throw e;
  }
}
