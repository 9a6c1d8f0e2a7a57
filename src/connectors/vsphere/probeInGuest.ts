/**
 * ShutdownForFinalize.ps1 in the running packaging machine through VMware Tools: copied in, run,
 * its report copied out, both deleted before anything can capture the disk; with `shutdown`, a
 * clean report is followed by a guest shutdown elm waits for.
 */
import { ElmError, NotReadyError } from '../../domain/errors';
import type { MachineRef } from '../connector';
import { deleteGuestFile, getGuestFile, guestCredentials, putGuestFile, runGuestProcess } from './guest';
import { waitForGuestOperations } from './guestReadiness';
import { describePower, type VsphereScope } from './scope';
import { powerState, shutdownGuest, waitForPower } from './vm';

/** Where the probe and its report live in the guest: C:\Windows\Temp exists on every Windows. */
const GUEST_DIR = 'C:\\Windows\\Temp';
const GUEST_SCRIPT = `${GUEST_DIR}\\ShutdownForFinalize.ps1`;
const POWERSHELL = 'C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe';

export async function probeIntegrity(scope: VsphereScope, ref: MachineRef, probe: { expediteNgen: boolean; shutdown: boolean }): Promise<string> {
  const creds = guestCredentials(scope.settings, scope.env);
  const { readProbeScript } = await import('../../integrity/probeScript.js');
  const script = Buffer.from(await readProbeScript(), 'utf8');
  const { decodeReportBytes, parseIntegrityReport } = await import('../../integrity/report.js');
  return scope.session(async (s) => {
    const id = String(ref.resources.vm ?? '');
    const state = id ? await powerState(s, id) : null;
    if (state === null)
      throw new NotReadyError(`The packaging machine ${ref.name} ${id ? `(${id}) ` : ''}is not in vCenter any more; deploy it again (elm machine deploy) or pass --report FILE.`);
    if (state !== 'POWERED_ON')
      throw new NotReadyError(`The packaging machine ${ref.name} is ${describePower(state)}: the probe runs in the running machine. Power it on, or pass --report FILE.`);
    await waitForGuestOperations(s, id, ref.name, scope.opts.toolsTimeoutMs ?? 300_000, { otherwise: 'or pass --report FILE' });
    await putGuestFile(s, id, creds, GUEST_SCRIPT, script);
    // A fresh report path each run: a probe that fails to write can never hand back an old report.
    const reportPath = `${GUEST_DIR}\\elm-integrity-${Date.now()}.json`;
    const args = ['-NoProfile', '-ExecutionPolicy', 'Bypass', '-File', `"${GUEST_SCRIPT}"`, '-ReportPath', `"${reportPath}"`];
    if (probe.expediteNgen) args.push('-ExpediteNGen');
    let text: string;
    try {
      // No -Shutdown here: the report must be read before the machine goes down, and elm decides.
      const code = await runGuestProcess(s, id, creds, POWERSHELL, args.join(' '), { timeoutMs: scope.opts.probeTimeoutMs ?? 7_200_000 });
      if (code !== 0)
        throw new ElmError(`ShutdownForFinalize.ps1 failed in ${ref.name} (exit code ${code}); run it there by hand to see why, or pass its report with --report FILE.`);
      text = decodeReportBytes(await getGuestFile(s, id, creds, reportPath));
    } finally {
      // Nothing of elm's stays in the layer: the probe and its report go once read, before any capture.
      for (const f of [GUEST_SCRIPT, reportPath]) await deleteGuestFile(s, id, creds, f).catch(() => undefined);
    }
    if (probe.shutdown) {
      const report = parseIntegrityReport(text, `${ref.name} ${reportPath}`);
      if (report.blockers.length === 0) {
        await shutdownGuest(s, id);
        await waitForPower(s, id, 'POWERED_OFF', scope.opts.shutdownTimeoutMs ?? 600_000);
        text = JSON.stringify({ ...(JSON.parse(text.slice(text.indexOf('{'))) as Record<string, unknown>), shutdownRequested: true });
      }
    }
    return text;
  });
}
