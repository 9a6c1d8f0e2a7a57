/**
 * A build step's PowerShell in the vSphere packaging machine, through VMware Tools guest
 * operations (vSphere Automation API 7.0U2+), and a restart through the guest power API.
 *
 * A step runs as: its script and a small wrapper copied to C:\Windows\Temp, then
 * `cmd.exe /s /c ""powershell.exe" -NoProfile -ExecutionPolicy Bypass -File WRAPPER > LOG 2>&1"`
 * (Windows starts guest processes without a shell; "prepending c:\windows\system32\cmd.exe /c
 * will allow stdio redirection", Vcenter Vm Guest Processes CreateSpec.path), the exit code read
 * from the process, the log read back, and the three files deleted.
 *
 * Secrets reach the step as $env:NAME through the process's environment_variables (the request
 * to vCenter only; elm never writes them to a file, in the guest or here). Those variables "define
 * the complete set available to the program" (same document), so the guest system user's own
 * environment (SystemRoot, PATH, TEMP...) is read first and the secrets are added to it.
 */
import { randomBytes } from 'node:crypto';
import { ps1Bytes } from '../../layerBuild/powershellFile';
import { ElmError } from '../../domain/errors';
import type { MachineScript, MachineScriptResult } from '../connector';
import { deleteGuestFile, getGuestFile, guestEnvironment, putGuestFile, runGuestProcess, type GuestCredentials } from './guest';
import { guestOperationsReady, waitForGuestOperations } from './guestReadiness';
import { VsphereError } from './http';
import type { VsphereSession } from './session';
import { powerState } from './vm';

export const GUEST_TEMP = 'C:\\Windows\\Temp';
export const CMD = 'C:\\Windows\\System32\\cmd.exe';
export const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';
/** Every file of a step is named elm-step-<run id>…, so a resumed build finds a killed run's. */
const STEP_FILE = /elm-step-([0-9a-f]{12})\.ps1/i;

const psQuote = (text: string) => `'${text.replace(/'/g, "''")}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface StepFiles {
  wrapper: string;
  body: string;
  log: string;
  /** The step's exit code, written by the wrapper: it outlives a restart the step set off itself (1641). */
  exit: string;
}

export function stepFiles(runId: string): StepFiles {
  const base = `${GUEST_TEMP}\\elm-step-${runId}`;
  return { wrapper: `${base}.ps1`, body: `${base}-body.ps1`, log: `${base}.log`, exit: `${base}.exit` };
}

/**
 * The wrapper: the step from its own file (an `exit N` there returns N here instead of ending the
 * wrapper before it reports), an installer's code left in $LASTEXITCODE kept (3010 without an
 * explicit exit), a thrown error as 1; output in UTF-8 so the log reads back as written. The code
 * is also written to a file: an installer that restarts Windows itself (1641) takes the process,
 * and its exit code, with the old boot.
 */
export function wrapStep(files: StepFiles, label: string): string {
  const own = files.wrapper.replace(/^.*\\/, '').replace(/\.ps1$/, '');
  return [
    `# elm build step: ${label.replace(/[\r\n]/g, ' ')}`,
    '[Console]::OutputEncoding = [Text.Encoding]::UTF8',
    // Files of a run whose worker was killed after it ended (vCenter lists a finished process for
    // a few minutes only): removed here, so none is captured into the layer.
    `Get-ChildItem -Path ${psQuote(GUEST_TEMP)} -Filter 'elm-step-*' | Where-Object { $_.Name -notlike ${psQuote(`${own}*`)} } | Remove-Item -Force -ErrorAction SilentlyContinue`,
    '$global:LASTEXITCODE = 0',
    '$elmCode = 0',
    `try { & ${psQuote(files.body)}; if ($LASTEXITCODE) { $elmCode = $LASTEXITCODE } elseif (-not $?) { $elmCode = 1 } }`,
    'catch { $host.UI.WriteErrorLine($_.ToString()); $elmCode = 1 }',
    `Set-Content -LiteralPath ${psQuote(files.exit)} -Value $elmCode -Encoding Ascii -ErrorAction SilentlyContinue`,
    'exit $elmCode',
  ].join('\r\n');
}

/** cmd.exe's command line: /s keeps the inner quotes as they are (cmd /? on /S). */
export function stepCommandLine(files: StepFiles): string {
  return `/s /c ""${POWERSHELL}" -NoProfile -ExecutionPolicy Bypass -File "${files.wrapper}" > "${files.log}" 2>&1"`;
}

