/**
 * A build step's PowerShell on the Azure packaging machine, through a managed Run Command
 * (managedRunCommand.ts), and a restart through ARM. The step runs from a file of its own (an
 * `exit N` in it returns N to the wrapper instead of ending the wrapper), written as UTF-8 with a
 * BOM (Windows PowerShell 5.1 reads a file without one as ANSI); the wrapper prints the code on its
 * last line and exits with it. The wrapper itself is ASCII: Azure writes it to a file elm does not
 * control. Secrets go as the run command's protectedParameters (never returned by Azure; elm never
 * writes them), base64 of their UTF-8 bytes: Windows hands them to the script on a command line
 * that drops ^ & % < > | " and reads a value starting with '-' as a parameter name
 * (Azure/azure-powershell#29880, Azure/azure-cli#20096, MicrosoftDocs/azure-docs#80366); the
 * wrapper decodes them into $env:NAME for the step.
 */
import { ElmError } from '../../domain/errors';
import { ps1Bytes } from '../../layerBuild/powershellFile';
import type { MachineRef, MachineScript, MachineScriptResult } from '../connector';
import type { AzureClients } from './clients';
import { platformError } from './errors';
import { instanceState, machineResources } from './machine';
import { runManaged, stepRunCommandName } from './managedRunCommand';
import { withRetry } from './retry';

export const EXIT_MARKER = 'ELM-EXIT-CODE:';

const psQuote = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** Base64 of a secret's UTF-8 bytes: only A-Z a-z 0-9 + / =, which the command line leaves alone. */
export const encodeSecret = (value: string) => Buffer.from(value, 'utf8').toString('base64');

/** Non-ASCII in the label becomes '?': the wrapper stays ASCII, however Azure writes it to disk. */
const asciiLabel = (label: string) => label.replace(/[\r\n]/g, ' ').replace(/[^\x20-\x7e]/g, '?');

/** Writes a local file's bytes at its destination (base64 once, in the wrapper), before the step. */
function fileLines(file: NonNullable<MachineScript['file']>): string[] {
  const dest = psQuote(file.destination);
  return [
    `New-Item -ItemType Directory -Force -ErrorAction Stop -Path (Split-Path -Parent ${dest}) | Out-Null`,
    `[IO.File]::WriteAllBytes(${dest}, [Convert]::FromBase64String('${file.bytes.toString('base64')}'))`,
  ];
}

/** The wrapper Run Command runs: secrets in, a local file written, the step from its own file, the exit code out. */
export function wrapStep(script: string, secretNames: string[], label: string, file?: MachineScript['file']): string {
  const params = secretNames.map((_, i) => `[string]$ElmSecret${i + 1} = ''`);
  const body = ps1Bytes(script).toString('base64');
  return [
    `# elm build step: ${asciiLabel(label)}`,
    `param(${params.join(', ')})`,
    ...secretNames.map((name, i) => `Set-Item -Path ${psQuote(`env:${name}`)} -Value ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($ElmSecret${i + 1})))`),
    "$elmFile = Join-Path ([IO.Path]::GetTempPath()) ('elm-step-' + [guid]::NewGuid().ToString() + '.ps1')",
    `[IO.File]::WriteAllBytes($elmFile, [Convert]::FromBase64String('${body}'))`,
    '$global:LASTEXITCODE = 0',
    '$elmCode = 0',
    ...(file ? ['try {', ...fileLines(file).map((l) => `  ${l}`), '  & $elmFile; if ($LASTEXITCODE) { $elmCode = $LASTEXITCODE } elseif (-not $?) { $elmCode = 1 } }'] : ['try { & $elmFile; if ($LASTEXITCODE) { $elmCode = $LASTEXITCODE } elseif (-not $?) { $elmCode = 1 } }']),
    'catch { $host.UI.WriteErrorLine($_.ToString()); $elmCode = 1 }',
    'finally { Remove-Item -Force -ErrorAction SilentlyContinue $elmFile }',
    `Write-Output "${EXIT_MARKER} $elmCode"`,
    'exit $elmCode',
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
  const script = wrapStep(req.script, names, label, req.file);
  const result = await runManaged(clients, m, {
    name: stepRunCommandName(label, script),
    label,
    script,
    protectedParameters: Object.fromEntries(names.map((n, i) => [`ElmSecret${i + 1}`, encodeSecret(req.secrets[n])])),
    timeoutMs: req.timeoutMs,
    signal: req.signal,
  });
  const state = result.executionState.toLowerCase();
  const output = [result.output.replace(new RegExp(`^${EXIT_MARKER}.*$`, 'm'), '').trimEnd(), result.error.trimEnd()].filter(Boolean).join('\n');
  if (state === 'timedout')
    throw new ElmError(`Build step "${label}" on ${m.vmName} ran past its ${Math.round(req.timeoutMs / 60_000)} minutes and was stopped (timeoutMinutes in the spec): ${output.slice(-300)}`);
  if (state === 'canceled') throw new ElmError(`Build step "${label}" on ${m.vmName} was cancelled on the machine (its run command was replaced or deleted).`);
  const code = exitCodeOf(result.output) ?? result.exitCode;
  if (code === null)
    throw new ElmError(`Build step "${label}" on ${m.vmName} returned no exit code (${result.executionState}${result.message ? `: ${result.message}` : ''}): ${output.slice(-300)}`);
  return { exitCode: code, output };
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
