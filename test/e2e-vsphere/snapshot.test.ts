/**
 * A snapshot of the packaging machine (routine before installs) moves its disk to a child file
 * in the VM's folder: everything installed since lands there, not in the packaging disk elm
 * uploaded. Finalize then refuses (exit 3, naming the fix) and deletes nothing; once the
 * snapshots are deleted (merged back), finalize captures the disk and cleans up as usual.
 */
import { readFileSync } from 'node:fs';
import type { VCenterFake } from '../support/vcenter';
import { expectCode, guestReport, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

describe('finalize of a packaging machine with a snapshot', () => {
  let fake: VCenterFake;
  let s: Env;
  const vmName = 'snap-1-pkg';

  beforeAll(async () => {
    fake = await startFake();
    s = await scratch(fake, 8 * MiB);
    fake.onGuestProcess('*', (_program, args) => {
      const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
      return { exitCode: 0, writeFiles: reportPath ? { [reportPath]: guestReport({ ipv6Enabled: false }) } : {} };
    });
    expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
    expectCode(await s.run(['layer', 'create', '--name', 'snap', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'snap', '--wait']), 0);
    expectCode(await s.run(['machine', 'deploy', 'snap']), 0);
    expectCode(await s.run(['verify', 'snap', '--shutdown']), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await s?.cleanup();
  });

  const files = () => fake.datastoreFiles().map((f) => f.dsPath).filter((f) => f.includes('snap'));

  it('refuses (exit 3) to copy the base disk while the machine runs on a snapshot child, and deletes nothing', async () => {
    fake.takeSnapshot(vmName);
    const before = files();
    const seen = fake.requests.length;
    expect(fake.vm(vmName)!.disks.map((d) => d.vmdkFile)).toEqual([`[ds1] ${vmName}/elm-snap-000001.vmdk`]);

    const r = await s.run(['finalize', 'snap', '--wait']);
    expectCode(r, 3);
    expect(r.stderr).toContain(`the packaging machine ${vmName} is backed by [ds1] ${vmName}/elm-snap-000001.vmdk, not the packaging disk [ds1] elm-snap.vmdk`);
    expect(r.stderr).toContain("Delete or consolidate the machine's snapshots");
    // The VM, its snapshot child and the packaging disk are all still there; the version can be finalized later.
    expect(fake.vm(vmName)).toMatchObject({ powerState: 'POWERED_OFF' });
    expect(files()).toEqual(before);
    expect(before).toEqual(expect.arrayContaining(['[ds1] elm-snap.vmdk', '[ds1] elm-snap-flat.vmdk', `[ds1] ${vmName}/elm-snap-000001.vmdk`]));
    expect((await s.json(['layer', 'show', 'snap'])).versions[0].state).toBe('Finalizable');
    const destructive = fake.requests.slice(seen).filter((q) => (q.method === 'DELETE' && q.path !== '/api/session') || (q.method === 'GET' && q.path.endsWith('elm-snap-flat.vmdk')));
    expect(destructive.map((q) => `${q.method} ${q.path}`)).toEqual([]);
  });

  it('finalizes once the snapshots are deleted: the disk captured, the VM and files gone', async () => {
    fake.deleteAllSnapshots(vmName);
    const flat = readFileSync(fake.datastoreFiles().find((f) => f.path === 'elm-snap-flat.vmdk')!.localPath);
    const done = await s.json(['finalize', 'snap', '--wait']);
    expect(done).toMatchObject({ task: { state: 'Complete' }, version: { state: 'Deployable' }, artifact: { sizeBytes: flat.length } });
    expect(fake.vm(vmName)).toBeUndefined();
    expect(files()).toEqual([]);
  });
});
