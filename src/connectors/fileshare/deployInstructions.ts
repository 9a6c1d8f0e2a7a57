import path from 'node:path';
import type { DeployLink, DeployLinkRequest } from '../connector';
import { shareReportPath } from './shareReport';
import { shellQuote } from '../../domain/shellQuote';
import { formatBytes } from '../../domain/units';

/** A PowerShell argument: bare when it is plain, else in single quotes. */
const psArgument = (a: string) => (/^[\w.:\\/-]+$/.test(a) ? a : `'${a.replace(/'/g, "''")}'`);

/** A Windows share (UNC or drive path) joins with `\`; a POSIX one with `/` (never the two mixed in one path). */
const isWindowsPath = (p: string) => /^[A-Za-z]:|^\\\\|\\/.test(p);

/** The report's path as the machine sees the share. */
export function machineReportPath(machineShare: string, diskLocation: string): string {
  const reportName = path.basename(shareReportPath(diskLocation));
  return `${machineShare}${isWindowsPath(machineShare) ? '\\' : '/'}${reportName}`;
}

/** The probe command the operator runs on the packaging machine, with the report path as the machine sees the share. */
export function probeCommand(machineShare: string, diskLocation: string, extra: string[] = []): string {
  const more = extra.map((a) => ` ${psArgument(a)}`).join('');
  return `powershell -ExecutionPolicy Bypass -File ShutdownForFinalize.ps1 -ReportPath ${psArgument(machineReportPath(machineShare, diskLocation))} -Shutdown${more}`;
}

/**
 * A file share has no portal: the "link" is the exact steps to boot a packaging machine from the
 * disk on any hypervisor, ending with the probe command that writes the report beside the disk.
 */
export function deployInstructions(share: string, req: DeployLinkRequest, machinePath?: string | null): DeployLink {
  const disk = req.disk;
  const machineShare = machinePath ?? share;
  const command = probeCommand(machineShare, disk.location, req.probeArguments);
  const name = req.machineName ?? `${req.layer.name}-pkg`;
  const steps = [
    `Packaging disk: ${disk.location} (${disk.format}, ${formatBytes(disk.sizeBytes)}).`,
    `1. On your hypervisor, create a VM named ${name} (BIOS / generation 1 for vhd disks) and attach this disk as its boot disk in place (or copy it and copy it back before finalizing); give it a network.`,
    '2. Power it on and log in with the account that created the OS layer.',
    '3. Install the platform software (hypervisor tools, provisioning target device, broker agent) and restart by hand whenever an installer asks: the machine does not restart on its own.',
    '4. Copy the probe to the machine (elm verify --print-probe > ShutdownForFinalize.ps1), then run it as Administrator:',
    `   ${command}`,
    ...(machinePath || isWindowsPath(share)
      ? []
      : [`   (${share} is this computer's path: if the machine reaches the share by another one, e.g. \\\\server\\share, give that to the connector with --machine-path, or use this command with the machine's path.)`]),
    '   It lists anything that blocks finalize (pending reboot, MSI install, NGen); when nothing blocks it writes the report beside the disk and shuts the machine down.',
    `5. Check and finalize: elm verify ${shellQuote(req.layer.name)} then elm finalize ${shellQuote(req.layer.name)} --wait`,
  ];
  return {
    link: steps.join('\n'),
    parameters: {
      machineName: name,
      disk: disk.location,
      format: disk.format,
      sizeBytes: disk.sizeBytes,
      reportPath: shareReportPath(disk.location),
      machineReportPath: machineReportPath(machineShare, disk.location),
      probeCommand: command,
    },
  };
}
