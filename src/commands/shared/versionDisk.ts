import { NotReadyError } from '../../domain/errors';
import type { DiskLocation } from '../../connectors/connector';
import type { Layer, LayerVersion, State } from '../../domain/state';

/** The version's packaging disk, or exit 3 saying what it waits for. */
export function readyDisk(state: State, layer: Layer, version: LayerVersion): DiskLocation {
  const task = state.tasks.find((t) => t.id === version.createTaskId);
  const d = version.packagingDisk;
  if (!d.location || d.sizeBytes === null) {
    const why = task ? `task ${task.id} is ${task.state}${task.state === 'Running' || task.state === 'Pending' ? ` (${task.progress}%): elm task wait ${task.id}` : task.error ? `: ${task.error}` : ''}` : 'no task created it';
    throw new NotReadyError(`The packaging disk of "${layer.name}" ${version.name} is not ready: ${why}.`);
  }
  return { location: d.location, format: d.format, sizeBytes: d.sizeBytes, description: task?.description ?? '' };
}
