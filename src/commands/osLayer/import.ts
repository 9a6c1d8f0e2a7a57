import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { osLayerNameRule, versionNameRule } from '../../domain/rules';
import { nextId } from '../shared/lookup';
import { diskRefFromFlag, generationFromFlag, ipv6FromFlag } from './diskRef';
import { firmwareOf, guestOsFromFlag } from './guestOs';
import { osLayerView } from './view';
import { shellQuote } from '../../domain/shellQuote';
import { formatBytes } from '../../domain/units';

interface Flags {
  name: string;
  version: string;
  disk: string;
  ipv6?: string;
  generation?: string;
  guestOs?: string;
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
  if (flags.generation !== undefined) generationFromFlag(flags.generation, 'unknown'); // a bad value fails before the disk is read
  const guestOs = guestOsFromFlag(flags.guestOs, flags.name);
  const { disk, partitionStyle } = await diskRefFromFlag(flags.disk);
  const generation = generationFromFlag(flags.generation, partitionStyle);
  const firmware = firmwareOf(generation);
  const os = await (await ctx.store()).mutate((state) => {
    if (state.osLayers.some((o) => o.name === flags.name))
      throw new UsageError(`An OS layer named "${flags.name}" already exists; add a version to it with elm os-layer version add ${shellQuote(flags.name)} --version V --disk PATH.`);
    const created = {
      id: nextId(state),
      name: flags.name,
      createdAt: ctx.now().toISOString(),
      versions: [{ name: flags.version, disk, ipv6, partitionStyle, generation, firmware, guestOs, createdAt: ctx.now().toISOString() }],
    };
    state.osLayers.push(created);
    return created;
  });
  if (ctx.io.json) return ctx.out.json(osLayerView(os));
  ctx.out.success(`Imported OS layer "${os.name}" version ${flags.version} (${disk.format}, ${formatGiB(disk.sizeBytes)}, IPv6 ${ipv6}, ${bootDescription(partitionStyle, generation)}).`);
  ctx.out.info(`Packaging machines boot it with ${firmware} firmware; vSphere guest OS ${guestOs}.`);
}

/** How the version boots, as an operator reads it: `GPT disk, generation V2`. */
export function bootDescription(partitionStyle: string, generation: string): string {
  const style = partitionStyle === 'unknown' ? 'no partition table read' : `${partitionStyle.toUpperCase()} disk`;
  return `${style}, generation ${generation}`;
}

export function formatGiB(bytes: number): string {
  return bytes ? formatBytes(bytes) : 'size unknown';
}
