/**
 * connector add validates what it stores (Azure regions, GUIDs, https endpoints; vSphere and PVS
 * server addresses; PVS server versions and write cache types) and icon import its names: bad
 * values are one line, exit 2, state unchanged; good ones are stored as given (or canonical).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { expectOk, expectRefused, json, readState, scratch, tinyPng, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

const GUID = '11111111-2222-3333-4444-555555555555';

let s: Scratch;
beforeAll(async () => {
  s = await scratch();
  // A state file to keep byte for byte.
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', 'share', '--path', s.share]));
});
afterAll(() => s.cleanup());

const azure = (extra: string[], location = 'westeurope') => [
  'connector', 'add', 'azure', '--name', 'az', '--subscription', GUID, '--tenant', GUID, '--storage-account', 'elmdisks', '--resource-group', 'rg', '--location', location, ...extra,
];
const vsphere = (server: string) => [
  'connector', 'add', 'vsphere', '--name', 'vs', '--server', server, '--user', 'u', '--datacenter', 'dc', '--datastore', 'ds', '--host', 'h', '--network', 'n', '--folder', 'f',
];
const pvs = (extra: string[]) => ['connector', 'add', 'pvs', '--name', 'pv', '--console', 'pvs01.corp.example', '--user', 'CORP\\svc', '--site', 'S', '--store', 'St', ...extra];

describe('azure', () => {
  test.each([['west-europe'], ['westeurope/x'], ['西欧'], ['we']])('--location %s refused', (loc) =>
    expectRefused(s, azure([], loc), /--location .* is not an Azure region name such as westeurope/));
  test('--client-id that is not a GUID', () => expectRefused(s, azure(['--client-id', 'my-app']), /--client-id "my-app" is not an application \(client\) id: a GUID/));
  test('--subscription that is not a GUID', () =>
    expectRefused(s, ['connector', 'add', 'azure', '--name', 'az', '--subscription', 'prod', '--tenant', GUID, '--storage-account', 'a1b', '--resource-group', 'rg', '--location', 'westeurope'], /--subscription "prod" is not a subscription id/));
  test.each([
    ['--arm-endpoint', 'http://management.azure.com', /must be an https:\/\/ URL/],
    ['--blob-endpoint', 'http://elmdisks.blob.core.windows.net', /--blob-endpoint must be an https:\/\/ URL/],
    ['--authority-host', 'http://login.microsoftonline.com', /--authority-host must be an https:\/\/ URL/],
    ['--arm-endpoint', 'https://management.azure.com/?api-version=1', /without a query/],
    ['--authority-host', 'https://user:pw@login.microsoftonline.com', /without a query, fragment or credentials/],
    ['--blob-endpoint', 'https://elmdisks.blob.core.windows.net/?sv=2022&sig=secret', /--blob-endpoint .* without a query/],
    ['--blob-endpoint', 'elmdisks.blob.core.windows.net', /--blob-endpoint .* is not a URL/],
  ])('%s %s refused', (flag, value, re) => expectRefused(s, azure([flag, value]), re));
  test.each(['', ' '])('--cloud %j (given but blank) is refused, not read as the public cloud', (cloud) =>
    expectRefused(s, azure(['--cloud', cloud]), /--cloud "" is not an Azure cloud elm knows: use AzureCloud, AzureUSGovernment, AzureChinaCloud/));
  test('good values are stored; "West Europe" as the region name westeurope', async () => {
    const doc = json(await s.run([...azure(['--client-id', GUID, '--blob-endpoint', 'https://elmdisks.blob.core.windows.net/'], 'West Europe'), '--json']));
    expect(doc).toMatchObject({ name: 'az' });
    const stored = (await readState(s.home)).connectors.find((c: { name: string }) => c.name === 'az').settings;
    expect(stored).toMatchObject({ location: 'westeurope', clientId: GUID, blobEndpoint: 'https://elmdisks.blob.core.windows.net' });
  });
});

describe('vsphere --server', () => {
  test.each([
    ['vc.corp.example/sdk', /without a path or query/],
    ['vc.corp.example?x=1', /without a path or query/],
    ['https://vc.corp.example/#frag', /without a path or query/],
    ['http://vc.corp.example', /only https:\/\/ is used/],
    ['admin:pw@vc.corp.example', /must not hold a user or password/],
    ['vc_corp!', /is not a (host name|server address)/],
  ])('%s refused', (server, re) => expectRefused(s, vsphere(server), re));
  test('a host name with a port is stored', async () => {
    expectOk(await s.run(vsphere('vc.corp.example:8443')));
    expect((await readState(s.home)).connectors.find((c: { name: string }) => c.name === 'vs').settings.server).toBe('vc.corp.example:8443');
  });
});

describe('pvs', () => {
  test('the same server twice (two versions) refused', () =>
    expectRefused(s, pvs(['--server', 'pvs01=2203.0.0,agent', '--server', 'PVS01=1912.0.0']), /--server PVS01 is given twice \(2203\.0\.0 and 1912\.0\.0\); give each PVS server once/));
  test.each([
    ['pvs01=latest', /"latest" is not a version number/],
    ['pvs01=1..2', /"1\.\.2" is not a version number/],
    ['pvs01=', /"" is not a version number/],
    ['pvs/01=2203', /is not a host name|without a path/],
  ])('--server %s refused', (server, re) => expectRefused(s, pvs(['--server', server]), re));
  test('--console with a path refused', () =>
    expectRefused(s, ['connector', 'add', 'pvs', '--name', 'pv', '--console', 'pvs01/console', '--user', 'u', '--site', 'S', '--store', 'St'], /--console .* without a path/));
  test('an unknown --write-cache refused, naming the types', () =>
    expectRefused(s, pvs(['--write-cache', 'ramdisk']), /--write-cache "ramdisk" is not a PVS write cache type; use one of private, cacheOnServer/));
  test('good entries stored; the write cache type in its canonical spelling', async () => {
    expectOk(await s.run(pvs(['--server', 'pvs01=2203.0.0,agent,console', '--server', '10.0.0.5:8080=2203', '--write-cache', 'CACHEINDEVICERAM'])));
    const stored = (await readState(s.home)).connectors.find((c: { name: string }) => c.name === 'pv').settings;
    expect(stored.writeCache).toBe('cacheInDeviceRam');
    expect(stored.servers.map((x: { host: string; version: string }) => `${x.host}=${x.version}`)).toEqual(['pvs01=2203.0.0', '10.0.0.5:8080=2203']);
  });
});

describe('icon names', () => {
  let png: string;
  beforeAll(async () => {
    png = path.join(s.dir, 'logo.png');
    await fs.writeFile(png, tinyPng());
  });
  test('empty or spaces refused', async () => {
    await expectRefused(s, ['icon', 'import', png, '--name', ''], /an icon name must not be empty/);
    await expectRefused(s, ['icon', 'import', png, '--name', '   '], /an icon name must not be empty/);
  });
  test('control characters refused', () => expectRefused(s, ['icon', 'import', png, '--name', 'a\u0007b'], /an icon name must be printable/));
  test('a name taken (imported or built in) refused', async () => {
    expectOk(await s.run(['icon', 'import', png]));
    await expectRefused(s, ['icon', 'import', png], /An icon named "logo" already exists \(icon-\d+\); pick another --name/);
    await expectRefused(s, ['icon', 'import', png, '--name', 'logo'], /An icon named "logo" already exists/);
    await expectRefused(s, ['icon', 'import', png, '--name', 'windows'], /An icon named "windows" already exists \(windows\)/);
    expectOk(await s.run(['icon', 'import', png, '--name', 'logo 2']));
  });
});
