/**
 * Pure rules behind the portal link and sign-in messages: the portal origin of each cloud, which
 * CORS rule admits the portal, --cloud's endpoints with explicit flags winning, and sign-in
 * failures explained (each credential of a chain; the host of a network failure).
 */
import { fromFlags } from '../../src/connectors/azure/settings';
import { portalOrigin, type AzureSettings } from '../../src/connectors/azure/layout';
import { allowsPortal, portalRule } from '../../src/connectors/azure/portalCors';
import { explainSignIn } from '../../src/connectors/azure/signInErrors';

const base = { subscription: '00000000-0000-4000-8000-000000000001', tenant: 'contoso.onmicrosoft.com', storageAccount: 'elmstore', resourceGroup: 'rg', location: 'westeurope' };

test('--cloud sets every endpoint of the cloud; explicit endpoint flags override; unknown clouds are usage errors', async () => {
  expect(await fromFlags({ ...base, cloud: 'AzureChinaCloud' })).toMatchObject({
    cloud: 'AzureChinaCloud',
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    blobEndpoint: 'https://elmstore.blob.core.chinacloudapi.cn',
  });
  expect(await fromFlags({ ...base, cloud: 'azureusgovernment', armEndpoint: 'https://arm.example' })).toMatchObject({ cloud: 'AzureUSGovernment', armEndpoint: 'https://arm.example', authorityHost: 'https://login.microsoftonline.us' });
  expect(await fromFlags(base)).toMatchObject({ cloud: null, armEndpoint: null, authorityHost: null, blobEndpoint: null });
  await expect(fromFlags({ ...base, cloud: 'AzureGermanCloud' })).rejects.toMatchObject({ exitCode: 2 });
});

test('the portal origin follows --cloud, else the ARM endpoint', async () => {
  const s = (await fromFlags(base)) as unknown as AzureSettings;
  expect(portalOrigin(s)).toBe('https://portal.azure.com');
  expect(portalOrigin({ ...s, armEndpoint: 'https://management.usgovcloudapi.net' })).toBe('https://portal.azure.us');
  expect(portalOrigin({ ...s, cloud: 'AzureChinaCloud', armEndpoint: 'https://127.0.0.1:4443' })).toBe('https://portal.azure.cn');
});

test('a CORS rule admits the portal only with its origin (or *) and GET, HEAD and OPTIONS', () => {
  const origin = 'https://portal.azure.com';
  expect(allowsPortal(portalRule(origin), origin)).toBe(true);
  expect(allowsPortal({ ...portalRule('*'), allowedMethods: 'GET, HEAD, OPTIONS, PUT' }, origin)).toBe(true);
  expect(allowsPortal({ ...portalRule(origin), allowedMethods: 'GET' }, origin)).toBe(false);
  expect(allowsPortal(portalRule('https://portal.azure.us'), origin)).toBe(false);
});

test('sign-in failures: each credential of a chain with its reason; a network failure names the host', () => {
  const chain = Object.assign(new Error('ChainedTokenCredential authentication failed.\nmore'), {
    name: 'AggregateAuthenticationError',
    errors: [new Error('EnvironmentCredential is unavailable. Environment variables are not fully configured.'), new Error('AzureCliCredential: Azure CLI could not be found.\nstack')],
  });
  expect(explainSignIn(chain, 'https://login.microsoftonline.com')).toBe(
    'Sign-in failed with every credential of the chain (2): EnvironmentCredential is unavailable. Environment variables are not fully configured. | AzureCliCredential: Azure CLI could not be found.',
  );
  expect(explainSignIn(new Error('endpoints_resolution_error: Endpoints cannot be resolved'), 'https://login.example:8443')).toMatch(/^Sign-in could not reach the authority login\.example:8443 /);
  expect(explainSignIn(new Error('AADSTS7000215: Invalid client secret provided.'), 'https://login.microsoftonline.com')).toBe('Sign-in failed: AADSTS7000215: Invalid client secret provided.');
});
