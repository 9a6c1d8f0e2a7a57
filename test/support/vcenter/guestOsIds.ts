/**
 * Guest OS ids a vCenter knows by its API version. vSphere Web Services API reference,
 * VirtualMachineGuestOsIdentifier (each value names the version it came with; govmomi's
 * vim25/types enum.go lists them as minAPIVersionForEnumValue): windows11_64Guest,
 * windows12_64Guest and windows2022srvNext_64Guest (the REST API's WINDOWS_11_64, WINDOWS_12_64,
 * WINDOWS_SERVER_2025) since 8.0.0.1; windows2019srvNext_64Guest (WINDOWS_SERVER_2021) since
 * 7.0.1.0. An older vCenter refuses a VM created with an id it does not know.
 */
const SINCE: Record<string, string> = {
  WINDOWS_11_64: '8.0.0.1',
  WINDOWS_12_64: '8.0.0.1',
  WINDOWS_SERVER_2025: '8.0.0.1',
  WINDOWS_SERVER_2021: '7.0.1.0',
};

function before(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  return false;
}

/** Why `apiVersion` does not know `guestOS`, or null when it does. */
export function unknownGuestOs(guestOS: string, apiVersion: string): string | null {
  const since = SINCE[guestOS.toUpperCase()];
  return since && before(apiVersion, since) ? `guest_OS ${guestOS} is not supported by this server (vSphere API ${apiVersion}; it came with ${since}).` : null;
}
