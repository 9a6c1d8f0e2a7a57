/**
 * Managed Run Command: the child resource Microsoft.Compute/virtualMachines/runCommands.
 *   PUT    /…/virtualMachines/{vm}/runCommands/{name}                 (long-running)
 *   GET    /…/virtualMachines/{vm}/runCommands/{name}[?$expand=instanceView]
 *   GET    /…/virtualMachines/{vm}/runCommands
 *   DELETE /…/virtualMachines/{vm}/runCommands/{name}                 (long-running)
 * Shapes: azure-rest-api-specs, Compute VirtualMachineRunCommands_* and the examples
 * runCommandExamples/VirtualMachineRunCommand_Get.json; behaviour: "Run scripts in your Windows VM
 * by using managed Run Commands" (learn.microsoft.com/azure/virtual-machines/windows/run-command-managed).
 * The script is played by the same handler as the action (`fake.onRunCommand`), which may return
 * `exitCode`; the guest sees `parameters` and `protectedParameters` alike, as the Windows command
 * line hands them over (runCommandArguments.ts). With `fake.configureRunCommand({ unknownReads })`
 * the first reads of each execution's instance view say `Unknown` (the state's enum in
 * runCommands.json: the handler has not reported yet). Each rule names its source.
 */
import type { FakeCloud } from '../cloud';
import { ArmError, armErrors } from '../errors';
import { FakeRequest, FakeResponse, jsonBody, Router } from '../http';
import type { FakeResource } from '../inventory';
import { isObject, normalizeLocation, regionalOperation, requireResourceGroup, resourceBody } from './common';
import { recordManagedScript, removeManagedScript } from './guestDownloads';
import { agentNotReady, invokeHandler, lastBytes, RUN_COMMAND_LIMIT_MS } from './runCommand';
import { scriptArguments } from './runCommandArguments';
import { refuseUnbootedGuest } from './vmGeneration';

export const RUN_COMMAND_TYPE = 'Microsoft.Compute/virtualMachines/runCommands';
const VM_TYPE = 'Microsoft.Compute/virtualMachines';
const VM = '/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachines/{vm}';

/**
 * The first stable Compute api-version whose spec defines virtualMachines/{vm}/runCommands/{name}
 * (stable/2020-06-01/runCommands.json has only the runCommand action). Older versions are refused
 * as ARM refuses an unknown type/version pair (NoRegisteredProviderFound).
 */
export const MIN_API_VERSION = '2020-12-01';

/**
 * "Output and error fields in instanceView are limited to the last 4KB" (managed Run Commands,
 * Get execution status and results): larger output goes to outputBlobUri/errorBlobUri only.
 */
export const MANAGED_OUTPUT_LIMIT = 4096;

export type ExecutionState = 'Unknown' | 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'TimedOut' | 'Canceled';

/** What the fake keeps of a managed run command; `protectedParameters` never leaves it in a response. */
export interface ManagedRunCommandState {
  script: string;
  parameters: Array<{ name: string; value: string }>;
  protectedParameters: Array<{ name: string; value: string }>;
  asyncExecution: boolean;
  timeoutInSeconds: number;
  treatFailureAsDeploymentFailure: boolean;
  executionState: ExecutionState;
  executionMessage: string;
  exitCode?: number;
  output: string;
  error: string;
  startTime?: string;
  endTime?: string;
  /** Bumped by every new execution (PUT) and by DELETE: a stale execution's end is ignored. */
  generation: number;
  /** Resolves when the current execution ends (however it ends). */
  done: Promise<void>;
  /** Reads of the instance view still to answer `Unknown` (fake.configureRunCommand({ unknownReads })). */
  unknownReads: number;
  /** Reads of the instance view still to answer `Pending` while the script runs (always the first). */
  pendingReads: number;
}

export interface ManagedRunCommandRecord {
  vmName: string;
  resourceGroup: string;
  name: string;
  script: string;
  parameters: Record<string, string>;
  protectedParameters: Record<string, string>;
  /** As sent: 0 when not given. */
  timeoutInSeconds: number;
  at: string;
}

