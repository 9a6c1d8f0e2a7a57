import { ConflictError } from '../../domain/errors';
import type { State } from '../../domain/state';
import type { Where } from '../../store/stateBackend';
import { liveWorker, workerStarting } from '../../tasks/workerLiveness';

/**
 * One operation at a time per layer version: called inside the mutation that creates a task, so
 * two commands racing for the same version cannot both pass. The create task waiting for the
 * operator (ActionRequired) does not hold the version.
 */
export async function claimVersion(where: Where, state: State, layerId: string, version: string): Promise<void> {
  const busy = state.tasks.find(
    (t) => t.layerId === layerId && t.version === version && (t.state === 'Pending' || t.state === 'Running' || t.state === 'Canceling'),
  );
  if (!busy) return;
  const worker = await liveWorker(where, busy.id);
  const detail = worker ? ` in process ${worker.pid} on ${worker.host}` : workerStarting(busy) ? ' (its worker is starting)' : ` (its worker stopped: elm task resume ${busy.id})`;
  throw new ConflictError(
    `Layer version is busy: task ${busy.id} (${busy.kind}) is ${busy.state}${detail}; wait for it with elm task wait ${busy.id}.`,
  );
}
