import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ElmError, NotReadyError, UsageError } from '../../domain/errors';
import type { Layer, LayerVersion } from '../../domain/state';
import type { PublishParams } from '../../tasks/kinds/publish';

/** What every publish starts from, whatever the target: a Deployable version and its layer disk, readable here. */
/** --version must be Deployable (exit 3 naming its state); without it, the newest Deployable version. */
export function publishableVersion(layer: Layer, name: string | undefined): LayerVersion {
  if (name !== undefined) {
    const v = layer.versions.find((x) => x.name === name);
    if (!v) throw new UsageError(`Layer "${layer.name}" has no version "${name}" (versions: ${layer.versions.map((x) => x.name).join(', ')}).`);
    if (v.state !== 'Deployable') throw new NotReadyError(`"${layer.name}" ${v.name} is ${v.state}, not Deployable; finalize it first (elm finalize "${layer.name}" --version ${v.name} --wait).`);
    return v;
  }
  const newest = [...layer.versions].reverse().find((v) => v.state === 'Deployable');
  if (!newest) throw new NotReadyError(`Layer "${layer.name}" has no Deployable version; finalize one first (elm finalize "${layer.name}" --wait).`);
  return newest;
}

/** The layer disk finalize recorded, readable here: a platform copy (a blob) cannot be converted locally. */
export async function layerDisk(layer: Layer, version: LayerVersion): Promise<PublishParams['source']> {
  const a = version.artifact;
  if (!a) throw new NotReadyError(`"${layer.name}" ${version.name} has no layer disk recorded; finalize it again.`);
  if (!path.isAbsolute(a.location))
    throw new UsageError(`The layer disk of "${layer.name}" ${version.name} is ${a.location}, a platform copy; publish it with a connector of that platform.`);
  try {
    await fs.access(a.location, fs.constants.R_OK);
  } catch {
    throw new ElmError(`The layer disk of "${layer.name}" ${version.name}, ${a.location}, cannot be read here; run elm where the layer repository is.`);
  }
  return { location: a.location, format: a.format, sha256: a.sha256 };
}
