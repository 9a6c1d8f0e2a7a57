/**
 * `~` in every path the operator gives (ELM_HOME, --home, --path, --disk, icon files, -f and the
 * spec's icon, --report), a relative ELM_HOME resolved once (and shown by --verbose), and
 * --machine-path kept when the default share does not exist yet.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeOsDisk } from '../support/cli';
import { elm, expectOk, json, MiB, readState, tempHome, tinyPng } from '../support/e2e';

jest.setTimeout(120_000);

let dir: string;
let fakeHome: string;
let cleanup: () => Promise<void>;
/** elm with HOME pointing at a scratch folder, so `~` means something the test owns. */
const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string) => elm(args, { env: { HOME: fakeHome, ...env }, cwd });

beforeAll(async () => {
  const t = await tempHome('elm-tilde-');
  dir = t.dir;
  cleanup = t.cleanup;
  fakeHome = path.join(dir, 'operator');
  await fs.mkdir(path.join(fakeHome, 'share'), { recursive: true });
  await makeOsDisk(path.join(fakeHome, 'os.raw'), 16 * MiB);
  await fs.writeFile(path.join(fakeHome, 'logo.png'), tinyPng());
});
afterAll(() => cleanup());

test('ELM_HOME=~/elm, --path ~/share, --disk ~/os.raw, icon import ~/logo.png, -f ~/spec.yaml with icon: ~/logo.png', async () => {
  const env = { ELM_HOME: '~/elm' };
  const c = json(await run(['connector', 'add', 'fileshare', '--name', 'share', '--path', '~/share', '--json'], env));
  expect(c.path).toBe(path.join(fakeHome, 'share'));
  const os = json(await run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', '~/os.raw', '--json'], env));
  expect(os.versions[0].disk.location).toBe(path.join(fakeHome, 'os.raw'));
  const icon = json(await run(['icon', 'import', '~/logo.png', '--json'], env));
  expect(icon.name).toBe('logo');
  await fs.writeFile(path.join(fakeHome, 'spec.yaml'), 'name: app\nversion: "1"\nosLayer: win\nconnector: share\nhypervisor: xenserver\nicon: ~/logo.png\n');
  const created = json(await run(['layer', 'create', '-f', '~/spec.yaml', '--wait', '--json'], env));
  expect(created.version.state).toBe('Editing');
  // Everything landed in the expanded home, nothing in a folder literally named "~".
  const state = await readState(path.join(fakeHome, 'elm'));
  expect(state.layers[0].icon).toMatch(/^icon-/);
  expect(state.icons.length).toBe(2);
  await expect(fs.stat(path.join(process.cwd(), '~'))).rejects.toThrow();
  // --home ~/other the same way.
  expectOk(await run(['connector', 'add', 'fileshare', '--name', 'x', '--home', '~/other']));
  expect((await readState(path.join(fakeHome, 'other'))).connectors[0].name).toBe('x');
});

test('a relative ELM_HOME is resolved once from where elm started, shown by --verbose, and used by the worker', async () => {
  const env = { ELM_HOME: 'rel/home' };
  const r = await run(['connector', 'add', 'fileshare', '--name', 'share', '--path', path.join(fakeHome, 'share'), '--verbose'], env, dir);
  expectOk(r);
  const abs = path.join(dir, 'rel', 'home');
  expect(r.stderr).toContain(`elm home: ${abs} (ELM_HOME=rel/home, resolved from ${dir})`);
  expectOk(await run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', path.join(fakeHome, 'os.raw')], env, dir));
  // No --wait: a detached worker writes the disk; it must use the same home, whatever its own cwd.
  const started = json(await run(['layer', 'create', '--name', 'bg', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--disk-name', 'bg-rel', '--json'], env, dir));
  const done = json(await run(['task', 'wait', started.task.id, '--json'], { ELM_HOME: abs }));
  expect(done.state).toBe('ActionRequired');
});

test('--machine-path is stored when the default share does not exist yet, and used in the probe command', async () => {
  const env = { ELM_HOME: path.join(dir, 'fresh') };
  const c = json(await run(['connector', 'add', 'fileshare', '--name', 'local', '--machine-path', '\\\\files\\elm\\', '--json'], env));
  expect(c.path).toBe(path.join(dir, 'fresh', 'share'));
  const stored = (await readState(path.join(dir, 'fresh'))).connectors[0].settings;
  expect(stored).toMatchObject({ machinePath: '\\\\files\\elm' });
  expectOk(await run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', path.join(fakeHome, 'os.raw')], env));
  expectOk(await run(['layer', 'create', '--name', 'app', '--version', '1', '--os-layer', 'win', '--connector', 'local', '--hypervisor', 'xenserver', '--wait'], env));
  const link = json(await run(['machine', 'deploy-link', 'app', '--json'], env));
  expect(link.parameters.probeCommand).toContain('-ReportPath \\\\files\\elm\\app.integrity.json');
});
