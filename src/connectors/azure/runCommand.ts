/**
 * The layer integrity probe on an Azure packaging machine: ShutdownForFinalize.ps1 through Run
 * Command (RunPowerShellScript), within Run Command's documented limits (Run scripts in your
 * Windows VM by using action Run Commands):
 * - it goes through the VM agent, which must be Ready: the instance view is read first;
 * - only the last 4,096 bytes of output come back: the report is the last line that parses, and
 *   a report whose start was cut off is called truncated;
 * - a script may run 90 minutes: --expedite-ngen gives NGen a budget that ends well before;
 * - the probe never runs with -Shutdown here: stopping the guest would stop the agent under the
 *   running command. After a clean report elm deallocates the VM through ARM instead;
 * - after every run (whatever its report) elm removes Run Command's copy of the probe from the
 *   guest (runCommandCopies.ts), so a machine the operator stops later holds none.
 * Run Command passes parameters as `-Name value` strings, which a [switch] cannot take, so the
 * probe runs inside a small wrapper that turns them into the probe's parameters.
 */
import { counted } from '../../domain/plural';
import { ElmError, NotReadyError } from '../../domain/errors';
import type { MachineRef } from '../connector';
import type { AzureClients } from './clients';
import { platformError } from './errors';
import { deallocate, instanceState, machineResources, type MachineResources } from './machine';

export interface ProbeOptions {
  expediteNgen: boolean;
  /** After a clean report, stop the machine (elm deallocates it through ARM). */
  shutdown: boolean;
}

/** Run Command returns only the last 4,096 bytes of the script's output. */
export const RUN_COMMAND_OUTPUT_LIMIT = 4096;
/** Minutes -ExpediteNGen may wait for NGen: the rest of Run Command's 90 minutes is for the probe itself. */
export const NGEN_WAIT_MINUTES = 75;

export function wrapProbe(probe: string): string {
  return [
    "param([string]$ExpediteNGen = 'False', [string]$NGenWaitMinutes = '')",
    '$elmProbe = {',
    probe.replace(/^\uFEFF/, ''),
    '}',
    '$elmArgs = @{}',
    "if ($ExpediteNGen -eq 'True') { $elmArgs['ExpediteNGen'] = $true }",
    "if ($NGenWaitMinutes -ne '') { $elmArgs['NGenWaitMinutes'] = [int]$NGenWaitMinutes }",
    '& $elmProbe @elmArgs',
  ].join('\n');
}

/** The report: the last line of stdout that is a JSON object (earlier lines may be cut or banners). */
export function extractReport(stdout: string): string | null {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const doc = JSON.parse(lines[i]);
      if (doc && typeof doc === 'object' && 'blockers' in doc) return lines[i];
    } catch {
      // a line cut by the 4096-byte limit, or not JSON
    }
  }
  return null;
}

/** Output that filled Run Command's window, or that ends in the tail of a report: its start is lost. */
export function looksTruncated(stdout: string): boolean {
  const bytes = Buffer.byteLength(stdout, 'utf8');
  return bytes >= RUN_COMMAND_OUTPUT_LIMIT - 4 || /"(blockers|shutdownRequested|details)"\s*:/.test(stdout);
}

