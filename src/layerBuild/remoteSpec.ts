/**
 * What a build spec needs when elm runs its steps on the machine itself (Azure Run Command): a
 * local file travels inside Run Command's script, so it must fit; bigger ones go by https URL.
 * A step's time is not capped here: build steps go through *managed* Run Command, whose
 * timeoutInSeconds is the operator's ("Long running (hours/days) scripts" are supported, Run
 * scripts in your Windows VM by using managed Run Commands); the 90-minute limit is the action
 * Run Command's (used by verify, runCommand.ts), not the steps'.
 */
import { promises as fs } from 'node:fs';
import { UsageError } from '../domain/errors';
import type { BuildSpec } from './buildSpec';

/** Run Command's script is limited in size: a local file travels inside it (base64-encoded once, 4/3 of its size), so it must be small. */
export const MAX_INLINE_FILE_BYTES = 160 * 1024;

export async function checkRemoteSpec(abs: string, spec: BuildSpec): Promise<void> {
  for (const [i, step] of spec.steps.entries()) {
    if (step.kind !== 'file' || step.source.startsWith('https://')) continue;
    const size = (await fs.stat(step.source)).size;
    if (size > MAX_INLINE_FILE_BYTES)
      throw new UsageError(
        `Build spec ${abs}: steps.${i}.file.source ${step.source} is ${size} bytes; elm sends a local file inside Run Command's script (up to ${MAX_INLINE_FILE_BYTES} bytes). Serve it over https:// and give the URL, or download it in a script step.`,
      );
  }
}
