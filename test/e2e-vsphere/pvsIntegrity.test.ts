/**
 * The PVS rules of elm verify read from the machine, through the real binary: IPv6 that the
 * machine reports enabled blocks a layer bound for PVS whatever its OS layer declares (PVS needs
 * it disabled on the OS layer: seed, Citrix PVS), and the KMS blocker says what it checked and,
 * with no rearm left, that a rearm cannot help.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { VCenterFake } from '../support/vcenter';
import { expectCode, guestReport, MiB, scratch, startFake, tcpListener, vsphereArgs, type Doc, type Env } from './helpers';

jest.setTimeout(120_000);

describe('PVS integrity rules from the report', () => {
  let fake: VCenterFake;
  let s: Env;
  let pvs: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    fake = await startFake();
    pvs = await tcpListener();
    s = await scratch(fake, 16 * MiB);
    expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
    expectCode(
      await s.run(['connector', 'add', 'pvs', '--name', 'pvs', '--console', `127.0.0.1:${pvs.port}`, '--user', 'CORP\\svc', '--site', 'S', '--store', 'St',
        '--license-mode', 'kms', '--server', `127.0.0.1:${pvs.port}=2203.0.0,agent,console`]),
      0,
    );
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
    expectCode(await s.run(['layer', 'create', '--name', 'pvsplat', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'pvsplat', '--recipe', 'pvs', '--wait']), 0);
    expectCode(await s.run(['layer', 'create', '--name', 'mcs', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'mcs', '--purpose', 'publishing', '--provisioning', 'mcs', '--broker', 'none', '--wait']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await pvs?.close();
    await s?.cleanup();
  });

  const ok = { pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: true };
  async function verifyWith(layer: string, details: Record<string, unknown>, code: number): Promise<Doc> {
    const file = path.join(s.dir, `report-${Date.now()}-${Math.random()}.json`);
    await fs.writeFile(file, guestReport(details));
    return s.json(['verify', layer, '--report', file], code);
  }

  it('IPv6 enabled on the machine blocks a PVS layer although its OS layer declares it disabled', async () => {
    const doc = await verifyWith('pvsplat', { ...ok, ipv6Enabled: true }, 3);
    expect(doc.blockers).toEqual([
      expect.objectContaining({
        id: 'ipv6EnabledForPvs',
        message: 'IPv6 is enabled on the Packaging Machine - PVS needs IPv6 disabled on the OS Layer.',
        remedy: expect.stringContaining('--ipv6 disabled'),
      }),
    ]);
    expect(await verifyWith('pvsplat', { ...ok, ipv6Enabled: false }, 0)).toMatchObject({ ready: true });
  });

  it('a layer not bound for PVS keeps IPv6 as it likes', async () => {
    expect(await verifyWith('mcs', { ipv6Enabled: true }, 0)).toMatchObject({ ready: true });
  });

  it('KMS: the message names the marker it checked; with no rearm left it says so', async () => {
    const pending = await verifyWith('pvsplat', { ...ok, ipv6Enabled: false, kmsRearmed: false, kmsRemainingRearmCount: 3 }, 3);
    expect(pending.blockers).toEqual([
      expect.objectContaining({ id: 'kmsRearmPending', message: 'No KMS rearm since the last boot (no %ProgramData%\\elm\\kms-rearmed marker newer than it) - PVS target devices need a unique CMID.' }),
    ]);
    const none = await verifyWith('pvsplat', { ...ok, ipv6Enabled: false, kmsRearmed: false, kmsRemainingRearmCount: 0 }, 3);
    expect(none.blockers[0].message).toMatch(/Windows has no rearm left \(RemainingWindowsReArmCount 0\)\.$/);
    expect(none.blockers[0].remedy).toMatch(/slmgr \/rearm fails with no rearm left/);
  });
});
