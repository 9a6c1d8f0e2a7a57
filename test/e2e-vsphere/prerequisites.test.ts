/**
 * The PVS prerequisites, each where it can first be known (seed: Citrix PVS):
 * - IPv6 enabled on the OS layer: layer create refuses (exit 2) with the fix and the warning,
 *   the state unchanged byte for byte; a new OS layer version with IPv6 disabled is accepted.
 * - Bound for PVS by --provisioning pvs alone (no PVS recipe): the same refusal.
 * - Target device version and KMS rearm from a report file (the guest-operations path is in
 *   pvsFlow.test.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { stateBytes } from '../support/cli';
import type { VCenterFake } from '../support/vcenter';
import { expectCode, expectNoSecrets, guestReport, MiB, scratch, startFake, tcpListener, vsphereArgs, type Doc, type Env } from './helpers';

jest.setTimeout(120_000);

describe('PVS prerequisites', () => {
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
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'enabled']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await pvs?.close();
    await s?.cleanup();
  });

  const create = (name: string, osLayer: string, extra: string[] = []) =>
    s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', osLayer, '--connector', 'vs', '--disk-name', name, '--wait', ...extra]);

  it('refuses a PVS recipe on an OS layer with IPv6 enabled: the fix in the message, the state unchanged', async () => {
    const before = await stateBytes(s.home);
    const r = await create('pvsplat', 'win', ['--recipe', 'pvs']);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('OS layer "win" version 1 has IPv6 enabled');
    expect(r.stderr).toContain('elm os-layer version add win --version V --disk PATH --ipv6 disabled');
    expect(r.stderr).toContain('--os-layer win@V');
    expect(r.stderr).toContain('PVS machines then lose their network and hang at boot');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect((await stateBytes(s.home))!.equals(before!)).toBe(true);
    expect(fake.datastoreFiles().filter((f) => f.path.startsWith('elm-'))).toEqual([]); // nothing uploaded
  });

  it('accepts it bound to a new OS layer version with IPv6 disabled', async () => {
    expectCode(await s.run(['os-layer', 'version', 'add', 'win', '--version', '2', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
    const r = await create('pvsplat', 'win@2', ['--recipe', 'pvs', '--json']);
    expectCode(r, 0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ version: { state: 'Editing' }, task: { state: 'ActionRequired' } });
    const shown = await s.json(['layer', 'show', 'pvsplat']);
    expect(shown.versions[0]).toMatchObject({ osLayer: { name: 'win', version: '2' }, recipes: ['pvs'] });
  });

  async function verifyWith(layer: string, details: Record<string, unknown>, code: number): Promise<Doc> {
    const file = path.join(s.dir, `report-${Date.now()}.json`);
    await fs.writeFile(file, guestReport(details));
    return s.json(['verify', layer, '--report', file], code);
  }

  it('target device: mismatch and missing block (exit 3) naming both versions; KMS rearm pending blocks until done', async () => {
    const mismatch = await verifyWith('pvsplat', { ipv6Enabled: false, pvsTargetDeviceVersion: '1912.0.0', kmsRearmed: true }, 3);
    expect(mismatch.blockers).toEqual([
      expect.objectContaining({ id: 'pvsTargetDeviceMismatch', message: 'The PVS Target Device software on the Packaging Machine is version 1912.0.0 but the PVS server is version 2203.0.0 - they must match.' }),
    ]);
    const missing = await verifyWith('pvsplat', { ipv6Enabled: false, kmsRearmed: true }, 3);
    expect(missing.blockers).toEqual([expect.objectContaining({ id: 'pvsTargetDeviceMissing', message: expect.stringContaining('install version 2203.0.0') })]);
    const kms = await verifyWith('pvsplat', { ipv6Enabled: false, pvsTargetDeviceVersion: '2203', kmsRearmed: false }, 3);
    expect(kms.blockers).toEqual([expect.objectContaining({ id: 'kmsRearmPending', remedy: expect.stringContaining('slmgr /rearm') })]);
    // IPv6 off on the machine is inherited from the OS layer version 2 (disabled): not a blocker.
    expect(await verifyWith('pvsplat', { ipv6Enabled: false, pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: true }, 0)).toMatchObject({ ready: true, blockers: [] });
  });

  it('refuses provisioning pvs without a PVS recipe on an OS layer with IPv6 enabled, as with a recipe', async () => {
    const before = await stateBytes(s.home);
    const r = await create('pvs-by-type', 'win@1', ['--purpose', 'publishing', '--provisioning', 'pvs', '--broker', 'none']);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('OS layer "win" version 1 has IPv6 enabled, and PVS (provisioning pvs) needs it disabled on the OS layer.');
    expect((await stateBytes(s.home))!.equals(before!)).toBe(true);
  });

  it('a layer not bound for PVS may keep IPv6 as it likes', async () => {
    expectCode(await create('mcs-only', 'win@1', ['--purpose', 'publishing', '--provisioning', 'mcs', '--broker', 'none']), 0);
    expect(await verifyWith('mcs-only', { ipv6Enabled: false }, 0)).toMatchObject({ ready: true });
  });

  it('never writes or prints a password', async () => {
    await expectNoSecrets(s);
  });
});
