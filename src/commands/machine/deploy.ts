import type { Context } from '../../runtime/context';
import { UsageError } from '../../domain/errors';
import { waitChoice } from '../shared/waitChoice';
import { machineRequest, type MachineFlags } from './deployLink';
import { shellQuote } from '../../domain/shellQuote';

/** Deploys the packaging machine where the connector can (Azure, vSphere); the file share cannot. */
export async function run(ctx: Context, flags: MachineFlags, [ref]: string[]): Promise<void> {
  waitChoice(flags, true); // a bad --timeout is exit 2 before any platform call
  const { connector, config, layer } = await machineRequest(ctx, flags, ref);
  if (!connector.deployMachine)
    throw new UsageError(`The ${config.type} connector "${config.name}" cannot deploy machines; follow elm machine deploy-link ${shellQuote(layer.name)} instead.`);
  const { startMachineDeployment } = await import('./startDeployment.js');
  await startMachineDeployment(ctx, flags, ref);
}
