import { counted } from '../../domain/plural';
import { existsSync } from 'node:fs';
import type { Context } from '../../runtime/context';
import { localPaths } from '../../domain/localPaths';
import { openBackend } from '../../store/stateBackend';
import { stateStatus } from '../../store/stateStatus';

/** Where the state is, how big, whether a writer holds it, and the paths in it this machine cannot reach. */
export async function run(ctx: Context): Promise<void> {
  const backend = await openBackend(ctx);
  const status = await stateStatus(backend);
  const state = await backend.store.read();
  const unreachable = localPaths(state).filter((p) => !existsSync(p.path));
  const doc = {
    ...status,
    counts: { connectors: state.connectors.length, osLayers: state.osLayers.length, layers: state.layers.length, tasks: state.tasks.length },
    unreachable,
  };
  if (ctx.io.json) return ctx.out.json(doc);
  ctx.out.data(`State: ${status.location} (${status.kind === 'blob' ? 'Azure blob' : 'file'})`);
  ctx.out.data(status.exists ? `Size: ${status.sizeBytes} bytes, modified ${status.modifiedAt}` : 'Not written yet: the first change creates it.');
  ctx.out.data(`Holds: ${doc.counts.connectors} connectors, ${doc.counts.osLayers} OS layers, ${doc.counts.layers} layers, ${doc.counts.tasks} tasks`);
  ctx.out.data(status.lock.state === 'available' ? 'Lock: free' : `Lock: ${status.lock.state} by ${status.lock.holder}`);
  if (unreachable.length) {
    ctx.out.warn(`${counted(unreachable.length, 'path')} in the state ${unreachable.length === 1 ? 'is' : 'are'} not reachable from this machine (recorded on another machine, or moved):`);
    for (const p of unreachable) ctx.out.data(`  ${p.what}: ${p.path}`);
  }
}
