/**
 * Every build spec under examples/ builds: given every prerequisite it names (its secrets set, an
 * OS layer of the name it binds to, a connector of the name it builds on, the pvs connector of its
 * recipes, its installers as small stand-ins), elm reads it through all of its rules (the platform
 * types' included) and builds it on a file share to ActionRequired: the packaging disk and the hand
 * script written. A new example is picked up by this test as it lands. Azure and vSphere builds of
 * the same examples through the platforms' fakes: test/e2e-azure/exampleBuild.test.ts and
 * test/e2e-vsphere/pvsExampleBuild.test.ts.
 */
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { elm, makeOsDisk, ROOT, tempHome } from '../support/cli';

const EXAMPLES = readdirSync(path.join(ROOT, 'examples')).filter((d) => readdirSync(path.join(ROOT, 'examples', d)).includes('platform.yaml'));

interface ExampleSpec {
  layer: { name: string; osLayer: string; connector: string; recipes?: string[]; diskFormat?: string };
  secrets?: Record<string, string>;
  steps: Array<{ file?: { source: string } }>;
}

test('examples/ holds the build specs this test builds', () => {
  expect(EXAMPLES.sort()).toEqual(expect.arrayContaining(['azure-rdsh', 'pvs-vsphere']));
});

test.each(EXAMPLES)('examples/%s/platform.yaml builds on a file share to ActionRequired', async (name) => {
  const t = await tempHome('elm-examples-');
  try {
    const dir = path.join(t.dir, name);
    await fs.cp(path.join(ROOT, 'examples', name), dir, { recursive: true });
    const spec = parse(await fs.readFile(path.join(dir, 'platform.yaml'), 'utf8')) as ExampleSpec;
    for (const s of spec.steps) {
      if (!s.file) continue;
      await fs.mkdir(path.dirname(path.join(dir, s.file.source)), { recursive: true });
      await fs.writeFile(path.join(dir, s.file.source), 'MZ stand-in');
    }
    const env = Object.fromEntries(Object.values(spec.secrets ?? {}).map((v) => [v, 'stand-in-secret']));
    const run = (args: string[]) => elm(args, { home: t.home, env });
    const ok = async (args: string[]) => {
      const r = await run(args);
      expect({ args, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ args, code: 0, stderr: '' });
    };
    await ok(['connector', 'add', 'fileshare', '--name', spec.layer.connector]);
    for (const recipe of spec.layer.recipes ?? []) {
      await ok(['connector', 'add', 'pvs', '--name', recipe, '--console', '127.0.0.1:1', '--user', 'CORP\\svc', '--site', 'Site1', '--store', 'Store1', '--license-mode', 'kms', '--server', '127.0.0.1:1=2402.0.0,agent,console']);
    }
    const osDisk = path.join(t.dir, 'os.raw');
    await makeOsDisk(osDisk, 64 * 1024 * 1024);
    await ok(['os-layer', 'import', '--name', spec.layer.osLayer, '--version', '1', '--disk', osDisk, '--ipv6', 'disabled']);

    const r = await run(['layer', 'build', '-f', path.join(dir, 'platform.yaml'), '--wait', '--json']);
    expect({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, stderr: '' });
    const doc = JSON.parse(r.stdout);
    expect(doc.task).toMatchObject({ kind: 'LayerBuild', state: 'ActionRequired' });
    const stem = spec.layer.name.replace(/ /g, '-');
    const share = await fs.readdir(path.join(t.home, 'share'));
    expect(share).toEqual(expect.arrayContaining([`${stem}.${spec.layer.diskFormat ?? 'vhd'}`, `${stem}.build.ps1`]));
  } finally {
    await t.cleanup();
  }
}, 120_000);
