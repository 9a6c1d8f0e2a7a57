import type { State, Task } from '../../domain/state';
import { withVersionHints } from '../../domain/nextStepHints';

/** `task show/wait --json`: {id, kind, state, description} and the rest an operator may need. */
export function taskJson(t: Task, state?: State) {
  const layer = state?.layers.find((l) => l.id === t.layerId);
  return {
    id: t.id,
    kind: t.kind,
    state: t.state,
    // Hints for another open version of the layer name it (--version), as written or not.
    description: layer ? withVersionHints(t.description, layer, t.version) : t.description,
    progress: t.progress,
    layer: { id: t.layerId, name: layer?.name ?? null },
    version: t.version,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    error: t.error,
    steps: t.steps.map((s) => ({ name: s.name, state: s.state, startedAt: s.startedAt, endedAt: s.endedAt })),
  };
}
