/**
 * The layer integrity blockers (the README's Verify and finalize) as plain data: what stops a layer from being
 * finalized, the message the ELM console shows for it, and what to do about it. The first four
 * messages are the console's Layer integrity messages, word for word; runOncePending, ngenNeeded
 * and smsCfgIni are Citrix's current ones (App Layering 4, "Debug layer integrity messages",
 * https://docs.citrix.com/en-us/citrix-app-layering/4/layer/troubleshoot-layer-integrity-issues.html);
 * the others are elm's own, where Citrix has none. ShutdownForFinalize.ps1 prints the same text
 * for the ids it reports (a test keeps the two in step).
 */
export const BLOCKER_IDS = [
  'bootDriverReboot',
  'postInstallReboot',
  'msiInProgress',
  'ngenInProgress',
  'runOncePending',
  'ngenNeeded',
  'smsCfgIni',
  'wemAgentRsaKey',
  'windowsUpgradePending',
  'probeIncomplete',
  'pvsTargetDeviceMismatch',
  'pvsTargetDeviceMissing',
  'kmsRearmPending',
  'ipv6DisabledOnPlatformLayer',
  'ipv6EnabledForPvs',
] as const;
export type BlockerId = (typeof BLOCKER_IDS)[number];

/** The ids the probe script itself reports (the others are computed by elm from the details). */
export const PROBE_BLOCKER_IDS: readonly BlockerId[] = [
  'bootDriverReboot',
  'postInstallReboot',
  'msiInProgress',
  'ngenInProgress',
  'runOncePending',
  'ngenNeeded',
  'smsCfgIni',
  'wemAgentRsaKey',
  'windowsUpgradePending',
  'probeIncomplete',
];

/** The ids elm recomputes from the report's details and the PVS connector configuration. */
export const PVS_BLOCKER_IDS: readonly BlockerId[] = ['pvsTargetDeviceMismatch', 'pvsTargetDeviceMissing', 'kmsRearmPending'];

export interface BlockerInfo {
  id: string;
  message: string;
  remedy: string;
}

const NGEN_REMEDY =
  'Run elm verify --expedite-ngen (or ngen update /force on the machine) and let it finish; do not reboot to stop NGen.';

/** Where elm cannot run the probe on the machine (a file share), the operator runs it there. */
export const NGEN_ON_MACHINE_REMEDY =
  'On the Packaging Machine run ShutdownForFinalize.ps1 -ExpediteNGen as Administrator (elm cannot run --expedite-ngen through a file share) and let it finish; do not reboot to stop NGen.';

export const NGEN_BLOCKER_IDS: readonly BlockerId[] = ['ngenInProgress', 'ngenNeeded'];

/** The blockers a restart clears: with NGen at work, NGen is let finish first (never interrupted). */
export const RESTART_BLOCKER_IDS: readonly BlockerId[] = ['bootDriverReboot', 'postInstallReboot', 'windowsUpgradePending', 'runOncePending'];

