import type { State, Task } from '../../domain/state';

/**
 * A build on the file share waits (ActionRequired) for the operator to run its script on the
 * machine; the version's finalize is what closes it. These find that build and what it wrote.
 */
export function openHandBuild(state: State, layerId: string, version: string): Task | undefined {
  return state.tasks.find((t) => t.kind === 'LayerBuild' && t.layerId === layerId && t.version === version && t.state === 'ActionRequired' && !(t.params as { remote?: unknown }).remote);
}

/** The files the build's hand-over step recorded writing (its script, the folder of its files). */
export function handBuildFiles(build: Task): string[] {
  const data = build.steps.find((s) => s.name === 'handOver')?.data ?? {};
  return [data.script, data.filesDir].filter((p): p is string => typeof p === 'string' && p.length > 0);
}

/** The build's own finalize comment (the spec's finalize.comment), for a finalize given none. */
export function handBuildComment(build: Task | undefined): string {
  return String((build?.params as { finalizeComment?: unknown } | undefined)?.finalizeComment ?? '');
}
