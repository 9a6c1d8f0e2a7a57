import type { Context } from '../../runtime/context';
import { formatTable } from '../../runtime/output';
import type { LayerVersion } from '../../domain/state';
import { findLayer } from '../shared/lookup';
import { readState } from '../shared/readState';

export async function run(ctx: Context, _opts: unknown, [ref]: string[]): Promise<void> {
  const layer = findLayer(await readState(ctx, ['layers']), ref);
  // The stored shape is the --json contract (the README's Conventions); `disk` adds where each version's disk is
  // now: the layer's disk in the repository once finalized (the packaging disk is deleted then).
  if (ctx.io.json) return ctx.out.json({ ...layer, versions: layer.versions.map((v) => ({ ...v, images: v.images ?? [], disk: currentDisk(v) })) });
  const s = ctx.out.style;
  ctx.out.data(`${s.bold(layer.name)} (id ${layer.id})${layer.description ? ` — ${layer.description}` : ''}`);
  ctx.out.data(
    formatTable(
      s,
      ['VERSION', 'STATE', 'OS LAYER', 'CONNECTOR', 'DISK'],
      layer.versions.map((v) => [
        v.name,
        v.state,
        `${v.osLayer.name} ${v.osLayer.version}`,
        v.connector,
        v.artifact ? `${v.artifact.location} (layer disk)` : (v.packagingDisk.location ?? `${v.packagingDisk.name} (${v.packagingDisk.format}, not written yet)`),
      ]),
    ),
  );
  const images = layer.versions.flatMap((v) => (v.images ?? []).map((i) => [v.name, i.kind, i.location, i.id, i.connector]));
  if (images.length) {
    ctx.out.data(`\n${s.bold('Published Images')}`);
    ctx.out.data(formatTable(s, ['VERSION', 'KIND', 'WHERE', 'ID', 'CONNECTOR'], images));
  }
  ctx.out.data(`\n${s.bold('Audit History')}`);
  ctx.out.data(formatTable(s, ['WHEN', 'USER', 'ACTION', 'VERSION', 'COMMENT'], layer.audit.map((a) => [a.at, a.user, a.action, a.version ?? '', a.comment])));
}

/** The disk a version has now: its layer disk once finalized, else its packaging disk (if written). */
function currentDisk(v: LayerVersion) {
  if (v.artifact) return { kind: 'layer', location: v.artifact.location, format: v.artifact.format, sizeBytes: v.artifact.sizeBytes };
  return { kind: 'packaging', location: v.packagingDisk.location, format: v.packagingDisk.format, sizeBytes: v.packagingDisk.sizeBytes };
}
