/**
 * The layer integrity probe on an Azure packaging machine: ShutdownForFinalize.ps1 through Run
 * Command (RunPowerShellScript). Run Command passes parameters as `-Name value` strings, which a
 * [switch] cannot take, so the probe runs inside a small wrapper whose string parameters
 * `Shutdown` / `ExpediteNGen` ('True') turn into the probe's switches. Azure returns only the last
 * 4096 bytes of stdout; the probe prints its one-line JSON report last, so the report is the last
 * line that parses.
 */
import { ElmError, NotReadyError } from '../../domain/errors';
import type { MachineRef } from '../connector';
import type { AzureClients } from './clients';
import { platformError } from './errors';
import { deallocate, machineResources, powerState, type MachineResources } from './machine';
import { sleep } from './retry';

export interface ProbeOptions {
  expediteNgen: boolean;
  shutdown: boolean;
  /** How long to wait for the guest to stop after the probe shut it down (default 10 min). */
  stopTimeoutMs?: number;
}

export function wrapProbe(probe: string): string {
  return [
    "param([string]$Shutdown = 'False', [string]$ExpediteNGen = 'False')",
    '$elmProbe = {',
    probe.replace(/^\uFEFF/, ''),
    '}',
    '$elmArgs = @{}',
    "if ($Shutdown -eq 'True') { $elmArgs['Shutdown'] = $true }",
    "if ($ExpediteNGen -eq 'True') { $elmArgs['ExpediteNGen'] = $true }",
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

export async function runProbe(clients: AzureClients, ref: MachineRef, opts: ProbeOptions): Promise<string> {
  const m = machineResources(clients, ref);
  const state = await powerState(clients, m);
  if (state !== 'running') {
    if (opts.shutdown && (state === 'stopped' || state === 'deallocated' || state === 'deallocating')) {
      await deallocate(clients, m);
      return '';
    }
    const what = state === 'absent' ? 'does not exist' : `is ${state}`;
    throw new NotReadyError(
      `The packaging machine ${m.vmName} ${what}: Run Command needs it running. Start it (Azure portal, or az vm start -g ${m.resourceGroup} -n ${m.vmName}), ` +
        'or run ShutdownForFinalize.ps1 on it and pass elm verify --report FILE.',
    );
  }
  const { readProbeScript } = await import('../../integrity/probeScript.js');
  const script = wrapProbe(await readProbeScript());
  const parameters = [
    ...(opts.shutdown ? [{ name: 'Shutdown', value: 'True' }] : []),
    ...(opts.expediteNgen ? [{ name: 'ExpediteNGen', value: 'True' }] : []),
  ];
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
    // The guest shutting down can cut the command short; what counts then is that it stopped.
    if (opts.shutdown && ['stopping', 'stopped', 'deallocating', 'deallocated'].includes(await powerState(clients, m))) {
      await waitStoppedAndDeallocate(clients, m, opts);
      return '';
    }
    throw platformError(`Running the layer integrity probe on ${m.vmName} (Run Command)`, e);
  }
  const report = extractReport(stdout);
  if (!report) {
    const tail = stderr.trim().split(/\r?\n/).slice(-3).join(' ').slice(-500);
    throw new ElmError(`The layer integrity probe on ${m.vmName} printed no report${tail ? `: ${tail}` : ''}.`);
  }
  if (opts.shutdown) {
    const blockers = (JSON.parse(report) as { blockers?: unknown[] }).blockers ?? [];
    if (blockers.length > 0)
      throw new NotReadyError(`The packaging machine ${m.vmName} was not shut down: the probe found ${blockers.length} blocker(s) (${blockers.join(', ')}); run elm verify again.`);
    await waitStoppedAndDeallocate(clients, m, opts);
  }
  return report;
}

/** After the probe's Stop-Computer: wait for the guest to stop, then release the VM (deallocate). */
async function waitStoppedAndDeallocate(clients: AzureClients, m: MachineResources, opts: ProbeOptions): Promise<void> {
  const deadline = Date.now() + (opts.stopTimeoutMs ?? 10 * 60_000);
  let delay = 500;
  for (;;) {
    const state = await powerState(clients, m);
    if (state === 'stopped' || state === 'deallocated' || state === 'deallocating') break;
    if (Date.now() > deadline) break; // deallocate shuts the guest down itself
    await sleep(delay);
    delay = Math.min(10_000, delay * 2);
  }
  await deallocate(clients, m);
}
