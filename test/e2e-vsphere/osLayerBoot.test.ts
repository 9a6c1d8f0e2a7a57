/**
 * os-layer import / version add record how vSphere packaging machines boot the OS layer: the
 * firmware from the disk (GPT: EFI, MBR: BIOS) and the guest OS (--guest-os, a Windows version
 * or a vSphere id; by default from the OS layer's name, else Windows Server 2016 or later).
 */
import path from 'node:path';
import { stateBytes } from '../support/cli';
import { expectCode, MiB, scratch, startFake, type Env } from './helpers';
import { diskWithPartition } from '../support/e2e';
import type { VCenterFake } from '../support/vcenter';

jest.setTimeout(60_000);

describe('OS layer boot for vSphere packaging machines', () => {
  let fake: VCenterFake;
  let s: Env;
  beforeAll(async () => {
    fake = await startFake();
    s = await scratch(fake, 2 * MiB);
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  it('records the firmware from the disk and the guest OS from the flag, the name or the previous version', async () => {
    const gpt = path.join(s.dir, 'gpt.raw');
    const mbr = path.join(s.dir, 'mbr.raw');
    await diskWithPartition(gpt, 0xee);
    await diskWithPartition(mbr, 0x07);
    const w11 = await s.run(['os-layer', 'import', '--name', 'Windows 11 desktop', '--version', '1', '--disk', gpt]);
    expectCode(w11, 0);
    expect(w11.stderr).toContain('Packaging machines boot it with EFI firmware; vSphere guest OS WINDOWS_11_64.');
    const shown = await s.json(['os-layer', 'show', 'Windows 11 desktop']);
    expect(shown.versions[0]).toMatchObject({ partitionStyle: 'gpt', generation: 'V2', firmware: 'EFI', guestOs: 'WINDOWS_11_64' });

    const srv = await s.json(['os-layer', 'import', '--name', 'base', '--version', '1', '--disk', mbr, '--guest-os', 'ws2022']);
    expect(srv.versions[0]).toMatchObject({ partitionStyle: 'mbr', firmware: 'BIOS', guestOs: 'WINDOWS_SERVER_2021' });
    const next = await s.json(['os-layer', 'version', 'add', 'base', '--version', '2', '--disk', gpt]);
    expect(next.versions[1]).toMatchObject({ firmware: 'EFI', guestOs: 'WINDOWS_SERVER_2021' }); // the guest OS carries over
    const other = await s.json(['os-layer', 'import', '--name', 'golden', '--version', '1', '--disk', mbr]);
    expect(other.versions[0]).toMatchObject({ guestOs: 'WINDOWS_9_SERVER_64' }); // nothing says which Windows: Server 2016 or later
  });

  it('refuses an unknown --guest-os (exit 2, one line, state unchanged)', async () => {
    const before = await stateBytes(s.home);
    const r = await s.run(['os-layer', 'import', '--name', 'x', '--version', '1', '--disk', s.osDisk, '--guest-os', 'ubuntu']);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--guest-os "ubuntu" is not a Windows version elm knows: use one of win10, win11, ws2016, ws2019, ws2022, ws2025');
    expect((await stateBytes(s.home))!.equals(before!)).toBe(true);
  });
});
