import type { Context } from '../../runtime/context';
import type { MachineRef } from '../../connectors/connector';
import { findConnector, resolveLayer, resolveVersionToRead } from '../shared/lookup';
import { readyDisk } from '../shared/versionDisk';

export async function run(ctx: Context, flags: { version?: string }, [ref]: string[]): Promise<void> {
  const state = await (await ctx.store()).read();
  const layer = resolveLayer(state, ref);
  const version = resolveVersionToRead(layer, flags.version);
  const disk = readyDisk(state, layer, version);
  const connector = await ctx.connector(findConnector(state, version.connector));
  const machine = (version.machine as MachineRef | null) ?? null;
  const status = await connector.machineStatus(machine, disk);
  const doc = { layer: { id: layer.id, name: layer.name }, version: version.name, machine: { name: machine?.name ?? null, status } };
  if (ctx.io.json) return ctx.out.json(doc);
  const hint =
    status === 'unknown' && connector.type === 'fileshare'
      ? ' (a file share cannot see the VM; it counts as stopped once ShutdownForFinalize.ps1 -Shutdown has written its report)'
      : '';
  ctx.out.data(`${machine?.name ?? 'packaging machine'}: ${status}${hint}`);
}