export interface GuestStepOptions {
  /** How long to wait for VMware Tools before the step (default 20 min: a first boot may be slow). */
  toolsTimeoutMs: number;
  /** Longest pause between two polls of the guest (tests shorten it). */
  pollMs?: number;
}

/**
 * A run a killed worker left (its process still runs in the guest): wait for it to end, so the
 * same step never runs twice at once, then remove its files.
 */
async function settleEarlierRuns(s: VsphereSession, vm: string, creds: GuestCredentials, limitMs: number, signal?: AbortSignal): Promise<void> {
  const procs = await s.post<Array<{ pid: number; command?: string }>>(`/api/vcenter/vm/${encodeURIComponent(vm)}/guest/processes`, { credentials: creds }, { query: { action: 'list' }, idempotent: true });
  for (const p of procs ?? []) {
    const m = STEP_FILE.exec(p.command ?? '');
    if (!m || !/cmd\.exe/i.test(p.command ?? '')) continue;
    const until = Date.now() + limitMs;
    for (;;) {
      const info = await s.call<{ exit_code?: number }>('POST', `/api/vcenter/vm/${encodeURIComponent(vm)}/guest/processes/${encodeURIComponent(String(p.pid))}`, {
        query: { action: 'get' },
        body: { credentials: creds },
        idempotent: true,
        accept: [404],
      });
      if (info.status === 404 || (info.value?.exit_code !== undefined && info.value.exit_code !== null)) break;
      if (Date.now() > until) throw new ElmError(`An earlier run of a build step (process ${p.pid}) still runs in the guest after ${Math.round(limitMs / 60_000)} minutes; stop it there and resume.`);
      if (signal?.aborted) throw new ElmError('interrupted');
      await sleep(1000);
    }
    await removeStepFiles(s, vm, creds, stepFiles(m[1]));
  }
}

async function removeStepFiles(s: VsphereSession, vm: string, creds: GuestCredentials, files: StepFiles): Promise<void> {
  for (const f of [files.wrapper, files.body, files.log, files.exit]) await deleteGuestFile(s, vm, creds, f).catch(() => undefined);
}

/** Runs one build step (or any short script) in the guest; returns its exit code and output. */
export async function runStepInGuest(s: VsphereSession, vm: string, name: string, creds: GuestCredentials, req: MachineScript, opts: GuestStepOptions): Promise<MachineScriptResult> {
  const label = req.label ?? 'script';
  await waitForGuestOperations(s, vm, name, opts.toolsTimeoutMs, { signal: req.signal });
  await settleEarlierRuns(s, vm, creds, req.timeoutMs, req.signal);
  const environment = { ...(await guestEnvironment(s, vm, creds)), ...req.secrets };
  const files = stepFiles(randomBytes(6).toString('hex'));
  try {
    // UTF-8 with a BOM: powershell.exe 5.1 reads a .ps1 without one in the ANSI code page.
    await putGuestFile(s, vm, creds, files.body, ps1Bytes(req.script));
    await putGuestFile(s, vm, creds, files.wrapper, ps1Bytes(wrapStep(files, label)));
    const exitCode = await runGuestProcess(s, vm, creds, CMD, stepCommandLine(files), { timeoutMs: req.timeoutMs, environment, signal: req.signal, pollMs: opts.pollMs }).catch(async (e: unknown) => {
      // The process vanished (a new boot knows no process of the last one) or Tools went away: the
      // guest restarted under the step. If the step had ended first (an installer that restarts
      // Windows itself and exits 1641), its code is in the exit file; otherwise it is lost.
      if (e instanceof VsphereError && (e.errorType === 'NOT_FOUND' || e.errorType === 'SERVICE_UNAVAILABLE' || e.errorType === 'NOT_ALLOWED_IN_CURRENT_STATE')) {
        const recorded = await recordedExitCode(s, vm, name, creds, files, opts, req.signal);
        if (recorded !== null) return recorded;
        throw new ElmError(
          `The guest ${name} went down (restarted, or VMware Tools stopped) while build step "${label}" ran, so its exit code is lost: give the installer its no-restart switch (an exit code 3010 makes elm restart the machine), or mark the step idempotent: true and resume (elm task resume). ${e.message}`,
        );
      }
      throw e;
    });
    const output = await getGuestFile(s, vm, creds, files.log).then(
      (b) => b.toString('utf8').replace(/^\uFEFF/, '').trimEnd(),
      () => '',
    );
    return { exitCode, output };
  } finally {
    await removeStepFiles(s, vm, creds, files);
  }
}

