/**
 * When a powered-on VM takes guest operations. vCenter reports it apart from soft power
 * operations: GET /api/vcenter/vm/{vm}/guest/operations `guest_operations_ready` (vSphere
 * Automation API 7.0.2.0, Vcenter Vm Guest Operations Info: "Whether or not the virtual machine is
 * ready to process guest operations"), while guest/power `operations_ready` is "ready to process
 * soft power operations" and turns true first. While Windows boots, Tools are not running yet
 * (guest power state NOT_RUNNING) in a VM that is powered on: that is waited out, not refused.
 */
import { ElmError, NotReadyError } from '../../domain/errors';
import type { VsphereSession } from './session';
import { powerState } from './vm';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether the VM takes guest operations now. */
export async function guestOperationsReady(s: VsphereSession, vm: string): Promise<boolean> {
  const r = await s.get<{ guest_operations_ready?: boolean }>(`/api/vcenter/vm/${encodeURIComponent(vm)}/guest/operations`);
  return r.guest_operations_ready === true;
}

export interface ReadinessOptions {
  signal?: AbortSignal;
  /** What the operator can do instead, appended to a refusal (e.g. "or pass --report FILE"). */
  otherwise?: string;
}

/** Waits until the powered-on VM takes guest operations; not ready (exit 3) if it is not powered on or the time runs out. */
export async function waitForGuestOperations(s: VsphereSession, vm: string, name: string, timeoutMs: number, opts: ReadinessOptions = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const otherwise = opts.otherwise ? `, ${opts.otherwise}` : '';
  let wait = 250;
  for (;;) {
    if (await guestOperationsReady(s, vm)) return;
    const state = await powerState(s, vm);
    if (state !== 'POWERED_ON')
      throw new NotReadyError(`The packaging machine ${name} is ${state === null ? 'gone from vCenter' : state.toLowerCase().replace('_', ' ')}: guest operations need it running; power it on${otherwise}.`);
    if (Date.now() >= deadline)
      throw new NotReadyError(
        `VMware Tools in ${name} did not take guest operations within ${Math.round(timeoutMs / 1000)}s; check its console in the vSphere Client and that the OS layer runs VMware Tools${otherwise}.`,
      );
    if (opts.signal?.aborted) throw new ElmError('interrupted');
    await sleep(wait);
    wait = Math.min(5000, wait * 2);
  }
}
