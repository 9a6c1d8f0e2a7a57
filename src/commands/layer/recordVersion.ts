import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import type { ConnectorConfig, Layer, LayerVersion, Task } from '../../domain/state';
import type { CreatePackagingDiskParams } from '../../tasks/kinds/createPackagingDisk';
import type { LayerPlan } from '../../wizard/plan';
import { readIconFile } from '../../icons/readIconFile';
import { recordIcon } from '../icon/importIcon';
import { nextId } from '../shared/lookup';

/**
 * Records the layer (or the new version of an existing one), its CreatePackagingDisk task and the
 * audit entry in one mutation, re-checking under the lock what another process may have taken.
 */
export async function recordLayerVersion(
  ctx: Context,
  plan: LayerPlan,
  newConnectors: ConnectorConfig[],
  existingLayerId?: string,
): Promise<{ layer: Layer; version: LayerVersion; task: Task }> {
  const iconFile = 'file' in plan.icon ? await readIconFile(plan.icon.file) : null;
  const now = ctx.now();
  const at = now.toISOString();
  return (await ctx.store()).mutate(async (state) => {
    for (const c of newConnectors) {
      if (state.connectors.some((x) => x.name === c.name)) throw new UsageError(`A connector named "${c.name}" was added meanwhile; run again and pick it.`);
      state.connectors.push({ ...c, id: nextId(state) });
    }
    let layer: Layer;
    if (existingLayerId) {
      layer = state.layers.find((l) => l.id === existingLayerId)!;
      if (layer.versions.some((v) => v.name === plan.version)) throw new UsageError(`Layer "${layer.name}" already has a version "${plan.version}"; pick another --version.`);
    } else {
      if (state.layers.some((l) => l.name === plan.name)) throw new UsageError(`A layer named "${plan.name}" already exists; pick another --name.`);
      layer = { id: nextId(state), name: plan.name, description: plan.description, icon: 'default', createdAt: at, versions: [], audit: [] };
      state.layers.push(layer);
    }
    const icon = iconFile ? await recordIcon(state, ctx.home, { ...iconFile, name: plan.name }, now) : null;
    layer.icon = icon ? icon.id : 'id' in plan.icon ? plan.icon.id : layer.icon;
    const task: Task = {
      id: nextId(state),
      kind: 'CreatePackagingDisk',
      state: 'Pending',
      description: `Creating the packaging disk ${plan.diskName} (${plan.diskFormat}) on "${plan.connector.name}".`,
      progress: 0,
      layerId: layer.id,
      version: plan.version,
      startedAt: at,
      endedAt: null,
      steps: [],
      params: {
        connector: plan.connector.name,
        osDisk: plan.os.version.disk,
        diskName: plan.diskName,
        format: plan.diskFormat,
        layerName: layer.name,
        maxSizeGiB: plan.growDiskToGiB,
      } satisfies CreatePackagingDiskParams as unknown as Record<string, unknown>,
      worker: null,
      error: null,
      cancelRequested: false,
    };
    const version: LayerVersion = {
      name: plan.version,
      description: plan.versionDescription,
      state: 'Editing',
      maxSizeGiB: plan.maxSizeGiB,
      osLayer: { name: plan.os.layer.name, version: plan.os.version.name },
      connector: plan.connector.name,
      platform: plan.platform,
      recipes: plan.recipes,
      packagingDisk: { name: plan.diskName, format: plan.diskFormat, location: null, sizeBytes: null },
      createTaskId: task.id,
      machine: null,
      integrity: null,
      artifact: null,
      createdAt: at,
    };
    layer.versions.push(version);
    layer.audit.push({ at, user: ctx.user(), action: existingLayerId ? 'Add Version' : 'Create Layer', comment: plan.comment, version: plan.version });
    state.tasks.push(task);
    return { layer, version, task };
  });
}
