/**
 * The Azure connector's pure rules: Windows VM names, the parameter check's one message, the
 * report found in Run Command's truncated stdout, blob layout, secret redaction, and account-key
 * auth against an account that disallows Shared Key authorization.
 */
import { redactSecrets } from '../../src/connectors/azure/errors';
import { blobPathOf, blobUrl, deploymentName, packagingBlobName, storageAccountNameOf, type AzureSettings } from '../../src/connectors/azure/layout';
import { defaultVmName, machineParams, windowsVmNameRule } from '../../src/connectors/azure/machineParams';
import { allowSharedKeyAccessOf, sharedKeyRefusal } from '../../src/connectors/azure/preflight/sharedKey';
import { extractReport, looksTruncated, NGEN_WAIT_MINUTES, wrapProbe } from '../../src/connectors/azure/runCommand';
import type { DeployLinkRequest } from '../../src/connectors/connector';

const settings: AzureSettings = {
  subscription: '00000000-0000-4000-8000-000000000001',
  tenant: 'contoso.onmicrosoft.com',
  storageAccount: 'elmstore',
  resourceGroup: 'rg',
  location: 'westeurope',
  container: 'elm',
  clientId: null,
  clientSecretEnv: null,
  accountKeyEnv: null,
  armEndpoint: null,
  authorityHost: null,
  blobEndpoint: null,
};

test('Windows VM names: 1-15 characters, no forbidden characters, not only digits, no trailing hyphen', () => {
  expect(windowsVmNameRule('PKG-01')).toBe(true);
  expect(windowsVmNameRule('a')).toBe(true);
  expect(windowsVmNameRule('')).toMatch(/1 to 15/);
  expect(windowsVmNameRule('abcdefghijklmnop')).toMatch(/1 to 15/);
  expect(windowsVmNameRule('123456')).toMatch(/only digits/);
  expect(windowsVmNameRule('pkg-')).toMatch(/hyphen/);
  for (const c of ' ~!@#$%^&*()=+_[]{}\\|;:.\'",<>/?') expect(windowsVmNameRule(`a${c}b`)).toMatch(/must not contain/);
  expect(windowsVmNameRule('pkg 01')).toMatch(/spaces/);
  expect(windowsVmNameRule('pkgé')).toMatch(/must not contain/);
});

test('the default machine name comes from the layer name, passes the rules and differs per version', () => {
  for (const name of ['Azure Platform (RDSH) 2026', '___', '12345678901234567890', 'x', '1234-5678-9012']) {
    const vm = defaultVmName({ id: '1', name, version: '1' });
    expect(windowsVmNameRule(vm)).toBe(true);
  }
  // One name for every version put version 2's deployment on version 1's machine.
  const v1 = defaultVmName({ id: '7', name: 'azplat', version: '1' });
  expect(v1).toMatch(/^azplat-[0-9a-f]{6}$/);
  expect(defaultVmName({ id: '7', name: 'azplat', version: '2' })).not.toBe(v1);
  expect(defaultVmName({ id: '8', name: 'azplat', version: '1' })).not.toBe(v1);
  expect(defaultVmName({ id: '7', name: 'azplat', version: '1' })).toBe(v1); // stable: deploy-link and deploy agree
});

test('missing parameters are named together in one usage error', () => {
  const req = { layer: { id: '1', name: 'azplat', version: '1' }, taskId: '2', disk: { location: '', format: 'vhd', sizeBytes: 0, description: '' } } as DeployLinkRequest;
  expect(() => machineParams(req)).toThrow(/missing --size .*--vnet .*--subnet/);
  expect(() => machineParams({ ...req, machineName: 'bad.name', size: 'Standard_B2s', vnet: 'v', subnet: 's' })).toThrow(/--machine-name "bad.name"/);
  expect(machineParams({ ...req, size: 'Standard_B2s', vnet: 'net-rg/v', subnet: 's' })).toMatchObject({ virtualNetwork: 'v', virtualNetworkResourceGroup: 'net-rg', vmName: defaultVmName(req.layer) });
});