/**
 * The exit code the wrapper wrote before the guest went down, read once VMware Tools are back;
 * null when there is none (the step was still running) or the guest does not come back.
 */
async function recordedExitCode(s: VsphereSession, vm: string, name: string, creds: GuestCredentials, files: StepFiles, opts: GuestStepOptions, signal?: AbortSignal): Promise<number | null> {
  try {
    await waitForGuestOperations(s, vm, name, opts.toolsTimeoutMs, { signal });
    const text = (await getGuestFile(s, vm, creds, files.exit)).toString('ascii').trim();
    return /^-?\d+$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** The guest's last boot time as Windows reports it: what tells a restart that happened from one still to come. */
export async function guestBootTime(s: VsphereSession, vm: string, name: string, creds: GuestCredentials, opts: GuestStepOptions): Promise<string> {
  const r = await runStepInGuest(
    s,
    vm,
    name,
    creds,
    { label: 'boot time', script: "(Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o')", secrets: {}, timeoutMs: 120_000 },
    opts,
  );
  const at = r.output.trim().split(/\r?\n/).pop() ?? '';
  if (r.exitCode !== 0 || Number.isNaN(Date.parse(at))) throw new ElmError(`Reading the boot time of ${name} failed (exit ${r.exitCode}): ${r.output.slice(-200)}`);
  return at;
}

export interface RestartOptions extends GuestStepOptions {
  /** How long the guest may take to go down and come back with VMware Tools (default 30 min). */
  restartTimeoutMs: number;
  signal?: AbortSignal;
}

/**
 * Restarts the guest through VMware Tools (POST /api/vcenter/vm/{vm}/guest/power?action=reboot,
 * which "returns immediately and does not wait for the guest operating system to complete the
 * operation") and returns once Windows has booted again and Tools take guest operations: the boot
 * time must differ from the one read before, so Tools still up from before the restart never
 * pass for after it.
 */
export async function restartGuest(s: VsphereSession, vm: string, name: string, creds: GuestCredentials, opts: RestartOptions): Promise<void> {
  // The boot time before: read once Tools answer (a guest still starting, or one an installer is
  // restarting itself, is waited for; a few tries cover a guest going down under the query).
  let before: string | null = null;
  for (let attempt = 1; before === null; attempt++) {
    await waitForGuestOperations(s, vm, name, opts.toolsTimeoutMs, { signal: opts.signal });
    try {
      before = await guestBootTime(s, vm, name, creds, opts);
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(Math.min(opts.pollMs ?? 5000, 2000));
    }
  }
  try {
    await s.post(`/api/vcenter/vm/${encodeURIComponent(vm)}/guest/power`, undefined, { query: { action: 'reboot' } });
  } catch (e) {
    // Tools stopped between the two calls: the guest is on its way down already.
    if (!(e instanceof VsphereError && e.errorType === 'SERVICE_UNAVAILABLE')) throw e;
  }
  const deadline = Date.now() + opts.restartTimeoutMs;
  let wait = 250;
  let lastProblem = '';
  for (;;) {
    if (opts.signal?.aborted) throw new ElmError(`Waiting for ${name} to restart was interrupted.`);
    const state = await powerState(s, vm);
    if (state !== 'POWERED_ON') throw new ElmError(`The packaging machine ${name} is ${state === null ? 'gone from vCenter' : state.toLowerCase().replace('_', ' ')} instead of restarting.`);
    if (await guestOperationsReady(s, vm)) {
      try {
        const after = await guestBootTime(s, vm, name, creds, opts);
        if (after !== before) return;
        lastProblem = `still booted at ${after}`;
      } catch (e) {
        // Tools answered, then the guest went down under the query: keep waiting.
        lastProblem = (e as Error).message;
      }
    }
    if (Date.now() > deadline)
      throw new ElmError(
        `${name} did not come back from its restart with VMware Tools running within ${Math.round(opts.restartTimeoutMs / 60_000)} minutes${lastProblem ? ` (${lastProblem})` : ''}; look at its console in the vSphere Client.`,
      );
    await sleep(wait);
    wait = Math.min(opts.pollMs ?? 5000, wait * 2);
  }
}
