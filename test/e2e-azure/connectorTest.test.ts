/**
 * `connector add azure` and `connector test` beyond the happy path, through the real binary: the
 * endpoints of a named cloud (--cloud) and the portal origin its CORS rule admits; accounts whose
 * portal link cannot work (premium: no CORS; a storage firewall), reported with `elm machine
 * deploy` as the way; and sign-in failures that say why, with the checks that could not run shown
 * as not checked (`?`).
 */
import * as net from 'node:net';
import { azuriteBlobService } from '../support/azure';
import { browserPreflight, Cloud, connectorFlags, Doc, Env, expectCode, LOCATION, RG, scratch, startCloud } from './helpers';

let cloud: Cloud;
let e: Env;

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-azure-ctest-');
  cloud.fake.addStorageAccount('elmpremium', { resourceGroup: RG, location: LOCATION, kind: 'BlockBlobStorage', skuName: 'Premium_LRS' });
  cloud.fake.addStorageAccount('elmwalled', { resourceGroup: RG, location: LOCATION, networkDefaultAction: 'Deny' });
});

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const secretAuth = () => ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET'];
const check = (t: Doc, name: string): Doc => t.checks.find((c: Doc) => c.name === name);
const corsRules = async () => (await azuriteBlobService(cloud.azurite).getProperties()).cors ?? [];

/** Flags for a connector with one flag's value replaced. */
function flagsWith(name: string, replace: Record<string, string>, extra: string[] = []): string[] {
  const flags = connectorFlags(cloud, name, extra);
  for (const [flag, value] of Object.entries(replace)) flags[flags.indexOf(flag) + 1] = value;
  return flags;
}

test('--cloud sets ARM, sign-in, blob and portal endpoints together; explicit endpoints still win; the CORS rule is for that cloud\'s portal', async () => {
  const s = cloud.env;
  const gov = await e.json(['connector', 'add', 'azure', '--name', 'gov', '--subscription', s.ELM_TEST_AZURE_SUBSCRIPTION_ID, '--tenant', s.ELM_TEST_AZURE_TENANT_ID,
    '--storage-account', 'elmstore', '--resource-group', RG, '--location', LOCATION, '--cloud', 'AzureUSGovernment']);
  expect(gov).toMatchObject({
    cloud: 'AzureUSGovernment',
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    blobEndpoint: 'https://elmstore.blob.core.usgovcloudapi.net',
  });

  // The explicit endpoints (here: the fakes) override; the portal stays the named cloud's.
  const cn = await e.json([...connectorFlags(cloud, 'cn', secretAuth()), '--cloud', 'azurechinacloud']);
  expect(cn).toMatchObject({ cloud: 'AzureChinaCloud', armEndpoint: cloud.fake.url, blobEndpoint: cloud.azurite.blobEndpoint });
  const before = await e.json(['connector', 'test', 'cn'], 1);
  expect(check(before, 'portal link (Blob CORS)').detail).toMatch(/no Blob service CORS rule admits https:\/\/portal\.azure\.cn/);
  const fixed = await e.json(['connector', 'test', 'cn', '--fix']);
  expect(fixed.ok).toBe(true);
  expect((await corsRules()).map((r) => r.allowedOrigins)).toEqual(['https://portal.azure.cn']);
  const blob = `${cloud.azurite.blobEndpoint}/elm/any.json`;
  expect((await browserPreflight(blob, cloud.fake.caPem, 'https://portal.azure.cn')).headers['access-control-allow-origin']).toBe('https://portal.azure.cn');
  expect((await browserPreflight(blob, cloud.fake.caPem, 'https://portal.azure.com')).status).toBe(403);

  const bad = await e.run([...connectorFlags(cloud, 'mars'), '--cloud', 'AzureMars']);
  expectCode(bad, 2);
  expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  expect(bad.stderr).toMatch(/--cloud "AzureMars".*AzureCloud, AzureUSGovernment, AzureChinaCloud/);
  expect((await e.json(['connector', 'list'])).map((c: Doc) => c.name)).not.toContain('mars');
}, 180_000);

test('a premium account (no CORS) and a storage firewall: the portal link is reported as not possible, with machine deploy as the way; nothing is changed', async () => {
  const rules = await corsRules();
  await e.json(flagsWith('prem', { '--storage-account': 'elmpremium' }, secretAuth()));
  const prem = await e.json(['connector', 'test', 'prem', '--fix']);
  expect(prem.ok).toBe(true); // the connector works; only the portal link cannot
  expect(check(prem, 'portal link (Blob CORS)')).toMatchObject({ ok: null, detail: expect.stringMatching(/premium account \(BlockBlobStorage, Premium_LRS\), which has no CORS.*elm machine deploy/) });
  const text = await e.run(['connector', 'test', 'prem']);
  expectCode(text, 0);
  expect(text.stdout).toMatch(/^\? portal link \(Blob CORS\): not possible/m);

  await e.json(flagsWith('walled', { '--storage-account': 'elmwalled' }, secretAuth()));
  const walled = await e.json(['connector', 'test', 'walled'], 1); // its CORS rule is missing (the account is another one)
  expect(check(walled, 'portal link (storage firewall)')).toMatchObject({ ok: null, detail: expect.stringMatching(/selected networks \(storage firewall\).*elm machine deploy/) });
  expect(await corsRules()).toEqual(rules);
}, 180_000);

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('sign-in failures say why: each credential of the chain, the host that could not be reached; the checks that could not run are not checked (?)', async () => {
  // DefaultAzureCredential with nothing to sign in with: every credential's reason is listed.
  await e.json(connectorFlags(cloud, 'nobody'));
  const none = { AZURE_CLIENT_ID: '', AZURE_CLIENT_SECRET: '', AZURE_TENANT_ID: '', AZURE_USERNAME: '', AZURE_FEDERATED_TOKEN_FILE: '', IDENTITY_ENDPOINT: '', MSI_ENDPOINT: '', IMDS_ENDPOINT: '' };
  const r = await e.run(['connector', 'test', 'nobody'], { env: none });
  expectCode(r, 1);
  expect(r.stdout).toMatch(/^✗ credential: Sign-in failed with every credential of the chain \(\d+\): .*EnvironmentCredential.*\|.*ManagedIdentityCredential/m);
  for (const name of ['resource group', 'storage account', 'container', 'read-only links', 'portal link (Blob CORS)']) {
    expect(r.stdout).toMatch(new RegExp(`^\\? ${name.replace(/[()]/g, '\\$&')}: not checked: no sign-in`, 'm'));
  }

  // An authority nobody answers at: the host is named.
  const port = await closedPort();
  await e.json(flagsWith('nohost', { '--authority-host': `https://127.0.0.1:${port}` }, secretAuth()));
  const j = await e.run(['connector', 'test', 'nohost', '--json']);
  expectCode(j, 1);
  const t = JSON.parse(j.stdout);
  expect(check(t, 'credential')).toMatchObject({ ok: false, detail: expect.stringContaining(`could not reach the authority 127.0.0.1:${port}`) });
  expect(t.checks.filter((c: Doc) => c.name !== 'credential').every((c: Doc) => c.ok === null)).toBe(true);
  expect(t.checks.length).toBeGreaterThanOrEqual(6);
}, 240_000);
