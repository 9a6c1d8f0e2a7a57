/**
 * Run Command (POST /…/virtualMachines/{vm}/runCommand, `RunPowerShellScript` or
 * `RunShellScript`). The fake cannot run scripts: the test says what the machine prints with
 * `fake.onRunCommand(vmName, (script, parameters, ctx) => stdout | { stdout, stderr })`, and
 * `ctx.vm.shutdown()` makes the VM stop (PowerState/stopped) once the command has returned, like
 * a script ending in `Stop-Computer`. As in Azure, only the last 4096 bytes of each stream are
 * returned, one command runs at a time per VM, the VM must be running with its VM agent Ready,
 * and a command running longer than the limit (90 minutes; `fake.configureRunCommand`) is killed.
 * A handler that throws an ArmError fails the operation with it; any other exception becomes the
 * command's stderr (a script that threw).
 */
import { ArmError } from '../errors';
import type { PowerState } from '../inventory';

export interface RunCommandOutput {
  stdout?: string;
  stderr?: string;
  /** The script's exit code (managed Run Command reports it; the action does not). Default 0, or 1 with stderr. */
  exitCode?: number;
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

/**
 * "The maximum time a script can run is 90 minutes. After that, it will time out." (Run scripts in
 * your Windows VM by using action Run Commands, learn.microsoft.com/azure/virtual-machines/windows/run-command).
 */
export const RUN_COMMAND_LIMIT_MS = 90 * 60_000;

/** The script ran past the limit: Azure stops it and the operation fails. */
export function runCommandTimedOut(limitMs: number): ArmError {
  return new ArmError(
    500,
    'VMExtensionProvisioningTimeout',
    `Run command exceeded the maximum run time of ${Math.round(limitMs / 60_000) || limitMs / 60_000} minutes and was stopped (the script timed out).`,
  );
}

/**
 * Run Command goes through the VM agent: "the VM agent must be installed and in a Ready state"
 * (Run Command restrictions, same document); without it Azure answers
 * VMAgentStatusCommunicationError (Troubleshoot the Azure Windows VM Agent).
 */
export function agentNotReady(vmName: string): ArmError {
  return new ArmError(
    409,
    'VMAgentStatusCommunicationError',
    `VM '${vmName}' has not reported status for VM agent or extensions. Verify that the OS is up and healthy, the VM has a running VM agent, and that it can establish outbound connections to Azure storage.`,
  );
}

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
    return { stdout: out?.stdout ?? '', stderr: out?.stderr ?? '', ...(out?.exitCode !== undefined ? { exitCode: out.exitCode } : {}) };
  } catch (err) {
    if (err instanceof ArmError) throw err;
    return { stdout: '', stderr: err instanceof Error ? err.message : String(err), exitCode: 1 };
  }
}