export function managedRunCommandRoutes(cloud: FakeCloud, router: Router): void {
  router.add('PUT', `${VM}/runCommands/{name}`, (req) => put(cloud, req));
  router.add('GET', `${VM}/runCommands/{name}`, (req) => {
    checkApiVersion(req);
    const rc = requireRunCommand(cloud, req);
    const expand = (req.query.get('$expand') ?? '').toLowerCase() === 'instanceview';
    const run = rc.runCommand!;
    const unknown = expand && run.unknownReads > 0;
    if (unknown) run.unknownReads -= 1;
    // A command does not show Running at once: with asyncExecution the PUT ends when the command
    // is handed to the VM, whose handler reports later, and the instance view says Pending
    // meanwhile (ExecutionState in runCommands.json: Unknown, Pending, Running, …). The first read
    // of each execution says Pending, however far the script got (its report lags behind).
    const pending = expand && !unknown && run.pendingReads > 0 && run.executionState !== 'Canceled';
    if (pending) run.pendingReads -= 1;
    return { status: 200, body: runCommandBody(rc, expand, 'Succeeded', unknown, pending) };
  });
  router.add('GET', `${VM}/runCommands`, (req) => {
    checkApiVersion(req);
    const vm = requireParentVm(cloud, req);
    const expand = (req.query.get('$expand') ?? '').toLowerCase() === 'instanceview';
    return { status: 200, body: { value: childrenOf(cloud, vm).map((rc) => runCommandBody(rc, expand)) } };
  });
  router.add('DELETE', `${VM}/runCommands/{name}`, (req) => {
    checkApiVersion(req);
    const vm = requireParentVm(cloud, req);
    const rc = cloud.inventory.find(vm.resourceGroup, RUN_COMMAND_TYPE, `${vm.name}/${req.params.name}`);
    if (!rc) return { status: 204 };
    // "If the script execution is still in progress, execution will be terminated." (Delete RunCommand resource from the VM)
    return regionalOperation(cloud, req, 'Microsoft.Compute', vm, {
      work: () => {
        removeRunCommand(cloud, rc);
        return undefined;
      },
    });
  });
}

/** Removes a run command, ending its execution (DELETE, or its VM deleted). */
export function removeRunCommand(cloud: FakeCloud, rc: FakeResource): void {
  if (rc.runCommand) rc.runCommand.generation += 1;
  const [vmName, name] = rc.name.split('/');
  if (name) removeManagedScript(cloud, vmName, name);
  cloud.inventory.remove(rc.id);
}

/** A VM's run commands: they go with the VM (child resources). */
export function childrenOf(cloud: FakeCloud, vm: FakeResource): FakeResource[] {
  const prefix = `${vm.name.toLowerCase()}/`;
  return cloud.inventory.list({ resourceGroup: vm.resourceGroup, type: RUN_COMMAND_TYPE }).filter((r) => r.name.toLowerCase().startsWith(prefix));
}

function checkApiVersion(req: FakeRequest): void {
  const v = req.query.get('api-version') ?? '';
  if (v.slice(0, 10) < MIN_API_VERSION) {
    throw new ArmError(
      400,
      'NoRegisteredProviderFound',
      `No registered resource provider found for location and API version '${v}' for type 'virtualMachines/runCommands'. The supported api-versions start at '${MIN_API_VERSION}'.`,
    );
  }
}

function requireParentVm(cloud: FakeCloud, req: FakeRequest): FakeResource {
  requireResourceGroup(cloud, req.params.rg);
  const vm = cloud.inventory.find(req.params.rg, VM_TYPE, req.params.vm);
  if (!vm) {
    throw new ArmError(404, 'ParentResourceNotFound', `Can not perform requested operation on nested resource. Parent resource '${req.params.vm}' not found.`);
  }
  return vm;
}

function requireRunCommand(cloud: FakeCloud, req: FakeRequest): FakeResource {
  const vm = requireParentVm(cloud, req);
  const rc = cloud.inventory.find(vm.resourceGroup, RUN_COMMAND_TYPE, `${vm.name}/${req.params.name}`);
  if (!rc?.runCommand) throw armErrors.resourceNotFound(RUN_COMMAND_TYPE, `${vm.name}/${req.params.name}`, vm.resourceGroup);
  return rc;
}

function nameValues(v: unknown, field: string): Array<{ name: string; value: string }> {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw armErrors.invalidParameter(`'${field}' must be an array of { name, value }.`, field);
  return v.map((p, i) => {
    // RunCommandInputParameter: name and value are required strings (runCommands.json).
    if (!isObject(p) || typeof p.name !== 'string' || typeof p.value !== 'string') {
      throw armErrors.invalidParameter(`${field}[${i}] needs a string 'name' and a string 'value'.`, `${field}[${i}]`);
    }
    return { name: p.name, value: p.value };
  });
}

