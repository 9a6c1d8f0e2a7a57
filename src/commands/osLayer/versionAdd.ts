import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { versionNameRule } from '../../domain/rules';
import { findOsLayer } from '../../domain/osLayerRef';
import { diskRefFromFlag, generationFromFlag, ipv6FromFlag } from './diskRef';
import { firmwareOf, guestOsFromFlag } from './guestOs';
import { bootDescription } from './import';
import { osLayerView } from './view';

export async function run(ctx: Context, flags: { version: string; disk: string; ipv6?: string; generation?: string; guestOs?: string }, [name]: string[]): Promise<void> {
  const ok = versionNameRule(flags.version);
  if (ok !== true) throw new UsageError(`--version: ${ok}.`);
  const ipv6 = ipv6FromFlag(flags.ipv6);
  const store = await ctx.store();
  const existing = findOsLayer(await store.read(), name); // fail fast on a wrong name before probing the disk
  if (flags.generation !== undefined) generationFromFlag(flags.generation, 'unknown'); // a bad value fails before the disk is read
  // Unset: the previous version's guest OS (the same Windows, most likely), else from the name.
  const guestOs = flags.guestOs === undefined ? (existing.versions.at(-1)?.guestOs ?? guestOsFromFlag(undefined, existing.name)) : guestOsFromFlag(flags.guestOs, existing.name);
  const { disk, partitionStyle } = await diskRefFromFlag(flags.disk);
  const generation = generationFromFlag(flags.generation, partitionStyle);
  const firmware = firmwareOf(generation);
  const os = await store.mutate((state) => {
    const target = findOsLayer(state, name);
    if (target.versions.some((v) => v.name === flags.version))
      throw new UsageError(`OS layer "${target.name}" already has a version "${flags.version}"; pick another --version.`);
    target.versions.push({ name: flags.version, disk, ipv6, partitionStyle, generation, firmware, guestOs, createdAt: ctx.now().toISOString() });
    return target;
  });
  if (ctx.io.json) return ctx.out.json(osLayerView(os));
  ctx.out.success(`Added version ${flags.version} to OS layer "${os.name}" (IPv6 ${ipv6}, ${bootDescription(partitionStyle, generation)}).`);
  ctx.out.info(`Packaging machines boot it with ${firmware} firmware; vSphere guest OS ${guestOs}.`);
}
