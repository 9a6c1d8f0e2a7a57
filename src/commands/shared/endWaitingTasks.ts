import type { State } from '../../domain/state';

/**
 * A removed version's task that waits for the operator (ActionRequired) would wait forever and
 * stay in `elm task list`: it ends as Canceled, saying why. Ended tasks stay as history.
 */
export function endWaitingTasks(state: State, layerId: string, version: string | undefined, why: string, now: Date): void {
  for (const t of state.tasks) {
    if (t.layerId !== layerId || (version !== undefined && t.version !== version) || t.state !== 'ActionRequired') continue;
    t.state = 'Canceled';
    t.endedAt = now.toISOString();
    t.description = why;
  }
}
