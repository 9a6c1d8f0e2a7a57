/**
 * `layer publish --to AZURE` through the real binary (ARM fake + Azurite): a layer built to
 * Deployable becomes an Azure Compute Gallery image version of its VHD; the gallery and image
 * definition are made (Windows, Specialized, the OS layer's generation, tagged), `layer show` lists
 * the image; bad flags are refused before anything is made (exit 2), a bad request is refused by the
 * fake (through the SDK elm uses); a worker killed mid-publish resumes without a second image version; a cancelled publish
 * deletes only what it made.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeFixedVhd, type RunCommandHandler } from '../support/azure';
import { stateBytes } from '../support/cli';
import { waitFor } from '../support/e2e';
import { fakeArmClients } from '../support/azure/sdkClients';
import { Cloud, connectorFlags, Doc, Env, expectCode, LOCATION, MiB, report, RG, scratch, startCloud, SUBNET, VNET } from './helpers';

jest.setTimeout(240_000);

let cloud: Cloud;
let e: Env;
const handler: RunCommandHandler = async (script) => (script.includes('ShutdownForFinalize') ? { stdout: `${report([])}\n` } : { stdout: 'installed\nELM-EXIT-CODE: 0\n', exitCode: 0 });
const versions = () => cloud.fake.inventory().filter((r) => r.type === 'Microsoft.Compute/galleries/images/versions');
const ofType = (t: string) => cloud.fake.inventory().filter((r) => r.type === t);

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-gallery-');
  cloud.fake.onRunCommand('*', handler);
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
  for (const [name, vm] of [['azpub', 'pkg-p1'], ['azkill', 'pkg-p2']]) {
    const file = path.join(e.dir, `${name}.yaml`);
    await fs.writeFile(
      file,
      ['layer:', `  name: ${name}`, '  version: "1.2"', '  osLayer: win', '  connector: az', '  purpose: packaging', '  hypervisor: azure', '  diskFormat: vhd',
        'machine:', `  name: ${vm}`, '  size: Standard_D2s_v3', `  vnet: ${VNET}`, `  subnet: ${SUBNET}`, 'steps:', '  - name: app', '    inline: "exit 0"'].join('\n'),
    );
    const r = await e.run(['layer', 'build', '-f', file, '--wait', '--json']);
    expectCode(r, 0);
  }
}, 200_000);

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

test('bad flags are refused before anything is made: exit 2, one line, state untouched', async () => {
  const before = await stateBytes(e.home);
  for (const [args, why] of [
    [['--gallery', 'elm_gallery'], /--image-definition/],
    [['--gallery', 'elm-gallery', '--image-definition', 'plat'], /no hyphens/],
    [['--gallery', 'elm_gallery', '--image-definition', 'plat', '--image-version', '1.2'], /three integers/],
    [['--gallery', 'elm_gallery', '--image-definition', 'plat', '--image-version', '1.x.0'], /three integers/],
    [['--gallery', 'elm_gallery', '--image-definition', 'plat', '--storage-account-type', 'Premium_ZRS'], /Standard_LRS, Standard_ZRS, Premium_LRS/],
    [['--gallery', 'elm_gallery', '--image-definition', 'plat', '--format', 'vhd'], /--format does not apply/],
  ] as const) {
    const r = await e.run(['layer', 'publish', 'azpub', '--to', 'az', ...args, '--wait']);
    expectCode(r, 2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(why);
  }
  expect((await stateBytes(e.home))?.equals(before!)).toBe(true);
  expect(ofType('Microsoft.Compute/galleries')).toEqual([]);
});

test('publish --wait: gallery, Specialized definition and image version from the layer VHD, tagged; layer show lists it', async () => {
  const doc = await e.json(['layer', 'publish', 'azpub', '--to', 'az', '--gallery', 'elm_gallery', '--image-definition', 'plat', '--wait', '--comment', 'for the catalog']);
  expect(doc.task).toMatchObject({ kind: 'Publish', state: 'Complete' });
  const [v] = versions();
  expect(versions()).toHaveLength(1);
  expect(doc.image).toEqual({ kind: 'azureGalleryImageVersion', id: v.id, location: 'elm_gallery/plat/1.2.0' });
  expect(v.id).toMatch(new RegExp(`/resourceGroups/${RG}/providers/Microsoft.Compute/galleries/elm_gallery/images/plat/versions/1.2.0$`));
  expect(v.location).toBe(LOCATION);
  expect(v.tags).toMatchObject({ 'elm-layer': 'azpub', 'elm-version': '1.2', 'elm-task': doc.task.id });
  const show = await e.json(['layer', 'show', 'azpub']);
  const artifact = show.versions[0].artifact.location as string;
  expect(v.properties).toMatchObject({ provisioningState: 'Succeeded', storageProfile: { osDiskImage: { source: { uri: artifact } } } });
  const [def] = ofType('Microsoft.Compute/galleries/images');
  expect(def.properties).toMatchObject({ osType: 'Windows', osState: 'Specialized', hyperVGeneration: 'V1' });
  expect(def.tags['elm-task']).toBe(doc.task.id);
  expect(show.versions[0].images).toEqual([expect.objectContaining({ kind: 'azureGalleryImageVersion', id: v.id, location: 'elm_gallery/plat/1.2.0', connector: 'az' })]);
  expect(show.audit.find((a: Doc) => a.action === 'Publish').comment).toMatch(/for the catalog/);
  const text = await e.run(['layer', 'show', 'azpub']);
  expect(text.stdout).toContain(v.id);

  // The same version number again: Azure would update it in place; elm refuses first (exit 2, nothing recorded).
  const before = await stateBytes(e.home);
  const again = await e.run(['layer', 'publish', 'azpub', '--to', 'az', '--gallery', 'elm_gallery', '--image-definition', 'plat', '--wait']);
  expectCode(again, 2);
  expect(again.stderr).toMatch(/plat already has version 1\.2\.0 \(published from "azpub" 1\.2\); publish with another --image-version/);
  expect((await stateBytes(e.home))?.equals(before!)).toBe(true);
  expect(versions()).toHaveLength(1);
});

test('the fake refuses what Azure refuses: a VHD source without its storage account id, a Generalized change of a Specialized definition, Trusted Launch on V1, a version name not X.Y.Z', async () => {
  const { compute } = fakeArmClients(cloud.fake);
  const accountId = cloud.fake.inventory().find((r) => r.type === 'Microsoft.Storage/storageAccounts')!.id;
  const uri = (await e.json(['layer', 'show', 'azpub'])).versions[0].artifact.location as string;
  const source = (s: Record<string, string>) => ({ location: LOCATION, storageProfile: { osDiskImage: { source: s } } });
  await expect(compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, 'elm_gallery', 'plat', '9.0.0', source({ uri }))).rejects.toThrow(/storageAccountId/);
  await expect(compute.galleryImageVersions.beginCreateOrUpdateAndWait(RG, 'elm_gallery', 'plat', '9.0', source({ uri, storageAccountId: accountId }))).rejects.toThrow(/Major\.Minor\.Patch/);
  const def = { location: LOCATION, osType: 'Windows', identifier: { publisher: 'p', offer: 'o', sku: 's' } } as const;
  await expect(compute.galleryImages.beginCreateOrUpdateAndWait(RG, 'elm_gallery', 'plat', { ...def, osState: 'Generalized' })).rejects.toThrow(/osState/);
  await expect(
    compute.galleryImages.beginCreateOrUpdateAndWait(RG, 'elm_gallery', 'tl', { ...def, osState: 'Specialized', hyperVGeneration: 'V1', features: [{ name: 'SecurityType', value: 'TrustedLaunch' }] }),
  ).rejects.toThrow(/TrustedLaunch needs hyperVGeneration V2/);
  expect(versions()).toHaveLength(1);
});

test('a worker killed mid-publish: task resume finishes it without a second image version; cancel of another deletes only what it made', async () => {
  // The first PUT of that version stays running until the worker is gone (never answers Succeeded).
  cloud.fake.failOperation({ method: 'PUT', path: /versions\/3\.0\.0$/, heldUntil: () => false });
  const started = await e.json(['layer', 'publish', 'azkill', '--to', 'az', '--gallery', 'elm_gallery', '--image-definition', 'kill', '--image-version', '3.0.0']);
  const id = started.task.id as string;
  const stateOf = async () => JSON.parse(await fs.readFile(path.join(e.home, 'state.json'), 'utf8'));
  const pid = await waitFor('the image version PUT', async () => {
    const t = (await stateOf()).tasks.find((x: Doc) => x.id === id);
    return versions().some((v) => v.name.endsWith('/3.0.0')) && t.worker?.pid;
  });
  process.kill(pid, 'SIGKILL');
  await waitFor('the worker gone', async () => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  });
  const resumed = await e.run(['task', 'resume', id, '--json']);
  expectCode(resumed, 0);
  expect(JSON.parse(resumed.stdout).state).toBe('Complete');
  expect(versions().filter((v) => v.name.includes('/kill/'))).toHaveLength(1);
  const show = await e.json(['layer', 'show', 'azkill']);
  expect(show.versions[0].images).toHaveLength(1);

  // Cancel a publish into a new gallery: its gallery, definition and version go; elm_gallery stays.
  cloud.fake.failOperation({ method: 'PUT', path: /versions\/4\.0\.0$/, heldUntil: () => false });
  const other = await e.json(['layer', 'publish', 'azkill', '--to', 'az', '--gallery', 'gone', '--image-definition', 'gone', '--image-version', '4.0.0']);
  await waitFor('the image version PUT', async () => versions().some((v) => v.name.endsWith('/4.0.0')));
  const c = await e.run(['task', 'cancel', other.task.id, '--json']);
  expectCode(c, 0);
  await waitFor('the publish canceled', async () => (await stateOf()).tasks.find((x: Doc) => x.id === other.task.id).state === 'Canceled', 60_000);
  expect(ofType('Microsoft.Compute/galleries').map((g) => g.name)).toEqual(['elm_gallery']);
  expect(versions()).toHaveLength(2);
});

test('a generation 2 layer deployed with Trusted Launch: a V2 definition with the TrustedLaunch feature; a V1 definition is refused for it', async () => {
  // A GPT disk (protective MBR, 0xEE): the OS layer boots as generation V2.
  const gpt = path.join(e.dir, 'w11.vhd');
  await fs.writeFile(gpt, makeFixedVhd(8 * MiB, (d) => ((d[446 + 4] = 0xee), (d[510] = 0x55), (d[511] = 0xaa), d.fill(0x44, 4096, 8192))));
  expect((await e.json(['os-layer', 'import', '--name', 'w11', '--version', '1', '--disk', gpt])).versions[0].generation).toBe('V2');
  await e.json(['layer', 'create', '--name', 'tl', '--version', '1.0', '--os-layer', 'w11', '--connector', 'az', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-format', 'vhd', '--wait']);
  await e.json(['machine', 'deploy', 'tl', '--machine-name', 'pkg-tl', '--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET, '--security-type', 'TrustedLaunch']);
  expectCode(await e.run(['verify', 'tl', '--shutdown']), 0);
  expect((await e.json(['finalize', 'tl', '--wait'])).task.state).toBe('Complete');

  // The V1 definition made for azpub cannot hold a V2 disk: refused before a task (exit 2), nothing made.
  const before = versions().length;
  const state = await stateBytes(e.home);
  const wrong = await e.run(['layer', 'publish', 'tl', '--to', 'az', '--gallery', 'elm_gallery', '--image-definition', 'plat', '--wait']);
  expectCode(wrong, 2);
  expect(wrong.stderr).toMatch(/plat cannot hold this layer: it is generation V1 and the OS layer boots as V2/);
  expect((await stateBytes(e.home))?.equals(state!)).toBe(true);

  const doc = await e.json(['layer', 'publish', 'tl', '--to', 'az', '--gallery', 'elm_gallery', '--image-definition', 'tl-v2', '--wait']);
  expect(doc.task.state).toBe('Complete');
  expect(versions()).toHaveLength(before + 1);
  const def = ofType('Microsoft.Compute/galleries/images').find((d) => d.name === 'elm_gallery/tl-v2')!;
  expect(def.properties).toMatchObject({ osState: 'Specialized', hyperVGeneration: 'V2', features: [{ name: 'SecurityType', value: 'TrustedLaunch' }] });
  expect(doc.image.location).toBe('elm_gallery/tl-v2/1.0.0');
});

test('--regions (comma-separated) and --replica-region: the image version replicates to the source region and those, with the storage type', async () => {
  const bad = await e.run(['layer', 'publish', 'azpub', '--to', 'az', '--gallery', 'elm_gallery', '--image-definition', 'plat', '--image-version', '1.2.7', '--regions', 'eastus2,west europe!', '--wait']);
  expectCode(bad, 2);
  expect(bad.stderr).toMatch(/Region "westeurope!" .* is not an Azure region name/);
  const doc = await e.json([
    'layer', 'publish', 'azpub', '--to', 'az', '--gallery', 'elm_gallery', '--image-definition', 'plat', '--image-version', '1.2.7',
    '--regions', 'eastus2, WestUS', '--replica-region', 'northeurope', '--storage-account-type', 'standard_zrs', '--wait',
  ]);
  expect(doc.task.state).toBe('Complete');
  const v = versions().find((x) => x.id === doc.image.id)!;
  const regions = (v.properties.publishingProfile as Doc).targetRegions as Doc[];
  expect(regions.map((r) => r.name)).toEqual([LOCATION, 'eastus2', 'westus', 'northeurope']);
  expect(regions.every((r) => r.storageAccountType === 'Standard_ZRS')).toBe(true);
});
