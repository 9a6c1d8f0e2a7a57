import { ConflictError, NotReadyError } from '../../domain/errors';
import type { Layer, State } from '../../domain/state';
import type { Where } from '../../store/stateBackend';
import { liveWorker } from '../../tasks/workerLiveness';

/** Task states in which a task still works on its layer version (ActionRequired waits for the operator). */
const WORKING = ['Pending', 'Running', 'Canceling'];

/**
 * Refuses (exit 5) while a task works on the layer (or one version of it): removing it underneath
 * would leave the task writing into nothing. A task whose worker died must be cancelled first.
 */
export async function refuseWhileTaskRuns(where: Where, state: State, layer: Layer, version?: string): Promise<void> {
  const busy = state.tasks.find((t) => t.layerId === layer.id && (version === undefined || t.version === version) && WORKING.includes(t.state));
  if (!busy) return;
  const what = `"${layer.name}"${version !== undefined ? ` ${version}` : ''}`;
  const worker = await liveWorker(where, busy.id);
  if (worker || busy.state === 'Pending')
    throw new ConflictError(`Cannot remove ${what}: task ${busy.id} (${busy.kind}) is ${busy.state}; wait for it (elm task wait ${busy.id}) or cancel it (elm task cancel ${busy.id}).`);
  throw new ConflictError(`Cannot remove ${what}: task ${busy.id} (${busy.kind}) was interrupted (its worker died); cancel it first with elm task cancel ${busy.id}.`);
}

/** The layer versions bound to an OS layer (or one version of it), as `layer version` labels. */
export function layersBoundTo(state: State, osLayer: string, osVersion?: string): string[] {
  return state.layers.flatMap((l) =>
    l.versions.filter((v) => v.osLayer.name === osLayer && (osVersion === undefined || v.osLayer.version === osVersion)).map((v) => `"${l.name}" ${v.name}`),
  );
}

/** Exit 3: something still uses the object; the message names the users and the way out. */
export function inUse(what: string, users: string[], fix: string): NotReadyError {
  const shown = users.length > 5 ? `${users.slice(0, 5).join(', ')} and ${users.length - 5} more` : users.join(', ');
  return new NotReadyError(`Cannot remove ${what}: ${shown} ${users.length === 1 ? 'uses' : 'use'} it; ${fix}.`);
}
