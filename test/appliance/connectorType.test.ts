/** The appliance names a connector configuration's platform in words (PlatformName); elm reads its own type from them. */
import { connectorTypeOf } from '../../src/appliance/operations';

test.each([
  ['Microsoft Azure', 'azure'],
  ['Azure', 'azure'],
  ['VMware vSphere', 'vsphere'],
  ['Citrix Provisioning', 'pvs'],
  ['PVS', 'pvs'],
  ['Network File Share', 'fileshare'],
  ['Fileshare', 'fileshare'],
])('%s is elm\'s %s connector', (name, type) => {
  expect(connectorTypeOf(name)).toBe(type);
});

test('a platform elm has no connector for keeps the appliance\'s words (shown as it says them)', () => {
  expect(connectorTypeOf('Nutanix AHV')).toBe('Nutanix AHV');
  expect(connectorTypeOf('Google Cloud')).toBe('Google Cloud');
});