function put(cloud: FakeCloud, req: FakeRequest): FakeResponse {
  checkApiVersion(req);
  const vm = requireParentVm(cloud, req);
  const body = jsonBody(req);
  const props = isObject(body.properties) ? body.properties : {};
  // A tracked resource: location is required and is the VM's (Microsoft.Compute/virtualMachines/runCommands template reference).
  if (typeof body.location !== 'string' || !body.location) throw new ArmError(400, 'LocationRequired', `The location property is required for this definition ('${req.params.name}').`);
  if (normalizeLocation(body.location) !== vm.location) {
    throw armErrors.invalidParameter(`The run command's location '${body.location}' is not the location of VM '${vm.name}' ('${vm.location}').`, 'location');
  }
  const source = isObject(props.source) ? props.source : {};
  // "Only one type of source input is supported for one command execution." (managed Run Commands, Notes)
  const given = ['script', 'scriptUri', 'commandId', 'galleryScriptReferenceId'].filter((k) => source[k] !== undefined);
  if (given.length > 1) throw armErrors.invalidParameter(`Only one of source.script, source.scriptUri, source.commandId may be given (got ${given.join(', ')}).`, 'source');
  if (given.length === 1 && given[0] !== 'script') throw armErrors.invalidParameter(`The ARM fake runs inline scripts only (source.script); got source.${given[0]}.`, `source.${given[0]}`);
  const script = typeof source.script === 'string' ? source.script : '';
  const parameters = nameValues(props.parameters, 'parameters');
  const protectedParameters = nameValues(props.protectedParameters, 'protectedParameters');
  // timeoutInSeconds is the caller's, with no 90-minute cap: managed Run Command supports "Long
  // running (hours/days) scripts" (Run scripts in your Windows VM by using managed Run Commands,
  // learn.microsoft.com/azure/virtual-machines/windows/run-command-managed, comparison table); the
  // 90-minute limit is the action's (runCommand.ts). Unset, the fake stops it at that limit.
  const timeoutInSeconds = props.timeoutInSeconds === undefined ? 0 : Number(props.timeoutInSeconds);
  if (!Number.isInteger(timeoutInSeconds) || timeoutInSeconds < 0) throw armErrors.invalidParameter(`timeoutInSeconds must be a whole number of seconds (got ${String(props.timeoutInSeconds)}).`, 'timeoutInSeconds');

  // A run command is a VM extension (RunCommandHandlerWindows): extensions cannot be changed on a
  // VM that is not running (Troubleshoot Azure Windows VM extension failures: OperationNotAllowed).
  const state = vm.vm!;
  if (state.powerState !== 'running') {
    throw armErrors.operationNotAllowed(`Cannot modify extensions in the VM when the VM is not running. VM '${vm.name}' is ${state.powerState}.`);
  }
  // Run Command goes through the VM agent, which must be Ready (Run Command restrictions).
  if (state.agentNotReady) throw agentNotReady(vm.name);
  refuseUnbootedGuest(vm);

  const fullName = `${vm.name}/${req.params.name}`;
  const existing = cloud.inventory.find(vm.resourceGroup, RUN_COMMAND_TYPE, fullName);
  const asyncExecution = props.asyncExecution === true;
  const treat = props.treatFailureAsDeploymentFailure === true;
  const same =
    existing?.runCommand &&
    existing.runCommand.script === script &&
    JSON.stringify(existing.runCommand.parameters) === JSON.stringify(parameters) &&
    JSON.stringify(existing.runCommand.protectedParameters) === JSON.stringify(protectedParameters) &&
    existing.runCommand.timeoutInSeconds === timeoutInSeconds;
  // ARM PUT is idempotent: the same model again changes nothing and runs nothing again; a
  // finished command runs once more only after a DELETE (or with other properties).
  if (existing?.runCommand && same) {
    return regionalOperation(cloud, req, 'Microsoft.Compute', vm, { work: () => runCommandBody(existing, false) });
  }
  const rc: FakeResource =
    existing ??
    cloud.inventory.put({
      id: cloud.inventory.resourceId(vm.resourceGroup, RUN_COMMAND_TYPE, fullName),
      name: fullName,
      type: RUN_COMMAND_TYPE,
      resourceGroup: vm.resourceGroup,
      location: vm.location,
      tags: isObject(body.tags) ? (body.tags as Record<string, string>) : {},
      properties: {},
      createdAt: new Date().toISOString(),
    });
  // "To cancel a running deployment, you can PUT or PATCH on the running instance of Run Command":
  // a PUT on a running command ends that execution; a blank script only cancels.
  const previous = rc.runCommand;
  if (previous && (previous.executionState === 'Running' || previous.executionState === 'Pending')) {
    previous.generation += 1;
    previous.executionState = 'Canceled';
    previous.endTime = new Date().toISOString();
  }
  const generation = (previous?.generation ?? 0) + 1;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  rc.runCommand = {
    script,
    parameters,
    protectedParameters,
    asyncExecution,
    timeoutInSeconds,
    treatFailureAsDeploymentFailure: treat,
    executionState: script ? 'Running' : 'Canceled',
    executionMessage: '',
    output: '',
    error: '',
    startTime: new Date().toISOString(),
    generation,
    done,
    unknownReads: cloud.managedUnknownReads,
    pendingReads: 1,
  };
  if (!script) finish();
  else {
    cloud.managedRunCommandLog.push({
      vmName: vm.name,
      resourceGroup: vm.resourceGroup,
      name: req.params.name,
      script,
      parameters: Object.fromEntries(parameters.map((p) => [p.name, p.value])),
      protectedParameters: Object.fromEntries(protectedParameters.map((p) => [p.name, p.value])),
      timeoutInSeconds,
      at: new Date().toISOString(),
    });
    recordManagedScript(cloud, vm.name, req.params.name, script);
    void execute(cloud, vm, rc, rc.runCommand).finally(finish);
  }
  const current = rc.runCommand;
  return regionalOperation(cloud, req, 'Microsoft.Compute', vm, {
    initialStatus: 201,
    initialBody: runCommandBody(rc, false, 'Creating'),
    work: async () => {
      // asyncExecution: "provisioning will complete as soon as the script starts".
      if (!asyncExecution) await current.done;
      if (!asyncExecution && treat && current.executionState !== 'Succeeded') {
        throw new ArmError(409, 'VMExtensionProvisioningError', `VM has reported a failure when processing extension '${req.params.name}': the script ended ${current.executionState} (exit code ${current.exitCode ?? 'none'}).`);
      }
      return runCommandBody(rc, false);
    },
  });
}

