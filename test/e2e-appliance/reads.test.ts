/**
 * `--appliance NAME` (and ELM_APPLIANCE) through the real binary: the read commands show the
 * appliance's objects with the same JSON fields as the local state; what the appliance owns, and
 * what elm does not do on an appliance yet, is refused with exit 2 before anything is touched;
 * without --appliance the local state is shown as before.
 */
import { elm, oneLine, stateBytes, tempHome, type CliResult } from '../support/cli';
import { ApplianceFake, startApplianceFake } from '../support/appliance/server';

jest.setTimeout(120_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = any;

function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

describe('--appliance: the read commands', () => {
  let fake: ApplianceFake;
  let t: { dir: string; home: string; cleanup(): Promise<void> };
  let run: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>;

  beforeAll(async () => {
    fake = await startApplianceFake({
      connectors: [{ id: 'c1', name: 'Azure West', type: 'Azure' }, { id: 'c2', name: 'vCenter 8', type: 'vSphere' }],
      osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }, { id: '112', version: '2.0', state: 'Deployable' }] }],
      platformLayers: [
        { id: '21', name: 'Citrix VDA', description: 'VDA 2402', iconId: '196608', revisions: [{ id: '211', version: '1', state: 'Deployable' }, { id: '212', version: '2', state: 'Editing' }] },
        ...Array.from({ length: 30 }, (_, i) => ({ id: String(100 + i), name: `Layer ${i}`, revisions: [{ id: String(1000 + i), version: '1', state: 'Finalizable' }] })),
      ],
      iconIds: ['196608', '196609'],
    });
    t = await tempHome('elm-appliance-reads-');
    run = (args, env = {}) => elm(args, { home: t.home, env: { NODE_EXTRA_CA_CERTS: fake.caCertPath, ELM_APPLIANCE_PASSWORD: 'Unidesk1', ...env } });
    expectCode(await run(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator']), 0);
    expectCode(await run(['connector', 'add', 'fileshare', '--name', 'local-share', '--path', t.dir]), 0);
  });
  afterAll(async () => {
    await fake?.stop();
    await t?.cleanup();
  });

  it('layer list: the appliance\'s layers with their versions and states, every detail asked for', async () => {
    const r = await run(['layer', 'list', '--appliance', 'corp', '--json']);
    expectCode(r, 0);
    const layers: Doc[] = JSON.parse(r.stdout);
    expect(layers).toHaveLength(31);
    expect(layers[0]).toMatchObject({ id: '21', name: 'Citrix VDA', description: 'VDA 2402', icon: '196608' });
    expect(layers[0].versions.map((v: Doc) => [v.name, v.state])).toEqual([['1', 'Deployable'], ['2', 'Editing']]);
    expect(layers[30].versions[0]).toMatchObject({ name: '1', state: 'Finalizable' });
    expect(fake.calls('QueryPlatformLayerDetails').length).toBeGreaterThanOrEqual(31);
  });

  it('ELM_APPLIANCE does the same, also for the table', async () => {
    const r = await run(['layer', 'list'], { ELM_APPLIANCE: 'corp' });
    expectCode(r, 0);
    expect(r.stdout).toMatch(/^21\s+Citrix VDA\s+2\s+2\s+Editing\s*$/m);
  });

  it('layer show: one layer of the appliance, by name', async () => {
    const r = await run(['layer', 'show', 'Citrix VDA', '--appliance', 'corp', '--json']);
    expectCode(r, 0);
    const doc: Doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ id: '21', name: 'Citrix VDA' });
    expect(doc.versions.map((v: Doc) => v.state)).toEqual(['Deployable', 'Editing']);
    expect(Array.isArray(doc.audit)).toBe(true);
    const missing = await run(['layer', 'show', 'nope', '--appliance', 'corp']);
    expectCode(missing, 2);
    expect(missing.stderr).toContain('No layer named "nope"');
  });

  it('os-layer list, connector list, icon list: the appliance\'s objects', async () => {
    const os: Doc[] = JSON.parse((await run(['os-layer', 'list', '--appliance', 'corp', '--json'])).stdout);
    expect(os.map((o) => [o.name, o.versions.map((v: Doc) => v.name)])).toEqual([['Windows 11', ['1.0', '2.0']]]);
    const connectors: Doc[] = JSON.parse((await run(['connector', 'list', '--appliance', 'corp', '--json'])).stdout);
    expect(connectors.map((c) => [c.name, c.type])).toEqual([['Azure West', 'azure'], ['vCenter 8', 'vsphere']]);
    const icons: Doc[] = JSON.parse((await run(['icon', 'list', '--appliance', 'corp', '--json'])).stdout);
    expect(icons.filter((i) => !i.builtIn).map((i) => i.id)).toEqual(['196608', '196609']);
    expect(icons.find((i) => i.id === '196608').file).toBe(`https://${fake.host}/Unidesk.Web/GetImage.ashx?id=196608`);
  });

  it('without --appliance the local state is shown as before', async () => {
    const connectors: Doc[] = JSON.parse((await run(['connector', 'list', '--json'])).stdout);
    expect(connectors.map((c) => c.name)).toEqual(['local-share']);
    const layers = await run(['layer', 'list', '--json']);
    expectCode(layers, 0);
    expect(JSON.parse(layers.stdout)).toEqual([]);
  });

  it.each([
    [['connector', 'add', 'fileshare', '--name', 'x'], /the appliance owns it; add connector configurations in the appliance's management console/],
    [['os-layer', 'import', '--name', 'w', '--version', '1', '--disk', '/nonexistent.vhd'], /the appliance owns it; import OS layers/],
    [['icon', 'import', '/nonexistent.png'], /the appliance owns it; upload icons/],
    [['layer', 'remove', 'Citrix VDA', '--yes'], /the appliance owns it; delete layers/],
    [['layer', 'build', '-f', '/nonexistent.yaml'], /build the layer without --appliance/],
    [['task', 'list'], /does not work on an appliance yet .* run it without --appliance/],
  ])('refuses elm %j under --appliance: exit 2, one line, nothing touched', async (args, said) => {
    const before = await stateBytes(t.home);
    const sent = fake.requests.length;
    const r = await run([...args, '--appliance', 'corp']);
    expectCode(r, 2);
    expect(oneLine(r.stderr)).toBe(true);
    expect(r.stderr).toMatch(said);
    expect(await stateBytes(t.home)).toEqual(before);
    expect(fake.requests.length).toBe(sent);
  });

  it('an appliance that is not added: exit 2 naming how to add it', async () => {
    const r = await run(['layer', 'list', '--appliance', 'other']);
    expectCode(r, 2);
    expect(r.stderr).toMatch(/No appliance named "other" \(appliances: corp\); add it with elm appliance add/);
  });
});
