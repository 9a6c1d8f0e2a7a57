/**
 * A platform layer names its platform: without a terminal, a layer on the file share (which
 * packages on any hypervisor) needs --hypervisor, and a publishing one --provisioning and
 * --broker (`none` said explicitly), all named in the one error, nothing recorded. On a
 * terminal the Platform Types tab asks them (test/wizard/operatorDay.pty.test.ts).
 */
import { baseSetup, expectRefused, json, MiB, readState, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(2 * MiB, 'elm-platform-');
  await baseSetup(s);
});
afterAll(() => s.cleanup());

const base = ['layer', 'create', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--yes', '--wait'];

test('no --hypervisor on a file share: exit 2 naming it, nothing recorded', async () => {
  await expectRefused(s, [...base, '--name', 'none-given'], /Missing --hypervisor: elm layer create needs it/);
  expect((await readState(s.home)).layers).toEqual([]);
});

test('publishing without provisioning and broker: both named, with none as the way to say there is none', async () => {
  await expectRefused(s, [...base, '--name', 'pub', '--purpose', 'publishing', '--hypervisor', 'hyperv'], /Missing --provisioning \(or none\), --broker \(or none\):/);
});

test('--provisioning none --broker none: a publishing layer with neither recorded', async () => {
  const doc = json(await s.run([...base, '--name', 'pub-none', '--purpose', 'publishing', '--hypervisor', 'hyperv', '--provisioning', 'none', '--broker', 'none', '--json']));
  expect(doc.layer.name).toBe('pub-none');
  const show = json(await s.run(['layer', 'show', 'pub-none', '--json']));
  expect(show.versions[0].platform).toEqual({ purpose: 'publishing', hypervisor: 'hyperv' });
});

test('a new version inherits the platform: no --hypervisor needed', async () => {
  json(await s.run([...base, '--name', 'inherit', '--hypervisor', 'xenserver', '--json']));
  const doc = json(await s.run(['layer', 'version', 'add', 'inherit', '--version', '2', '--yes', '--wait', '--json']));
  expect(doc.version.name).toBe('2');
  const show = json(await s.run(['layer', 'show', 'inherit', '--json']));
  expect(show.versions[1].platform).toMatchObject({ hypervisor: 'xenserver' });
});
