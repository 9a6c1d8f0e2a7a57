/**
 * The guest OS id a new packaging VM gets on this vCenter. Ids are added with vSphere API
 * versions (vSphere Web Services API reference, VirtualMachineGuestOsIdentifier: windows11_64Guest
 * and windows2022srvNext_64Guest, the REST API's WINDOWS_11_64 and WINDOWS_SERVER_2025, "since
 * vSphere API 8.0.0.1"; windows2019srvNext_64Guest, WINDOWS_SERVER_2021, since 7.0.1.0); an older
 * vCenter refuses a VM created with a newer one. There the nearest release it knows is used, as
 * VMware advises for guests newer than the host: Windows 10 (64-bit) for Windows 11, Windows
 * Server 2022 for Server 2025.
 */

interface Introduced {
  since: string;
  fallback: string;
}

const INTRODUCED: Record<string, Introduced> = {
  WINDOWS_11_64: { since: '8.0.0.1', fallback: 'WINDOWS_9_64' },
  WINDOWS_12_64: { since: '8.0.0.1', fallback: 'WINDOWS_9_64' },
  WINDOWS_SERVER_2025: { since: '8.0.0.1', fallback: 'WINDOWS_SERVER_2021' },
  WINDOWS_SERVER_2021: { since: '7.0.1.0', fallback: 'WINDOWS_SERVER_2019' },
};

/** Compares dotted versions (`7.0.3.0` < `8.0.0.1`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** `wanted`, or the nearest earlier id the server's API version knows (with why, for the task's progress). */
export function guestOsForServer(wanted: string, apiVersion: string): { id: string; note?: string } {
  let id = wanted;
  for (let intro = INTRODUCED[id]; intro && compareVersions(apiVersion, intro.since) < 0; intro = INTRODUCED[id]) id = intro.fallback;
  if (id === wanted) return { id };
  return { id, note: `guest OS ${id} instead of ${wanted}, which vSphere API ${apiVersion} does not know (it came with ${INTRODUCED[wanted].since})` };
}
