/**
 * Guest OS ids come with vSphere API versions: WINDOWS_11_64 and WINDOWS_SERVER_2025 with
 * 8.0.0.1, so a vCenter 7.0 U3 (which elm supports) refuses a VM created with them. elm reads the
 * server's API version and creates the packaging machine with the nearest id it knows.
 */
import path from 'node:path';
import { diskWithPartition } from '../support/e2e';
import type { VCenterFake } from '../support/vcenter';
import { expectCode, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

describe('guest OS ids on an older vCenter', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    fake = await startFake({ about: { version: '7.0.3' } });
    s = await scratch(fake, 2 * MiB);
    // No template: elm creates the VM itself, with the OS layer's guest OS.
    expectCode(await s.run(vsphereArgs(fake, 'vs', { '--template': null })), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  async function deployed(osLayer: string, wanted: string): Promise<{ guestOS: string; output: string }> {
    const disk = path.join(s.dir, `${osLayer}.raw`);
    await diskWithPartition(disk, 0xee);
    const os = await s.json(['os-layer', 'import', '--name', osLayer, '--version', '1', '--disk', disk]);
    expect(os.versions[0].guestOs).toBe(wanted);
    const layer = `${osLayer.replace(/\W/g, '')}-apps`;
    expectCode(await s.run(['layer', 'create', '--name', layer, '--version', '1', '--os-layer', osLayer, '--connector', 'vs', '--disk-name', layer, '--wait']), 0);
    const r = await s.run(['machine', 'deploy', layer, '--json']);
    expectCode(r, 0);
    const doc = JSON.parse(r.stdout);
    return { guestOS: fake.vm(doc.machine.name)!.guestOS, output: `${r.stdout}${JSON.stringify(doc.machine.resources)}` };
  }

  it('Windows 11 becomes Windows 10 (64-bit) and Server 2025 becomes Server 2022 on vSphere API 7.0.3.0', async () => {
    const w11 = await deployed('Windows 11', 'WINDOWS_11_64');
    expect(w11.guestOS).toBe('WINDOWS_9_64');
    expect(w11.output).toContain('"guestOs":"WINDOWS_9_64"');
    const ws = await deployed('ws2025', 'WINDOWS_SERVER_2025');
    expect(ws.guestOS).toBe('WINDOWS_SERVER_2021');
  });
});
