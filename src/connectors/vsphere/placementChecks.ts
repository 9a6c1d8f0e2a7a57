/**
 * The placement checks of `connector test`: the datacenter (and its inventory path), the datastore
 * (and file access to it), host, network, VM folder and template, each on its own line.
 */
import type { CheckResult } from '../connector';
import { datacenterPath } from './datacenterPath';
import { probeDatastoreRoot } from './datastore';
import { findDatacenter, findDatastore, findFolder, findHost, findNetwork, findTemplate, type Lookup, type Named } from './inventory';
import type { VsphereSession } from './session';
import type { VsphereSettings } from './settings';

const GiB = 2 ** 30;

/** The placement checks of `connector test`, in the order they are shown. */
export const PLACEMENT_CHECKS = ['datacenter', 'datastore', 'host', 'network', 'folder', 'template'] as const;

type Verdict = Pick<CheckResult, 'ok' | 'detail'>;
const verdict = <T>(l: Lookup<T>, detail: (item: T) => string): Verdict => (l.ok ? { ok: true, detail: detail(l.item) } : { ok: false, detail: l.why });

/** Datastores elm cannot put a file in the root folder of (vSAN and vVols keep only folders there). */
const NO_ROOT_FILES = new Set(['VSAN', 'VVOL']);

async function datastoreVerdict(s: VsphereSession, dc: Named, name: string): Promise<Verdict> {
  const ds = await findDatastore(s, dc, name);
  if (!ds.ok) return { ok: false, detail: ds.why };
  const d = ds.item;
  const about = `${name} (${d.id}${d.type ? `, ${d.type}` : ''}${d.freeSpace !== undefined ? `, ${Math.floor(d.freeSpace / GiB)} GiB free` : ''})`;
  if (d.type && NO_ROOT_FILES.has(d.type))
    return { ok: false, detail: `${about}: elm puts the packaging disk in the datastore's root folder, which a ${d.type} datastore does not allow; choose a VMFS or NFS datastore` };
  const access = await probeDatastoreRoot(s, name);
  return { ok: access.ok, detail: `${about}; ${access.detail}` };
}

/**
 * `connector test`: one check per configured object, in PLACEMENT_CHECKS order. A missing name
 * fails its own check only; what cannot be looked up without the datacenter, and everything after
 * a check that could not run (an error, not a miss), is listed as not checked.
 */
export async function placementChecks(s: VsphereSession, settings: VsphereSettings): Promise<CheckResult[]> {
  const checks: CheckResult[] = [];
  const notChecked = (from: number, why: string) => PLACEMENT_CHECKS.slice(from).map((name): CheckResult => ({ name, ok: null, detail: `not checked: ${why}` }));
  let dc: Named;
  try {
    const found = await findDatacenter(s, settings.datacenter);
    if (!found.ok) {
      checks.push({ name: 'datacenter', ok: false, detail: found.why });
      return [...checks, ...notChecked(1, `the datacenter "${settings.datacenter}" was not found`)];
    }
    dc = found.item;
    checks.push({ name: 'datacenter', ok: true, detail: `${settings.datacenter} (${dc.id}, inventory path ${await datacenterPath(s)})` });
  } catch (e) {
    checks.push({ name: 'datacenter', ok: false, detail: (e as Error).message });
    return [...checks, ...notChecked(1, 'the datacenter check could not run')];
  }
  const steps: [string, () => Promise<Verdict>][] = [
    ['datastore', () => datastoreVerdict(s, dc, settings.datastore)],
    ['host', async () => verdict(await findHost(s, dc, settings.host), (h) => `${settings.host} (${h.id}, ${h.connectionState ?? 'connected'})`)],
    ['network', async () => verdict(await findNetwork(s, dc, settings.network), (n) => `${settings.network} (${n.id}, ${n.type})`)],
    ['folder', async () => verdict(await findFolder(s, dc, settings.folder), (f) => `${settings.folder} (${f.id})`)],
    [
      'template',
      async () =>
        settings.template
          ? verdict(await findTemplate(s, dc, settings.template), (t) =>
              `${settings.template} (${t.kind === 'vm' ? `virtual machine ${t.id}, cloned` : `content library item ${t.id}, deployed`} for each packaging machine)`)
          : { ok: true, detail: 'none configured: packaging machines get default hardware (2 vCPU, 4 GiB, one NIC); pass --template to clone one' },
    ],
  ];
  for (let i = 0; i < steps.length; i++) {
    const [name, run] = steps[i];
    try {
      checks.push({ name, ...(await run()) });
    } catch (e) {
      checks.push({ name, ok: false, detail: (e as Error).message });
      return [...checks, ...notChecked(i + 2, `the ${name} check could not run`)];
    }
  }
  return checks;
}
