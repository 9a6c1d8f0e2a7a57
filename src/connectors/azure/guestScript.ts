/**
 * A build step's PowerShell on the Azure packaging machine, through Run Command
 * (RunPowerShellScript), and a restart through ARM. Run Command returns only the last 4,096 bytes
 * of output and no exit code of its own, so the step runs from a file of its own (an `exit N` in
 * it returns N to the wrapper instead of ending Run Command's script) and the wrapper prints the
 * code on its last line. Secrets go as Run Command parameters (the request body only; elm never
 * writes them) and become $env:NAME for the step.
 */
import { ElmError } from '../../domain/errors';
import type { MachineRef, MachineScript, MachineScriptResult } from '../connector';
import type { AzureClients } from './clients';
import { describeError, platformError, statusOf } from './errors';
import { instanceState, machineResources } from './machine';
import { withRetry } from './retry';

export const EXIT_MARKER = 'ELM-EXIT-CODE:';

const psQuote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The wrapper Run Command runs: secrets in, the step from its own file, the exit code out. */
export function wrapStep(script: string, secretNames: string[], label: string): string {
  const params = secretNames.map((_, i) => `[string]$ElmSecret${i + 1} = ''`);
  const body = Buffer.from(script.replace(/^\uFEFF/, ''), 'utf8').toString('base64');
  return [
    `# elm build step: ${label.replace(/[\r\n]/g, ' ')}`,
    `param(${params.join(', ')})`,
    ...secretNames.map((name, i) => `Set-Item -Path ${psQuote(`env:${name}`)} -Value $ElmSecret${i + 1}`),
    "$elmFile = Join-Path ([IO.Path]::GetTempPath()) ('elm-step-' + [guid]::NewGuid().ToString() + '.ps1')",
    `[IO.File]::WriteAllBytes($elmFile, [Convert]::FromBase64String('${body}'))`,
    '$global:LASTEXITCODE = 0',
    '$elmCode = 0',
    'try { & $elmFile; if ($LASTEXITCODE) { $elmCode = $LASTEXITCODE } elseif (-not $?) { $elmCode = 1 } }',
    'catch { $host.UI.WriteErrorLine($_.ToString()); $elmCode = 1 }',
    'finally { Remove-Item -Force -ErrorAction SilentlyContinue $elmFile }',
    `Write-Output "${EXIT_MARKER} $elmCode"`,
  ].join('\n');
}

/** The code on the wrapper's last marker line; null when the output was cut before it. */
export function exitCodeOf(stdout: string): number | null {
  const all = [...stdout.matchAll(new RegExp(`${EXIT_MARKER}\\s*(-?\\d+)`, 'g'))];
  return all.length ? Number(all[all.length - 1][1]) : null;
}

export async function runStepOnMachine(clients: AzureClients, ref: MachineRef, req: MachineScript): Promise<MachineScriptResult> {
  const label = req.label ?? 'script';
  const m = machineResources(clients, ref);
  await waitReady(clients, ref, 5 * 60_000, req.signal);
  const names = Object.keys(req.secrets);
  const parameters = names.map((n, i) => ({ name: `ElmSecret${i + 1}`, value: req.secrets[n] }));
  const compute = await clients.compute();
  let stdout = '';
  let stderr = '';
  try {
    const body = { commandId: 'RunPowerShellScript', script: wrapStep(req.script, names, label).split('\n'), ...(parameters.length ? { parameters } : {}) };
    const result = await whileBusy(() => compute.virtualMachines.beginRunCommandAndWait(m.resourceGroup, m.vmName, body, { abortSignal: req.signal }), req.signal);
    for (const v of result.value ?? []) {
      if (/StdOut/i.test(v.code ?? '')) stdout = v.message ?? '';
      if (/StdErr/i.test(v.code ?? '')) stderr = v.message ?? '';
    }
  } catch (e) {
    throw platformError(`Running build step "${label}" on ${m.vmName} (Run Command)`, e);
  }
  const code = exitCodeOf(stdout);
  const output = [stdout.replace(new RegExp(`^${EXIT_MARKER}.*$`, 'm'), '').trimEnd(), stderr.trimEnd()].filter(Boolean).join('\n');
  if (code === null) throw new ElmError(`Build step "${label}" on ${m.vmName} returned no exit code (the script ended Run Command early, or its output was cut): ${output.slice(-300)}`);
  return { exitCode: code, output };
}

/**
 * One Run Command at a time per VM: while an earlier one still runs (a resumed build after its
 * worker was killed mid-step), Azure answers 409 Conflict "Run command extension execution is in
 * progress" (Run scripts in your Windows VM by using action Run Commands). Wait for it to end.
 */
async function whileBusy<T>(run: () => Promise<T>, signal?: AbortSignal, limitMs = 95 * 60_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    try {
      return await run();
    } catch (e) {
      const busy = statusOf(e) === 409 && /in progress/i.test(describeError(e));
      if (!busy || Date.now() > until || signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, Math.min(15_000, Math.max(100, 5 * Number(process.env.ELM_AZURE_RETRY_DELAY_MS ?? 3000)))));
    }
  }
}

/** Restart through ARM, then wait for the VM agent (Run Command's carrier) to be Ready again. */
export async function restartMachine(clients: AzureClients, ref: MachineRef, signal?: AbortSignal): Promise<void> {
  const m = machineResources(clients, ref);
  const compute = await clients.compute();
  try {
    await withRetry(() => compute.virtualMachines.beginRestartAndWait(m.resourceGroup, m.vmName), { signal });
  } catch (e) {
    throw platformError(`Restarting the packaging machine ${m.vmName}`, e);
  }
  await waitReady(clients, ref, 15 * 60_000, signal);
}

async function waitReady(clients: AzureClients, ref: MachineRef, limitMs: number, signal?: AbortSignal): Promise<void> {
  const m = machineResources(clients, ref);
  const until = Date.now() + limitMs;
  for (;;) {
    const { power, agent } = await instanceState(clients, m);
    if (power === 'running' && agent?.toLowerCase() === 'ready') return;
    if (power === 'absent' || power === 'deallocated' || power === 'stopped')
      throw new ElmError(`The packaging machine ${m.vmName} is ${power}: a build step needs it running.`);
    if (Date.now() > until) throw new ElmError(`The VM agent of ${m.vmName} is not Ready (${agent ?? 'no agent reports'}, ${power}) after ${Math.round(limitMs / 60_000)} minutes.`);
    if (signal?.aborted) throw new ElmError('interrupted');
    await new Promise((r) => setTimeout(r, Math.min(5000, Math.max(50, Number(process.env.ELM_AZURE_RETRY_DELAY_MS ?? 1000)))));
  }
}
