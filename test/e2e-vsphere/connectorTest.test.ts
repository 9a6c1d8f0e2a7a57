/**
 * `elm connector test` for vsphere and pvs through the real binary: every check named, exit 1
 * when one fails, case-sensitive vCenter names, what cannot be verified said plainly.
 */
import { stateBytes } from '../support/cli';
import type { VCenterFake } from '../support/vcenter';
import { expectCode, expectNoSecrets, scratch, startFake, tcpListener, vsphereArgs, type Doc, type Env } from './helpers';

jest.setTimeout(60_000);

describe('connector test', () => {
  let fake: VCenterFake;
  let s: Env;
  let pvsA: { port: number; close(): Promise<void> };
  let pvsB: { port: number; close(): Promise<void> };

  beforeAll(async () => {
    fake = await startFake();
    pvsA = await tcpListener();
    pvsB = await tcpListener();
    s = await scratch(fake, 2 * 1024 * 1024); // MARKER sits at 1 MiB: the disk must hold it in whole sectors
  });
  afterAll(async () => {
    await fake?.stop();
    await pvsA?.close();
    await pvsB?.close();
    await s?.cleanup();
  });

  const checksOf = (doc: Doc) => Object.fromEntries(doc.checks.map((c: Doc) => [c.name, c]));

  it('vsphere: every check passes on a correct configuration', async () => {
    expectCode(await s.run(vsphereArgs(fake, 'good')), 0);
    const r = await s.run(['connector', 'test', 'good']);
    expectCode(r, 0);
    for (const name of ['login', 'version', 'datacenter', 'datastore', 'host', 'network', 'folder', 'template', 'guest account']) expect(r.stdout).toMatch(new RegExp(`^✓ ${name}: `, 'm'));
    // Transfers go to the ESXi host, which no check can reach before a VM runs there: said, not passed.
    expect(r.stdout).toMatch(/^\? guest file transfers: not checked: .* straight to the ESXi host esx1\.lab on port 443 \(vCenter does not relay them\); it must be reachable from here and its certificate trusted \(NODE_EXTRA_CA_CERTS\)$/m);
    expect(r.stdout).toMatch(/^✓ datacenter: DC1 \(datacenter-\d+, inventory path Region\/DC1\)$/m);
    expect(r.stdout).toContain('✓ datastore: ds1 (datastore-');
    expect(r.stdout).toContain('file access through /folder works (dcPath Region/DC1)');
    expect(r.stderr).toContain('Connector "good" works (1 check could not be verified from here).');
  });

  it('vsphere: a wrong-case datastore name fails (exit 1) with the right spelling; every other wrong name is named', async () => {
    expectCode(await s.run(vsphereArgs(fake, 'case', { '--datastore': 'DS1' })), 0);
    const r = await s.run(['connector', 'test', 'case']);
    expectCode(r, 1);
    expect(r.stdout).toContain('✗ datastore: no datastore named "DS1" in datacenter DC1; names are case-sensitive: did you mean "ds1"?');
    expect(r.stderr).toContain('Connector "case" has failing checks.');

    expectCode(await s.run(vsphereArgs(fake, 'wrong', { '--host': 'esx9.lab', '--network': 'vm network', '--folder': 'Packages', '--template': 'Win2019-TPL' })), 0);
    const doc = await s.json(['connector', 'test', 'wrong'], 1);
    const c = checksOf(doc);
    expect(doc.ok).toBe(false);
    expect(c.datastore.ok).toBe(true);
    expect(c.host).toMatchObject({ ok: false, detail: 'no host named "esx9.lab" in datacenter DC1 (there are: "esx1.lab")' });
    expect(c.network).toMatchObject({ ok: false, detail: expect.stringContaining('did you mean "VM Network"?') });
    expect(c.folder).toMatchObject({ ok: false, detail: expect.stringContaining('no VM folder named "Packages"') });
    expect(c.template).toMatchObject({ ok: false, detail: expect.stringContaining('did you mean "win2019-tpl"?') });
  });

  it('layer create with a misspelt vSphere name is refused (exit 2) before anything is recorded or uploaded', async () => {
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
    const before = await stateBytes(s.home);
    const r = await s.run(['layer', 'create', '--name', 'typo', '--version', '1', '--os-layer', 'win', '--connector', 'case', '--wait']);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('vSphere --datastore: no datastore named "DS1" in datacenter DC1; names are case-sensitive: did you mean "ds1"?');
    expect((await stateBytes(s.home))!.equals(before!)).toBe(true);
    expect(fake.datastoreFiles().filter((f) => f.path.startsWith('elm-'))).toEqual([]);
  });

  it('vsphere: a wrong datacenter leaves the rest unchecked; a wrong password or an untrusted certificate fails the login', async () => {
    expectCode(await s.run(vsphereArgs(fake, 'nodc', { '--datacenter': 'dc1' })), 0);
    const nodc = checksOf(await s.json(['connector', 'test', 'nodc'], 1));
    expect(nodc.datacenter).toMatchObject({ ok: false, detail: expect.stringContaining('did you mean "DC1"?') });
    expect(nodc.folder).toMatchObject({ ok: null, detail: 'not checked: the datacenter "dc1" was not found' });

    const badPw = await s.run(['connector', 'test', 'good'], { env: { ELM_VSPHERE_PASSWORD: 'wrong-password' } });
    expectCode(badPw, 1);
    expect(badPw.stdout).toMatch(/✗ login: vCenter 127\.0\.0\.1:\d+: login as administrator@vsphere\.local failed: invalid user name or password \(the password comes from \$ELM_VSPHERE_PASSWORD\)/);
    expect(badPw.stdout).toContain('? datacenter: not checked: the login failed');
    expect(badPw.stdout).not.toContain('wrong-password');

    const unset = await s.run(['connector', 'test', 'good'], { env: { ELM_VSPHERE_PASSWORD: '' } });
    expectCode(unset, 1);
    expect(unset.stdout).toContain('export ELM_VSPHERE_PASSWORD');

    const untrusted = await s.run(['connector', 'test', 'good'], { env: { NODE_EXTRA_CA_CERTS: '' } });
    expectCode(untrusted, 1);
    expect(untrusted.stdout).toMatch(/✗ login: .*is not trusted .*NODE_EXTRA_CA_CERTS=/);
    expect(untrusted.stdout).toContain(`(vCenter: its root CA from https://${fake.host}/certs/download.zip; an ESXi host: the host's own certificate)`);
    // Every check still has its line: nothing after the failed login is folded away.
    for (const name of ['version', 'datacenter', 'datastore', 'host', 'network', 'folder', 'template']) expect(untrusted.stdout).toMatch(new RegExp(`^\\? ${name}: not checked: the login failed$`, 'm'));
  });

  it('pvs: reports the agent, console and snap-in facts; a server without the agent or the console fails (exit 1)', async () => {
    expectCode(
      await s.run(['connector', 'add', 'pvs', '--name', 'pvs-ok', '--console', `127.0.0.1:${pvsA.port}`, '--user', 'CORP\\svc', '--site', 'S', '--store', 'St',
        '--server', `127.0.0.1:${pvsA.port}=2203.0.0,agent,console`]),
      0,
    );
    const ok = await s.run(['connector', 'test', 'pvs-ok']);
    expectCode(ok, 0);
    // Declared in the configuration only: not verified (`?`), never passed.
    expect(ok.stdout).toContain(`? server 127.0.0.1:${pvsA.port} agent: App Layering agent declared installed and registered (--server …,agent): not verified`);
    expect(ok.stdout).toContain(`? server 127.0.0.1:${pvsA.port} console: PVS Console declared installed (--server …,console): not verified`);
    expect(ok.stdout).not.toMatch(/✓ server .* (agent|console):/);
    expect(ok.stdout).toContain(`? server 127.0.0.1:${pvsA.port} snap-in: not verified from here: run Get-PSSnapin -Registered Citrix.PVS.SnapIn`);

    expectCode(
      await s.run(['connector', 'add', 'pvs', '--name', 'pvs-bad', '--console', `127.0.0.1:${pvsA.port}`, '--user', 'CORP\\svc', '--site', 'S', '--store', 'St',
        '--server', `127.0.0.1:${pvsA.port}=2203.0.0,console`, '--server', `127.0.0.1:${pvsB.port}=2203.0.0,agent`]),
      0,
    );
    const bad = await s.run(['connector', 'test', 'pvs-bad']);
    expectCode(bad, 1);
    expect(bad.stdout).toContain(`✗ server 127.0.0.1:${pvsA.port} agent: no App Layering agent`);
    expect(bad.stdout).toContain(`✗ server 127.0.0.1:${pvsB.port} console: no PVS Console`);
    expect(bad.stdout).toContain(`? server 127.0.0.1:${pvsB.port} agent`);
    expect(bad.stderr).toContain('Connector "pvs-bad" has failing checks.');
    const failing = (await s.json(['connector', 'test', 'pvs-bad'], 1)).checks.filter((c: Doc) => c.ok === false).map((c: Doc) => c.name);
    expect(failing).toEqual([`server 127.0.0.1:${pvsA.port} agent`, `server 127.0.0.1:${pvsB.port} console`]);
  });

  it('never writes or prints a password', async () => {
    await expectNoSecrets(s);
  });
});
