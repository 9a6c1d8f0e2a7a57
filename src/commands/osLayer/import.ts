import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { osLayerNameRule, versionNameRule } from '../../domain/rules';
import { nextId } from '../shared/lookup';
import { diskRefFromFlag, ipv6FromFlag } from './diskRef';
import { osLayerView } from './view';

interface Flags {
  name: string;
  version: string;
  disk: string;
  ipv6?: string;
}

export async function run(ctx: Context, flags: Flags): Promise<void> {
  for (const [flag, rule, value] of [
    ['--name', osLayerNameRule, flags.name],
    ['--version', versionNameRule, flags.version],
  ] as const) {
    const ok = rule(value);
    if (ok !== true) throw new UsageError(`${flag}: ${ok}.`);
  }
  const ipv6 = ipv6FromFlag(flags.ipv6);
  const disk = await diskRefFromFlag(flags.disk);
  const os = await (await ctx.store()).mutate((state) => {
    if (state.osLayers.some((o) => o.name === flags.name))
      throw new UsageError(`An OS layer named "${flags.name}" already exists; add a version to it with elm os-layer version add ${flags.name} --version V --disk PATH.`);
    const created = {
      id: nextId(state),
      name: flags.name,
      createdAt: ctx.now().toISOString(),
      versions: [{ name: flags.version, disk, ipv6, createdAt: ctx.now().toISOString() }],
    };
    state.osLayers.push(created);
    return created;
  });
  if (ctx.io.json) return ctx.out.json(osLayerView(os));
  ctx.out.success(`Imported OS layer "${os.name}" version ${flags.version} (${disk.format}, ${formatGiB(disk.sizeBytes)}, IPv6 ${ipv6}).`);
}

export function formatGiB(bytes: number): string {
  if (!bytes) return 'size unknown';
  const gib = bytes / 2 ** 30;
  return gib >= 1 ? `${Math.round(gib * 10) / 10} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
