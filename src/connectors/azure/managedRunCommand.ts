/**
 * A build step through a *managed* Run Command (the child resource virtualMachines/{vm}/runCommands/
 * {name}), not the Run Command action: the action keeps its parameters in the VM's instance view
 * and activity, while the resource takes secrets as `protectedParameters`, which Azure never
 * returns (Run scripts in your Windows VM by using managed Run Commands). It is created with
 * asyncExecution (the PUT ends when the script starts), read back with $expand=instanceView until
 * its executionState ends (so an abort ends the wait at once), and deleted afterwards: it stays on
 * the VM (with its script) until deleted, and deleting it stops a script still running.
 * Output and error in the instance view are the last 4 KB only.
 */
import { createHash } from 'node:crypto';
import { ElmError } from '../../domain/errors';
import type { AzureClients } from './clients';
import { isNotFound, platformError } from './errors';
import type { MachineResources } from './machine';
import { withRetry } from './retry';

/** Every build step's run command is named so; a cancelled build deletes what carries it. */
export const STEP_RUN_COMMAND_PREFIX = 'elm-step-';

/**
 * The execution states that end a run. `Unknown` is not one: the instance view says it while the
 * handler has not reported yet (ExecutionState in Compute's runCommands.json lists Unknown beside
 * Pending and Running), so elm keeps reading until the step's timeout.
 */
const TERMINAL = ['succeeded', 'failed', 'timedout', 'canceled'];

/**
 * The same step gets the same name in every run, so a resumed build finds the command an
 * interrupted run left (still running, or ended) instead of starting a second one beside it.
 */
export function stepRunCommandName(label: string, script: string): string {
  return STEP_RUN_COMMAND_PREFIX + createHash('sha256').update(`${label}\n${script}`).digest('hex').slice(0, 20);
}

export interface ManagedRun {
  name: string;
  label: string;
  script: string;
  /** Name → value: sent only as protectedParameters. */
  protectedParameters: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ManagedRunResult {
  executionState: string;
  exitCode: number | null;
  output: string;
  error: string;
  message: string;
}

const pollMs = () => Math.min(15_000, Math.max(50, 5 * Number(process.env.ELM_AZURE_RETRY_DELAY_MS ?? 3000)));

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ElmError('interrupted'));
    const t = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(t);
      reject(new ElmError('interrupted'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

async function read(clients: AzureClients, m: MachineResources, name: string) {
  const compute = await clients.compute();
  try {
    return await withRetry(() => compute.virtualMachineRunCommands.getByVirtualMachine(m.resourceGroup, m.vmName, name, { expand: 'instanceView' }));
  } catch (e) {
    if (isNotFound(e)) return null;
    throw platformError(`Reading run command ${name} on ${m.vmName}`, e);
  }
}

const stateOf = (rc: { instanceView?: { executionState?: string } } | null) => (rc?.instanceView?.executionState ?? '').toLowerCase();

/** Deletes a run command (stopping its script if it still runs); gone is done. */
export async function deleteRunCommand(clients: AzureClients, m: Pick<MachineResources, 'resourceGroup' | 'vmName'>, name: string): Promise<void> {
  const compute = await clients.compute();
  try {
    await withRetry(async () => {
      try {
        await compute.virtualMachineRunCommands.beginDeleteAndWait(m.resourceGroup, m.vmName, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    });
  } catch (e) {
    throw platformError(`Deleting run command ${name} on ${m.vmName}`, e);
  }
}

/** The build-step run commands on a VM (a cancelled build deletes them). Empty when the VM is gone. */
export async function stepRunCommands(clients: AzureClients, m: Pick<MachineResources, 'resourceGroup' | 'vmName'>): Promise<string[]> {
  const compute = await clients.compute();
  const names: string[] = [];
  try {
    for await (const rc of compute.virtualMachineRunCommands.listByVirtualMachine(m.resourceGroup, m.vmName)) {
      if (rc.name?.startsWith(STEP_RUN_COMMAND_PREFIX)) names.push(rc.name);
    }
  } catch (e) {
    if (isNotFound(e)) return [];
    throw platformError(`Listing the run commands on ${m.vmName}`, e);
  }
  return names;
}

/**
 * The VM's own location: a run command is a child resource whose location must be its VM's
 * (virtualMachines/runCommands template reference), which need not be the connector's --location.
 */
async function vmLocation(clients: AzureClients, m: MachineResources): Promise<string> {
  const compute = await clients.compute();
  try {
    const vm = await withRetry(() => compute.virtualMachines.get(m.resourceGroup, m.vmName));
    if (!vm.location) throw new ElmError(`Azure returned the packaging machine ${m.vmName} without a location.`);
    return vm.location;
  } catch (e) {
    if (e instanceof ElmError) throw e;
    throw platformError(`Reading the packaging machine ${m.vmName}`, e);
  }
}

export async function runManaged(clients: AzureClients, m: MachineResources, run: ManagedRun): Promise<ManagedRunResult> {
  const compute = await clients.compute();
  const location = await vmLocation(clients, m);
  const until = Date.now() + run.timeoutMs + 5 * 60_000;
  // An interrupted run of this step may still be running: one installer at a time, so let it end.
  let earlier = await read(clients, m, run.name);
  while (earlier && !TERMINAL.includes(stateOf(earlier)) && Date.now() < until) {
    await sleep(pollMs(), run.signal);
    earlier = await read(clients, m, run.name);
  }
  // A PUT of the same model does not run it again: the earlier resource goes first.
  if (earlier) await deleteRunCommand(clients, m, run.name);

  const body = {
    location,
    source: { script: run.script },
    protectedParameters: Object.entries(run.protectedParameters).map(([name, value]) => ({ name, value })),
    asyncExecution: true,
    timeoutInSeconds: Math.ceil(run.timeoutMs / 1000),
    // The script's own failure is read from the instance view (exit code and output), not an ARM error.
    treatFailureAsDeploymentFailure: false,
  };
  try {
    await compute.virtualMachineRunCommands.beginCreateOrUpdateAndWait(m.resourceGroup, m.vmName, run.name, body, { abortSignal: run.signal });
  } catch (e) {
    if (run.signal?.aborted) throw new ElmError('interrupted');
    throw platformError(`Starting build step "${run.label}" on ${m.vmName} (managed Run Command ${run.name})`, e);
  }
  let rc = await read(clients, m, run.name);
  while (!rc || !TERMINAL.includes(stateOf(rc))) {
    if (!rc) throw new ElmError(`The run command of build step "${run.label}" on ${m.vmName} disappeared while it ran (deleted by someone else?).`);
    if (Date.now() > until)
      throw new ElmError(`Build step "${run.label}" on ${m.vmName} is still ${rc.instanceView?.executionState ?? 'not reported'} ${Math.round(run.timeoutMs / 60_000)} minutes after it started, past its timeout.`);
    await sleep(pollMs(), run.signal);
    rc = await read(clients, m, run.name);
  }
  const iv = rc.instanceView ?? {};
  await deleteRunCommand(clients, m, run.name);
  return {
    executionState: iv.executionState ?? 'Unknown',
    exitCode: typeof iv.exitCode === 'number' ? iv.exitCode : null,
    output: iv.output ?? '',
    error: iv.error ?? '',
    message: iv.executionMessage ?? '',
  };
}