async function execute(cloud: FakeCloud, vm: FakeResource, rc: FakeResource, run: ManagedRunCommandState): Promise<void> {
  const mine = run.generation;
  const handler = cloud.runCommandHandlers.get(vm.name.toLowerCase()) ?? cloud.runCommandHandlers.get('*');
  const limitMs = run.timeoutInSeconds > 0 ? run.timeoutInSeconds * 1000 : RUN_COMMAND_LIMIT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limitMs);
    timer.unref(); // a script a test never ends must not keep the test process alive
  });
  const params = scriptArguments([...run.parameters, ...run.protectedParameters]);
  try {
    const work = invokeHandler(handler, run.script, params, {
      vmName: vm.name,
      resourceGroup: vm.resourceGroup,
      commandId: 'managed',
      vm: {
        get powerState() {
          return vm.vm!.powerState;
        },
        shutdown: () => {
          vm.vm!.powerState = 'stopped';
        },
      },
    });
    work.catch(() => undefined); // a run that was cancelled or timed out fails for nobody
    const out = await Promise.race([work, timedOut]);
    if (run.generation !== mine) return; // cancelled (PUT again) or deleted meanwhile
    run.endTime = new Date().toISOString();
    if (out === 'timeout') {
      run.executionState = 'TimedOut';
      run.executionMessage = `The script timed out after ${run.timeoutInSeconds || limitMs / 1000} seconds and was stopped.`;
      return;
    }
    run.output = lastBytes(out.stdout ?? '', MANAGED_OUTPUT_LIMIT);
    run.error = lastBytes(out.stderr ?? '', MANAGED_OUTPUT_LIMIT);
    run.exitCode = out.exitCode ?? (out.stderr ? 1 : 0);
    run.executionState = run.exitCode === 0 ? 'Succeeded' : 'Failed';
  } catch (err) {
    if (run.generation !== mine) return;
    run.endTime = new Date().toISOString();
    run.executionState = 'Failed';
    run.executionMessage = err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The resource as GET returns it (VirtualMachineRunCommand_Get.json): `parameters` echoed,
 * `protectedParameters` (and runAsPassword) never; the instance view only with $expand=instanceView.
 */
export function runCommandBody(rc: FakeResource, withInstanceView: boolean, provisioningState = 'Succeeded', unknown = false, pending = false): Record<string, unknown> {
  const s = rc.runCommand!;
  // Not reported yet: no state, exit code or output to show (the execution goes on meanwhile).
  if (unknown) return resourceBody(rc, { source: { script: s.script }, parameters: s.parameters, provisioningState, instanceView: { executionState: 'Unknown', executionMessage: '' } });
  return resourceBody(rc, {
    source: { script: s.script },
    parameters: s.parameters,
    asyncExecution: s.asyncExecution,
    treatFailureAsDeploymentFailure: s.treatFailureAsDeploymentFailure,
    timeoutInSeconds: s.timeoutInSeconds,
    provisioningState,
    ...(withInstanceView
      ? {
          instanceView: {
            executionState: pending ? 'Pending' : s.executionState,
            executionMessage: s.executionMessage,
            ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
            output: s.output,
            error: s.error,
            ...(s.startTime ? { startTime: s.startTime } : {}),
            ...(s.endTime ? { endTime: s.endTime } : {}),
          },
        }
      : {}),
  });
}
