/**
 * A spawned process (as the elm binary will be) reaches the fakes with nothing but
 * azureTestEnv(): NODE_EXTRA_CA_CERTS for TLS, the AZURE_* variables for DefaultAzureCredential,
 * the ELM_TEST_AZURE_* ones for endpoints and the storage key.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ArmFake, Azurite, azureTestEnv, startArmFake, startAzurite } from '../support/azure';

const run = promisify(execFile);

let azurite: Azurite;
let fake: ArmFake;
let dir: string;
let script: string;

beforeAll(async () => {
  [azurite, fake] = await Promise.all([startAzurite({ https: true }), startArmFake()]);
  fake.addResourceGroup('elm-rg', 'westeurope');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-azure-child-'));
  script = path.join(dir, 'probe.js');
  const modules = path.resolve(__dirname, '../../node_modules');
  fs.writeFileSync(
    script,
    `
const req = (m) => require(require.resolve(m, { paths: [${JSON.stringify(modules)}] }));
const { DefaultAzureCredential } = req('@azure/identity');
const { ResourceManagementClient } = req('@azure/arm-resources');
const { BlobServiceClient, StorageSharedKeyCredential } = req('@azure/storage-blob');
(async () => {
  const e = process.env;
  const credential = new DefaultAzureCredential({ disableInstanceDiscovery: true });
  const arm = new ResourceManagementClient(credential, e.ELM_TEST_AZURE_SUBSCRIPTION_ID, { endpoint: e.ELM_TEST_AZURE_ARM_ENDPOINT });
  const rg = await arm.resourceGroups.get('elm-rg');
  const account = new URL(e.ELM_TEST_AZURE_BLOB_ENDPOINT).pathname.slice(1);
  const blobs = new BlobServiceClient(e.ELM_TEST_AZURE_BLOB_ENDPOINT, new StorageSharedKeyCredential(account, e.ELM_TEST_AZURE_STORAGE_KEY));
  await blobs.getContainerClient('from-child').createIfNotExists();
  console.log(JSON.stringify({ location: rg.location }));
})().catch((err) => { console.error(err.message); process.exit(1); });
`,
  );
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await Promise.all([azurite.stop(), fake.stop()]);
});

it('DefaultAzureCredential, ARM and Azurite work from a child process given azureTestEnv()', async () => {
  const env = { ...process.env, ...azureTestEnv(fake, azurite) };
  const { stdout } = await run(process.execPath, [script], { env });
  expect(JSON.parse(stdout)).toEqual({ location: 'westeurope' });
  expect(fake.countRequests({ kind: 'identity', path: '/oauth2/v2.0/token' })).toBeGreaterThan(0);
});

it('without the CA the child cannot connect (the trust is what makes it work)', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...azureTestEnv(fake, azurite) };
  delete env.NODE_EXTRA_CA_CERTS;
  // MSAL cannot fetch the authority metadata over untrusted TLS; it says endpoints_resolution_error.
  await expect(run(process.execPath, [script], { env })).rejects.toMatchObject({ stderr: expect.stringContaining('endpoints_resolution_error') });
});