export async function runProbe(clients: AzureClients, ref: MachineRef, opts: ProbeOptions): Promise<string> {
  const m = machineResources(clients, ref);
  const { power, agent } = await instanceState(clients, m);
  if (power !== 'running') {
    if (opts.shutdown && (power === 'stopped' || power === 'deallocated' || power === 'deallocating')) {
      await deallocate(clients, m);
      return '';
    }
    const what = power === 'absent' ? 'does not exist' : `is ${power}`;
    throw new NotReadyError(
      `The packaging machine ${m.vmName} ${what}: Run Command needs it running. Start it (Azure portal, or az vm start -g ${m.resourceGroup} -n ${m.vmName}), ` +
        'or run ShutdownForFinalize.ps1 on it and pass elm verify --report FILE.',
    );
  }
  if (agent?.toLowerCase() !== 'ready')
    throw new ElmError(
      `The VM agent of ${m.vmName} is not Ready (${agent ?? 'no agent reports'}): Run Command goes through it. ` +
        'Install the Azure VM Agent in the OS layer (https://learn.microsoft.com/azure/virtual-machines/extensions/agent-windows), ' +
        'or run ShutdownForFinalize.ps1 on the machine and pass elm verify --report FILE.',
    );
  const { readProbeScript } = await import('../../integrity/probeScript.js');
  const script = wrapProbe(await readProbeScript());
  const parameters = opts.expediteNgen
    ? [
        { name: 'ExpediteNGen', value: 'True' },
        { name: 'NGenWaitMinutes', value: String(NGEN_WAIT_MINUTES) },
      ]
    : [];
  const { stdout, stderr } = await runThenRemoveCopies(clients, m, script, parameters);
  const report = extractReport(stdout);
  if (!report) {
    if (looksTruncated(stdout))
      throw new ElmError(
        `The layer integrity probe on ${m.vmName} printed more than Run Command returns (report truncated: ${Buffer.byteLength(stdout, 'utf8')} bytes, ` +
          `the last ${RUN_COMMAND_OUTPUT_LIMIT} of its output). Run ShutdownForFinalize.ps1 -ReportPath C:\\elm\\report.json on the machine and pass elm verify --report FILE.`,
      );
    const tail = stderr.trim().split(/\r?\n/).slice(-3).join(' ').slice(-500);
    throw new ElmError(`The layer integrity probe on ${m.vmName} printed no report${tail ? `: ${tail}` : ''}.`);
  }
  if (opts.shutdown) {
    const blockers = (JSON.parse(report) as { blockers?: unknown[] }).blockers ?? [];
    if (blockers.length > 0)
      throw new NotReadyError(`The packaging machine ${m.vmName} was not shut down: the probe found ${counted(blockers.length, 'blocker')} (${blockers.join(', ')}); run elm verify again.`);
    await deallocate(clients, m);
    return ''; // stopped (deallocated) after a clean report
  }
  return report;
}

/**
 * Runs the probe through the action Run Command, then removes the copy of it the action left in the
 * guest (runCommandCopies.ts), whatever the outcome: nothing of elm's stays in the layer even when
 * the operator stops the machine after this verify. A failed removal fails the verify, unless
 * the run failed first (its error is the one to see).
 */
async function runThenRemoveCopies(clients: AzureClients, m: MachineResources, script: string, parameters: { name: string; value: string }[]) {
  const { removeActionRunCommandCopies } = await import('./runCommandCopies.js');
  let output: { stdout: string; stderr: string };
  try {
    output = await runCommandOutput(clients, m, script, parameters);
  } catch (e) {
    await removeActionRunCommandCopies(clients, m).catch(() => undefined);
    throw e;
  }
  await removeActionRunCommandCopies(clients, m);
  return output;
}

async function runCommandOutput(clients: AzureClients, m: MachineResources, script: string, parameters: { name: string; value: string }[]) {
  const compute = await clients.compute();
  let stdout = '';
  let stderr = '';
  try {
    const result = await compute.virtualMachines.beginRunCommandAndWait(m.resourceGroup, m.vmName, {
      commandId: 'RunPowerShellScript',
      script: script.split('\n'),
      ...(parameters.length ? { parameters } : {}),
    });
    for (const v of result.value ?? []) {
      if (/StdOut/i.test(v.code ?? '')) stdout = v.message ?? '';
      if (/StdErr/i.test(v.code ?? '')) stderr = v.message ?? '';
    }
  } catch (e) {
    throw platformError(`Running the layer integrity probe on ${m.vmName} (Run Command)`, e);
  }
  return { stdout, stderr };
}