test('the report is the last JSON line of stdout, also when Run Command cut the start off', () => {
  const report = JSON.stringify({ schema: 1, machine: 'M', at: '2026-01-01T00:00:00Z', blockers: [] });
  expect(extractReport(`banner\n${report}\n`)).toBe(report);
  expect(extractReport(`{"cut": tru\n${report}`)).toBe(report);
  expect(extractReport('{"cut": true}\nno report')).toBeNull();
  // Run Command keeps the last 4,096 bytes: the tail of a long report is not a report, and says so.
  const long = JSON.stringify({ schema: 1, blockers: [], details: { padding: 'x'.repeat(5000) } });
  const tail = Buffer.from(long).subarray(-4096).toString();
  expect(extractReport(tail)).toBeNull();
  expect(looksTruncated(tail)).toBe(true);
  expect(looksTruncated('Write-Error: something went wrong')).toBe(false);
  // No -Shutdown through Run Command (it would stop the agent under the command); NGen gets a budget.
  const wrapped = wrapProbe('param([switch]$ExpediteNGen, [int]$NGenWaitMinutes = 80)\nWrite-Output 1');
  expect(wrapped.split('\n')[0]).toBe("param([string]$ExpediteNGen = 'False', [string]$NGenWaitMinutes = '')");
  expect(wrapped).not.toMatch(/Shutdown/);
  expect(wrapped).toMatch(/& \$elmProbe @elmArgs$/);
  expect(NGEN_WAIT_MINUTES).toBeLessThan(90);
});

test('blob layout: URLs without SAS, path-style endpoints, account names', () => {
  const name = packagingBlobName({ layer: { id: '7', version: '1.0 beta' }, diskName: 'azplat' });
  expect(name).toBe('packaging/7/1.0_beta/azplat.vhd');
  expect(blobUrl(settings, name)).toBe('https://elmstore.blob.core.windows.net/elm/packaging/7/1.0_beta/azplat.vhd');
  expect(blobPathOf(settings, 'https://elmstore.blob.core.windows.net/elm/a/b.vhd?sv=x')).toEqual({ container: 'elm', blobName: 'a/b.vhd' });
  expect(blobPathOf(settings, 'https://other.blob.core.windows.net/elm/a.vhd')).toBeNull();
  expect(storageAccountNameOf(settings)).toBe('elmstore');
  expect(storageAccountNameOf({ ...settings, blobEndpoint: 'https://127.0.0.1:10000/devstoreaccount1' })).toBe('devstoreaccount1');
  expect(deploymentName({ id: '7', version: '1.0 beta' }, 'pkg-01')).toBe('elm-7-1.0-beta-pkg-01');
});

test('SAS signatures, bearer tokens and account keys are redacted from messages', () => {
  expect(redactSecrets('GET https://a/b?sv=1&sp=rw&sig=abc%2Fdef failed')).toBe('GET https://a/b?sv=1&sp=rw&sig=REDACTED failed');
  expect(redactSecrets('Authorization: Bearer eyJabc.def')).toBe('Authorization: Bearer REDACTED');
  expect(redactSecrets('AccountName=x;AccountKey=abc==;')).toBe('AccountName=x;AccountKey=REDACTED;');
});

test('account-key auth is refused, in one line with both fixes, only when the account says allowSharedKeyAccess false', () => {
  // A missing property is true (the Storage RP's default); no properties at all is unknown.
  expect(allowSharedKeyAccessOf({ allowSharedKeyAccess: false })).toBe(false);
  expect(allowSharedKeyAccessOf({ allowSharedKeyAccess: true })).toBe(true);
  expect(allowSharedKeyAccessOf({})).toBe(true);
  expect(allowSharedKeyAccessOf(undefined)).toBeNull();

  const keyed = { ...settings, accountKeyEnv: 'ELM_KEY' };
  const refused = sharedKeyRefusal(keyed, 'key', false);
  expect(refused).toMatch(/^Storage account "elmstore" disallows Shared Key authorization \(allowSharedKeyAccess false\): the account key in \$ELM_KEY/);
  expect(refused).toMatch(/without --account-key-env.*or allow storage account key access on elmstore\.$/);
  expect(refused).not.toContain('\n');
  expect(sharedKeyRefusal(keyed, 'key', true)).toBeNull();
  expect(sharedKeyRefusal(keyed, 'key', null)).toBeNull(); // not known: Azure answers for itself
  expect(sharedKeyRefusal(settings, 'entra', false)).toBeNull(); // Entra auth and user-delegation SAS are permitted
});
