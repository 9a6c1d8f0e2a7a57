import { NotReadyError } from '../domain/errors';
import type { Layer, LayerVersion, State } from '../domain/state';
import type { FreshnessExpectation } from './freshness';
import type { IntegrityReport } from './report';

/**
 * What a fresh report of this version looks like: taken after its packaging disk was made, by the
 * deployed machine where a connector recorded its computer name (machine.resources.computerName).
 * The disk was made when the create task's step that recorded its location ended (the task itself
 * stays ActionRequired until finalize); without one, the task's end, else the version's creation.
 */
export function freshnessOf(state: State, version: LayerVersion): FreshnessExpectation {
  const task = state.tasks.find((t) => t.id === version.createTaskId);
  const diskStep = [...(task?.steps ?? [])].reverse().find((st) => st.endedAt && typeof st.data.location === 'string');
  const made = diskStep?.endedAt ?? task?.endedAt ?? version.createdAt;
  const resources = (version.machine as { resources?: Record<string, unknown> } | null)?.resources;
  const computerName = typeof resources?.computerName === 'string' ? resources.computerName : null;
  return { diskMadeAt: new Date(made), computerName, now: new Date() };
}

/** The refusal (exit 3) for a stale report, or null when it is fresh. */
export async function staleReportError(state: State, layer: Layer, version: LayerVersion, report: IntegrityReport, source: string): Promise<NotReadyError | null> {
  const { staleReportReason } = await import('./freshness.js');
  const why = staleReportReason(report, freshnessOf(state, version));
  if (!why) return null;
  return new NotReadyError(
    `The integrity report ${source} is stale: ${why}. Run ShutdownForFinalize.ps1 again on the packaging machine of "${layer.name}" ${version.name} and use its new report.`,
  );
}