/** Each blocker: the message (Citrix's where it has one), the fix, and what the probe (or elm) reads to find it (the README's table). */
export const BLOCKERS: Readonly<Record<BlockerId, { readonly message: string; readonly remedy: string; readonly reads: string }>> = {
  bootDriverReboot: {
    message: 'A reboot is pending to update drivers on the boot disk - please check and reboot the Packaging Machine.',
    remedy: 'Restart the Packaging Machine (not shut down), log in again and run the probe again.',
    reads: 'PendingFileRenameOperations entries for a driver (`System32\\drivers`, `DriverStore`, `.sys`); devices with ConfigManagerErrorCode 14 (Win32_PnPEntity)',
  },
  postInstallReboot: {
    message: 'A post-installation reboot is pending - please check and reboot the Packaging Machine.',
    remedy: 'Restart the Packaging Machine, complete any setup the installer asks for after the restart, then run the probe again.',
    reads: 'other PendingFileRenameOperations; Component Based Servicing RebootPending/RebootInProgress/PackagesPending; WindowsUpdate Auto Update RebootRequired; Netlogon JoinDomain/AvoidSpnSet; a pending computer rename; UpdateExeVolatile (key or value); ServerManager CurrentRebootAttempts; the ConfigMgr client\'s DetermineIfRebootPending',
  },
  msiInProgress: {
    message: 'An MSI install operation is in progress - please check the Packaging Machine.',
    remedy: 'Wait for the installation (msiexec) to finish or answer its prompts on the Packaging Machine, then run the probe again.',
    reads: 'the msiserver service accepting only shutdown (else the `Global\\_MSIExecute` mutex); Installer InProgress key; an msiexec running a package',
  },
  ngenInProgress: {
    message: 'A Microsoft NGen operation is in progress in the background.',
    remedy: NGEN_REMEDY,
    reads: 'mscorsvw.exe or ngentask.exe running; a `.NET Framework` NGen scheduled task Running',
  },
  runOncePending: {
    message: 'A RunOnce script is outstanding - please check and reboot the packaging machine.',
    remedy: 'Restart the Packaging Machine and log in so the RunOnce entries run (or remove the ones you do not want), then run the probe again.',
    reads: 'values under HKLM and HKLM WOW6432Node `...\\CurrentVersion\\RunOnce`',
  },
  ngenNeeded: {
    // Citrix's wording for the queued-but-idle case.
    message: 'A Microsoft ngen operation is needed.',
    remedy: NGEN_REMEDY,
    reads: 'a `.NET Framework` NGen scheduled task Queued; `ngen queue status` with work queued',
  },
  smsCfgIni: {
    message: 'Software Center Client is configured to run, but the SMSCFG.INI is still present.',
    remedy:
      'Stop the ConfigMgr client (ccmexec) and delete %WINDIR%\\SMSCFG.INI on the Packaging Machine so every image gets its own client identity, then run the probe again.',
    reads: '`%WINDIR%\\SMSCFG.INI` present while the CcmExec service is not Disabled',
  },
  wemAgentRsaKey: {
    // elm's own wording: Citrix's list of layer integrity messages (the page above: seven messages) has
    // none for the WEM agent's RSA key, so uniservice raises none either; elm's probe checks it itself.
    message: 'The Citrix WEM agent RSA key file is present - delete it before finalizing the layer.',
    remedy:
      'Delete %ProgramData%\\Microsoft\\Crypto\\RSA\\S-1-5-18\\fb8cc9e38d3e60ab60c17cdfd6dd6d99_* on the Packaging Machine (the report\'s details.wemAgentRsaKeys names it; the agent makes a new key at its next start), then run the probe again.',
    reads: '`%ProgramData%\\Microsoft\\Crypto\\RSA\\S-1-5-18\\fb8cc9e38d3e60ab60c17cdfd6dd6d99_*`',
  },
  windowsUpgradePending: {
    // elm's own wording: Citrix's list of layer integrity messages (the page above) has none for a
    // pending Windows upgrade; elm's probe reads Windows Setup's own marker instead.
    message: 'A Windows upgrade is pending - please complete it and reboot the packaging machine.',
    remedy: 'Restart the Packaging Machine and let the Windows upgrade finish (upgrade the OS layer itself, not an app or platform layer), then run the probe again.',
    reads: 'the `HKLM\\SYSTEM\\Setup\\MoSetup\\Volatile` key (a staged feature upgrade)',
  },
  probeIncomplete: {
    message: 'The layer integrity probe could not complete every check - run it again as Administrator.',
    remedy: 'Run ShutdownForFinalize.ps1 elevated (as Administrator) in 64-bit PowerShell; the report\'s details.probeIncomplete names the checks that failed.',
    reads: 'any check that failed (not elevated, a query refused); `details.probeIncomplete` names them',
  },
  pvsTargetDeviceMismatch: {
    message: 'The PVS Target Device software on the Packaging Machine does not match the version of the PVS server.',
    remedy: 'Install the PVS Target Device Imaging software of the same version as the PVS server where the image will be published.',
    reads: 'the Citrix Provisioning target device version in the Uninstall keys, against the PVS server\'s (elm compares)',
  },
  pvsTargetDeviceMissing: {
    message: 'The PVS Target Device software is not installed on the Packaging Machine.',
    remedy: 'Install the PVS Target Device Imaging software (the version of the PVS server) on the Packaging Machine, then run the probe again.',
    reads: 'no Citrix Provisioning target device in the Uninstall keys, for a layer bound for PVS (elm decides)',
  },
  kmsRearmPending: {
    message: 'No KMS rearm since the last boot (no %ProgramData%\\elm\\kms-rearmed marker newer than it) - PVS target devices need a unique CMID.',
    remedy:
      'Run slmgr /rearm on the Packaging Machine, create the marker file %ProgramData%\\elm\\kms-rearmed, then run the probe again (with -Shutdown).',
    reads: 'the time of `%ProgramData%\\elm\\kms-rearmed` against the last boot, for a PVS connector with KMS licensing (elm decides)',
  },
  ipv6DisabledOnPlatformLayer: {
    message: 'IPv6 is disabled on the Platform Layer - PVS machines booted from it will lose their network connection and hang.',
    remedy: 'Re-enable IPv6 on the Packaging Machine and disable it in a new version of the OS Layer instead.',
    reads: 'Tcpip6 DisabledComponents and the ms_tcpip6 bindings, when the OS layer has IPv6 (elm decides)',
  },
  ipv6EnabledForPvs: {
    message: 'IPv6 is enabled on the Packaging Machine - PVS needs IPv6 disabled on the OS Layer.',
    remedy:
      'Add a version of the OS Layer with IPv6 disabled (DisabledComponents 0xFF, or ms_tcpip6 unbound) and build this layer on it (elm os-layer version add ... --ipv6 disabled); do not disable IPv6 on this layer itself.',
    reads: 'Tcpip6 DisabledComponents and the ms_tcpip6 bindings, for a layer bound for PVS (elm decides)',
  },
};

export function isKnownBlocker(id: string): id is BlockerId {
  return Object.prototype.hasOwnProperty.call(BLOCKERS, id);
}

/** The message for a blocker id; an id this elm does not know gets a generic message naming it. */
export function blockerMessage(id: string): string {
  return describeBlocker(id).message;
}

export function describeBlocker(id: string): BlockerInfo {
  if (isKnownBlocker(id)) return { id, message: BLOCKERS[id].message, remedy: BLOCKERS[id].remedy };
  return {
    id,
    message: `The Packaging Machine reported an unknown layer integrity blocker "${id}".`,
    remedy: 'Check the Packaging Machine, or update elm so it knows this blocker; then run the probe again.',
  };
}
