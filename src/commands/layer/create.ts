import type { Context } from '../../runtime/context';
import { createOrAddVersion } from './createOrAdd';

export async function run(ctx: Context, flags: Record<string, unknown>): Promise<void> {
  await createOrAddVersion(ctx, flags);
}
