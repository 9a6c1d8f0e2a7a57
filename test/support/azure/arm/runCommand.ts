/**
 * Run Command (POST /…/virtualMachines/{vm}/runCommand, `RunPowerShellScript` or
 * `RunShellScript`). The fake cannot run scripts: the test says what the machine prints with
 * `fake.onRunCommand(vmName, (script, parameters, ctx) => stdout | { stdout, stderr })`, and
 * `ctx.vm.shutdown()` makes the VM stop (PowerState/stopped) once the command has returned, like
 * a script ending in `Stop-Computer`. As in Azure, only the last 4096 bytes of each stream are
 * returned, one command runs at a time per VM, and the VM must be running.
 * A handler that throws an ArmError fails the operation with it; any other exception becomes the
 * command's stderr (a script that threw).
 */
import { ArmError } from '../errors';
import type { PowerState } from '../inventory';

export interface RunCommandOutput {
  stdout?: string;
  stderr?: string;
}

export interface RunCommandContext {
  vmName: string;
  resourceGroup: string;
  commandId: string;
  vm: {
    readonly powerState: PowerState;
    /** The guest shuts down after this command (the VM ends PowerState/stopped). */
    shutdown(): void;
  };
}

export type RunCommandHandler = (
  script: string,
  parameters: Record<string, string>,
  ctx: RunCommandContext,
) => string | RunCommandOutput | void | Promise<string | RunCommandOutput | void>;

export interface RunCommandRecord {
  vmName: string;
  resourceGroup: string;
  commandId: string;
  script: string;
  parameters: Record<string, string>;
  at: string;
}

export const RUN_COMMAND_OUTPUT_LIMIT = 4096;

export const SUPPORTED_COMMANDS: Record<string, 'Windows' | 'Linux'> = {
  RunPowerShellScript: 'Windows',
  RunShellScript: 'Linux',
};

/** The last `limit` bytes of a UTF-8 string. */
export function lastBytes(text: string, limit = RUN_COMMAND_OUTPUT_LIMIT): string {
  const buf = Buffer.from(text, 'utf8');
  return buf.length <= limit ? text : buf.subarray(buf.length - limit).toString('utf8');
}

export function runCommandResult(out: RunCommandOutput): { value: Array<Record<string, string>> } {
  return {
    value: [
      { code: 'ComponentStatus/StdOut/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: lastBytes(out.stdout ?? '') },
      { code: 'ComponentStatus/StdErr/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded', message: lastBytes(out.stderr ?? '') },
    ],
  };
}

export async function invokeHandler(
  handler: RunCommandHandler | undefined,
  script: string,
  parameters: Record<string, string>,
  ctx: RunCommandContext,
): Promise<RunCommandOutput> {
  if (!handler) return { stdout: '', stderr: '' };
  try {
    const out = await handler(script, parameters, ctx);
    if (typeof out === 'string') return { stdout: out, stderr: '' };
    return { stdout: out?.stdout ?? '', stderr: out?.stderr ?? '' };
  } catch (err) {
    if (err instanceof ArmError) throw err;
    return { stdout: '', stderr: err instanceof Error ? err.message : String(err) };
  }
}
