/**
 * An unattended build on Azure clears what a person would (ARM fake + Azurite, real binary): a
 * first verify that finds a pending reboot restarts the VM through ARM and verifies again, to
 * Deployable; NGen beside a reboot is expedited before the restart; a blocker that never clears
 * fails the build after MAX_VERIFY_RESTARTS restarts, naming it, and the build cleans up.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { RunCommandHandler } from '../support/azure';
import { Cloud, connectorFlags, Env, report, scratch, startCloud, SUBNET, VNET } from './helpers';

jest.setTimeout(180_000);

let cloud: Cloud;
let e: Env;
/** The probe's blockers, given the ARM restarts of the VM so far and whether NGen was expedited. */
let blockersNow: (restarts: number, expedited: boolean) => string[] = () => [];
let expedited = false;
const restartsOf = (vm: string) => cloud.fake.requests.filter((q) => q.method === 'POST' && new RegExp(`virtualMachines/${vm}/restart$`).test(q.path)).length;
let currentVm = '';

const handler: RunCommandHandler = async (script, parameters) => {
  if (script.includes('ShutdownForFinalize')) {
    if (parameters.ExpediteNGen === 'True') expedited = true;
    return { stdout: `${report(blockersNow(restartsOf(currentVm), expedited))}\n` };
  }
  return { stdout: 'installed\nELM-EXIT-CODE: 0\n', exitCode: 0 };
};

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-restarts-');
  cloud.fake.onRunCommand('*', handler);
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
}, 120_000);
afterAll(async () => {
  await cloud.stop();
  await e.cleanup();
});

async function build(name: string, vm: string): Promise<{ code: number | null; doc: { task: { id: string; state: string; description: string } }; log: string }> {
  currentVm = vm;
  expedited = false;
  const file = path.join(e.dir, `${name}.yaml`);
  await fs.writeFile(
    file,
    ['layer:', `  name: ${name}`, '  version: "1"', '  osLayer: win', '  connector: az', '  purpose: packaging', '  hypervisor: azure', '  diskFormat: vhd',
      'machine:', `  name: ${vm}`, '  size: Standard_D2s_v3', `  vnet: ${VNET}`, `  subnet: ${SUBNET}`, 'steps:', '  - name: app', '    inline: "exit 0"'].join('\n'),
  );
  const r = await e.run(['layer', 'build', '-f', file, '--wait', '--json']);
  const doc = JSON.parse(r.stdout);
  const log = await fs.readFile(path.join(e.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  return { code: r.code, doc, log };
}

test('a pending reboot beside NGen: NGen expedited first, one restart through ARM, Deployable', async () => {
  blockersNow = (restarts, ngenDone) => [...(restarts === 0 ? ['postInstallReboot'] : []), ...(ngenDone ? [] : ['ngenInProgress'])];
  const { code, doc, log } = await build('azreboot', 'pkg-r1');
  expect(code).toBe(0);
  expect(doc.task.state).toBe('Complete');
  expect((await e.json(['layer', 'show', 'azreboot'])).versions[0].state).toBe('Deployable');
  expect(restartsOf('pkg-r1')).toBe(1);
  expect(log.indexOf('expediting NGen')).toBeGreaterThan(-1);
  expect(log.indexOf('expediting NGen')).toBeLessThan(log.indexOf('verify: restart 1/3 of pkg-r1, for postInstallReboot'));
  expect(log).toMatch(/verify: ready/);
});

test('a blocker no restart clears: fails after 3 restarts naming it; the VM is deleted', async () => {
  blockersNow = () => ['postInstallReboot'];
  const { code, doc, log } = await build('azstuck', 'pkg-r2');
  expect(code).toBe(1);
  expect(doc.task.state).toBe('Failed');
  expect(doc.task.description).toMatch(/blockers after 3 restarts: postInstallReboot \(A post-installation reboot is pending/);
  expect(restartsOf('pkg-r2')).toBe(3);
  for (const n of [1, 2, 3]) expect(log).toMatch(new RegExp(`verify: restart ${n}/3 of pkg-r2, for postInstallReboot`));
  expect((await e.json(['layer', 'show', 'azstuck'])).versions[0].state).toBe('Broken');
});
