/**
 * `layer remove` of a version whose packaging machine is deployed: elm deletes machines only when
 * finalizing, so the removal names the machine it leaves, where it is and that it is deleted by hand.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(60_000);

let fake: VCenterFake;
let s: Env;
beforeAll(async () => {
  fake = await startFake();
  s = await scratch(fake);
  expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
  expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
  expectCode(await s.run(['layer', 'create', '--name', 'gone', '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', 'gone', '--wait']), 0);
  expectCode(await s.run(['machine', 'deploy', 'gone']), 0);
});
afterAll(async () => {
  await fake?.stop();
  await s?.cleanup();
});

test('layer remove names the packaging machine it leaves: which, where, to delete by hand', async () => {
  const vm = (JSON.parse((await s.run(['machine', 'status', 'gone', '--json'])).stdout) as { machine: { name: string } }).machine.name;
  const r = await s.run(['layer', 'remove', 'gone', '--yes']);
  expectCode(r, 0);
  const line = r.stderr.split('\n').find((l) => l.includes(`packaging machine ${vm}`));
  expect(line).toMatch(new RegExp(`Left in place: the packaging machine ${vm} \\(vm-\\d+\\) in vCenter [^,]+, datacenter DC1, folder [^,]+, connector "vs": .*delete it there by hand\\.$`));
});
