/**
 * Every ARM api-version elm chooses is under 700 days old, so this test fails weeks before one of
 * them turns two years old (Azure retires api-versions, and ARM template guidance flags versions
 * older than two years: arm-ttk "apiVersions Should Be Recent"). The versions are the template's
 * resources and every `…_API` / `…_API_VERSION` constant in the Azure connector's source, read
 * from the text so that a new constant is covered without editing this test. The SDK clients'
 * own versions are the SDK's (an upgrade of @azure/arm-compute moves them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { machineOptions } from '../../src/connectors/azure/machineOptions';
import { packagingMachineTemplate } from '../../src/connectors/azure/template';

const MAX_AGE_DAYS = 700;
const SRC = path.join(__dirname, '..', '..', 'src', 'connectors', 'azure');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

/** name → version of each `export const X_API[_VERSION] = 'YYYY-MM-DD[-preview]'`. */
function versionConstants(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of sourceFiles(SRC)) {
    for (const m of readFileSync(file, 'utf8').matchAll(/const (\w*_API(?:_VERSION)?) = '(\d{4}-\d{2}-\d{2}[\w-]*)'/g)) out[`${path.basename(file)} ${m[1]}`] = m[2];
  }
  return out;
}

function templateVersions(): Record<string, string> {
  const req = {
    layer: { id: '7', name: 'l', version: '1' },
    taskId: '1',
    disk: { location: 'https://a.blob.core.windows.net/elm/x.vhd', format: 'vhd' as const, sizeBytes: 0, description: '' },
    generation: 'V2' as const,
    securityType: 'TrustedLaunch' as const,
    publicIp: true,
    rdpFrom: '203.0.113.0/24',
  };
  const { options } = machineOptions(req);
  const t = packagingMachineTemplate({
    params: { vmName: 'pkg', vmSize: 'Standard_D2s_v3', virtualNetwork: 'v', virtualNetworkResourceGroup: null, subnet: 's', options },
    sourceVhdUri: req.disk.location,
    storageAccountId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a',
    tags: {},
  }) as { resources: Array<{ type: string; apiVersion: string }> };
  return Object.fromEntries(t.resources.map((r) => [`template ${r.type}`, r.apiVersion]));
}

/**
 * Versions that are the newest stable one their provider has, so there is nothing to move to:
 * Template Specs' newest is 2022-02-01 (API version change log for Microsoft.Resources/templateSpecs,
 * learn.microsoft.com/azure/templates/microsoft.resources/change-log/templatespecs). Exempt only
 * at that exact value: a change of the constant is checked again.
 */
const NEWEST_THERE_IS: Record<string, string> = { 'operatorTemplate.ts TEMPLATE_SPEC_API': '2022-02-01' };

const ageDays = (version: string, now: Date) => Math.floor((now.getTime() - Date.parse(`${version.slice(0, 10)}T00:00:00Z`)) / 86_400_000);

test(`every api-version elm uses is under ${MAX_AGE_DAYS} days old`, () => {
  const all = { ...versionConstants(), ...templateVersions() };
  expect(Object.keys(all).length).toBeGreaterThanOrEqual(6); // the scan found the constants (COMPUTE, DISK, NETWORK, STORAGE) and the template
  const now = new Date();
  const old = Object.entries(all)
    .filter(([where, v]) => ageDays(v, now) >= MAX_AGE_DAYS && NEWEST_THERE_IS[where] !== v)
    .map(([where, v]) => `${where} ${v} is ${ageDays(v, now)} days old: move to a current stable api-version (and re-extract fixtures/arm-schemas)`);
  expect(old).toEqual([]);
});

test('the age rule itself: 2025-01-02 is past 700 days on 2026-12-03, not the day before', () => {
  expect(ageDays('2025-01-02', new Date('2026-12-03T00:00:00Z'))).toBe(700);
  expect(ageDays('2025-01-02', new Date('2026-12-02T23:59:59Z'))).toBe(699);
});
