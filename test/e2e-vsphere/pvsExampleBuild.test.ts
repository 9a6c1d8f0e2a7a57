/**
 * examples/pvs-vsphere/platform.yaml runs: a copy of the example (its installers replaced by small
 * stand-ins) built through the real binary against the vCenter fake, with the vsphere and pvs
 * connectors and the OS layer it names. The build's verify applies verify's PVS rules: a target
 * device that does not match the PVS server fails the build (cleaned up, never finalized); a
 * matching one, KMS rearmed, ends Deployable with the installers copied in and a restart for the
 * VDA's 3010.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../support/cli';
import { windowsGuest, type VCenterFake } from '../support/vcenter';
import { expectCode, expectNoSecrets, guestReport, scratch, startFake, tcpListener, vsphereArgs, type Env } from './helpers';

jest.setTimeout(180_000);

const INSTALLERS = ['VMware-tools-12.4.0-x86_64.exe', 'PVS_Device_x64_2402.exe', 'VDAWorkstationSetup_2402.exe'];

let fake: VCenterFake;
let s: Env;
let pvs: { port: number; close(): Promise<void> };
let details: Record<string, unknown> = {};
let vdaRuns = 0;
/** The guest files present when the VDA step ran. */
let guestFilesAtVda: Record<string, string> = {};
let specDir = '';

beforeAll(async () => {
  fake = await startFake();
  pvs = await tcpListener();
  s = await scratch(fake);
  fake.onGuestProcess(
    '*',
    windowsGuest({
      report: ({ expedited }) => guestReport(details, expedited ? [] : ['ngenInProgress']),
      step: (body, _env, files) => {
        if (!body.includes('VDAWorkstationSetup')) return undefined;
        vdaRuns += 1;
        guestFilesAtVda = Object.fromEntries(files.list().filter((f) => f.startsWith('C:\\elm-install\\')).map((f) => [f, files.text(f) ?? '']));
        return { output: 'Citrix VDA installed; a restart is required', exitCode: 3010 };
      },
    }),
  );
  expectCode(await s.run(vsphereArgs(fake, 'vsphere')), 0);
  expectCode(
    await s.run([
      'connector', 'add', 'pvs', '--name', 'pvs', '--console', `127.0.0.1:${pvs.port}`, '--user', 'CORP\\svc-elm', '--site', 'Site1', '--store', 'Store1',
      '--license-mode', 'kms', '--server', `127.0.0.1:${pvs.port}=2402.0.0,agent,console`,
    ]),
    0,
  );
  expectCode(await s.run(['os-layer', 'import', '--name', 'Windows 10 Enterprise', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
  specDir = path.join(s.dir, 'pvs-vsphere');
  await fs.cp(path.join(ROOT, 'examples', 'pvs-vsphere'), specDir, { recursive: true });
  await fs.mkdir(path.join(specDir, 'installers'), { recursive: true });
  for (const f of INSTALLERS) await fs.writeFile(path.join(specDir, 'installers', f), `stand-in for ${f}`);
});

afterAll(async () => {
  await fake?.stop();
  await pvs?.close();
  await s?.cleanup();
});

/** The example as a build of a new version of the layer it made (layerVersionOf:). */
async function exampleAs(version: string): Promise<string> {
  const text = await fs.readFile(path.join(specDir, 'platform.yaml'), 'utf8');
  const file = path.join(specDir, `platform-${version}.yaml`);
  await fs.writeFile(file, text.replace('layer:\n  name: PVS vSphere Platform\n', 'layerVersionOf: PVS vSphere Platform\nlayer:\n').replace('version: "2402"', `version: "${version}"`));
  return file;
}

const leftInVcenter = () => ({
  vms: fake.vms().filter((v) => v.name.startsWith('PVS-vSphere-Platform')).map((v) => v.name),
  files: fake.datastoreFiles().filter((f) => f.path.startsWith('elm-')).map((f) => f.dsPath),
});

test('the example builds to Deployable: installers copied into the guest, a restart for the VDA, NGen expedited, KMS rearm verified', async () => {
  details = { pvsTargetDeviceVersion: '2402.0.0', kmsRearmed: true, ipv6Enabled: false };
  vdaRuns = 0;
  const r = await s.run(['layer', 'build', '-f', path.join(specDir, 'platform.yaml'), '--wait', '--json']);
  expectCode(r, 0);
  const doc = JSON.parse(r.stdout);
  expect(doc.task).toMatchObject({ state: 'Complete' });
  const version = (await s.json(['layer', 'show', 'PVS vSphere Platform'])).versions.find((v: { name: string }) => v.name === '2402');
  expect(version.state).toBe('Deployable');
  expect(vdaRuns).toBe(1);
  expect(guestFilesAtVda).toEqual({
    'C:\\elm-install\\VMware-tools-x86_64.exe': 'stand-in for VMware-tools-12.4.0-x86_64.exe',
    'C:\\elm-install\\PVS_Device_x64.exe': 'stand-in for PVS_Device_x64_2402.exe',
    'C:\\elm-install\\VDAWorkstationSetup.exe': 'stand-in for VDAWorkstationSetup_2402.exe',
  });
  // One reboot for the VDA's 3010 and one for the restart step after the KMS rearm.
  expect(fake.requests.filter((q) => /\/guest\/power\?action=reboot$/.test(q.url))).toHaveLength(2);
  const log = await fs.readFile(path.join(s.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  expect(log).toMatch(/VDA: exit code 3010/);
  expect(log).toMatch(/verify: ready/);
  expect(leftInVcenter()).toEqual({ vms: [], files: [] });
  await expectNoSecrets(s);
});

test('a target device that does not match the PVS server: the build fails at verify as elm verify would, and deletes what it made', async () => {
  details = { pvsTargetDeviceVersion: '7.15.0.11', kmsRearmed: true, ipv6Enabled: false };
  const r = await s.run(['layer', 'build', '-f', await exampleAs('2403'), '--wait', '--json']);
  expectCode(r, 1);
  const doc = JSON.parse(r.stdout);
  expect(doc.task.state).toBe('Failed');
  expect(doc.task.description).toMatch(/Failed at step "verify".*PVS Target Device software on the Packaging Machine is version 7\.15\.0\.11 but the PVS server is version 2402\.0\.0/);
  expect(leftInVcenter()).toEqual({ vms: [], files: [] });
  const versions = (await s.json(['layer', 'show', 'PVS vSphere Platform'])).versions;
  expect(versions.find((v: { name: string }) => v.name === '2403').state).toBe('Broken');
  expect(versions.find((v: { name: string }) => v.name === '2402').state).toBe('Deployable');
});
