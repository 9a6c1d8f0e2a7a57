/**
 * An unattended build clears what a person would (vCenter fake, real binary): a first verify
 * that finds a pending reboot restarts the guest and verifies again, to Deployable; RunOnce
 * entries are run (as a logon would) before the restart; a blocker that never clears fails the
 * build after MAX_VERIFY_RESTARTS restarts, naming it. The task log says each restart and why.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { windowsGuest, type VCenterFake } from '../support/vcenter';
import { expectCode, guestReport, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(180_000);

let fake: VCenterFake;
let s: Env;
/** The probe's blockers, given how many guest reboots vCenter has done and whether RunOnce ran. */
let blockersNow: (reboots: number) => string[] = () => [];
let runOnceRan = false;
const reboots = () => fake.requests.filter((r) => /\/guest\/power\?action=reboot$/.test(r.url)).length;

beforeAll(async () => {
  fake = await startFake();
  s = await scratch(fake);
  fake.onGuestProcess(
    '*',
    windowsGuest({
      report: () => guestReport({}, blockersNow(reboots())),
      step: (body: string) => {
        if (body.includes('CurrentVersion\\RunOnce')) runOnceRan = true;
        return undefined;
      },
    }),
  );
  expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
  expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk]), 0);
});
afterAll(async () => {
  await fake?.stop();
  await s?.cleanup();
});

async function build(name: string): Promise<{ code: number; doc: { task: { id: string; state: string; description: string } }; log: string }> {
  const file = path.join(s.dir, `${name}.yaml`);
  await fs.writeFile(
    file,
    ['layer:', `  name: ${name}`, '  version: "1"', '  osLayer: win', '  connector: vs', '  purpose: packaging', '  hypervisor: vsphere', '  diskFormat: vmdk', 'steps:', '  - name: app', '    inline: |', "      Write-Output 'installed'"].join('\n'),
  );
  const r = await s.run(['layer', 'build', '-f', file, '--wait', '--json']);
  const doc = JSON.parse(r.stdout);
  const log = await fs.readFile(path.join(s.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  return { code: r.code ?? -1, doc, log };
}

test('a pending reboot at the first verify: one restart, verified again, Deployable', async () => {
  const start = reboots();
  blockersNow = (n) => (n - start === 0 ? ['postInstallReboot'] : []);
  const { code, doc, log } = await build('rebooted');
  expect(code).toBe(0);
  expect(doc.task.state).toBe('Complete');
  expect((await s.json(['layer', 'show', 'rebooted'])).versions[0].state).toBe('Deployable');
  expect(reboots() - start).toBe(1);
  expect(log).toMatch(/verify: blocked by postInstallReboot/);
  expect(log).toMatch(/verify: restart 1\/3 of rebooted-1-pkg, for postInstallReboot/);
  expect(log).toMatch(/verify: ready/);
});

test('RunOnce entries: run as a logon would, then a restart, then Deployable', async () => {
  const start = reboots();
  runOnceRan = false;
  blockersNow = (n) => (runOnceRan && n > start ? [] : ['runOncePending']);
  const { code, log } = await build('runonce');
  expect(code).toBe(0);
  expect(runOnceRan).toBe(true);
  expect(log).toMatch(/verify: restart 1\/3 of runonce-1-pkg, for runOncePending/);
  expect((await s.json(['layer', 'show', 'runonce'])).versions[0].state).toBe('Deployable');
});

test('a blocker no restart clears: the build fails after 3 restarts naming it, and cleans up', async () => {
  const start = reboots();
  blockersNow = () => ['bootDriverReboot'];
  const { code, doc, log } = await build('stuck');
  expect(code).toBe(1);
  expect(doc.task.state).toBe('Failed');
  expect(doc.task.description).toMatch(/blockers after 3 restarts: bootDriverReboot \(A reboot is pending to update drivers on the boot disk/);
  expect(reboots() - start).toBe(3);
  for (const n of [1, 2, 3]) expect(log).toMatch(new RegExp(`verify: restart ${n}/3 of stuck-1-pkg, for bootDriverReboot`));
  expect(fake.vms().filter((v) => v.name === 'stuck-1-pkg')).toEqual([]);
});
