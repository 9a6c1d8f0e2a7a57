/**
 * The packaging machine flags only Azure reads (--security-type, --license-type, --public-ip,
 * --rdp-from), given to another connector, through the real binary: exit 2 naming them, instead
 * of a deploy link that silently ignores them (an operator asking for Trusted Launch or a locked
 * down RDP range would believe they got it).
 */
import { baseSetup, createLayer, expectOk, expectRefused, MiB, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(16 * MiB, 'elm-azonly-');
  await baseSetup(s);
  await createLayer(s, 'Vda');
});
afterAll(() => s.cleanup());

test.each([
  [['--security-type', 'TrustedLaunch'], '--security-type'],
  [['--license-type', 'Windows_Client'], '--license-type'],
  [['--public-ip', '--rdp-from', '203.0.113.0/24'], '--public-ip, --rdp-from'],
])('machine deploy-link and deploy %j on the file share', async (extra, named) => {
  for (const command of ['deploy-link', 'deploy']) {
    const r = await expectRefused(s, ['machine', command, 'Vda', ...extra], `${named} apply to Azure connectors only, and this version's connector "share" is fileshare; leave`);
    expect(r.stdout).toBe('');
  }
});

test('without them the deploy link is given', async () => {
  expectOk(await s.run(['machine', 'deploy-link', 'Vda']));
});
