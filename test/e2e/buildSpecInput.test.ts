/**
 * Bad build specs, through the real binary: secrets in a file source's URL, secret names that are
 * not identifiers, YAML that would be silently cut or blown up, a version's name at odds with its
 * layer, and a local file edited after the build started. Each is refused (exit 2, one line, state
 * untouched) or, for the edited file, the build stops before copying it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, expectOk, expectRefused, json, MiB, readState, scratch, type Scratch } from '../support/e2e';

let s: Scratch;
beforeAll(async () => {
  s = await scratch(16 * MiB, 'elm-buildin-');
  await baseSetup(s);
});
afterAll(() => s.cleanup());

async function spec(name: string, text: string): Promise<string> {
  const file = path.join(s.dir, name);
  await fs.writeFile(file, text);
  return file;
}

const LAYER = 'layer:\n  name: Built\n  version: "1"\n  osLayer: win\n  connector: share\n  hypervisor: xenserver\n';
const fileStep = (source: string) => `steps:\n  - file:\n      source: "${source}"\n      destination: C:\\Install\\a.msi\n`;

describe('a file source that would store a secret or has no host is refused', () => {
  test.each([
    ['a SAS query', 'https://acct.blob.core.windows.net/c/a.msi?sv=2025-11-05&sig=SECRETSIG'],
    ['user:password@', 'https://ops:SECRETPW@files.example.com/a.msi'],
  ])('%s', async (_what, url) => {
    const f = await spec('sas.yaml', `${LAYER}${fileStep(url)}`);
    const r = await expectRefused(s, ['layer', 'build', '-f', f], /steps\.0\.file\.source must not carry a query or user:password .*secrets: NAME: ENV_VAR/);
    expect(r.stderr).not.toMatch(/SECRETSIG|SECRETPW/);
  });
  test('https:// without a host', async () => {
    const f = await spec('nohost.yaml', `${LAYER}${fileStep('https://')}`);
    await expectRefused(s, ['layer', 'build', '-f', f], /steps\.0\.file\.source "https:\/\/" is not a URL with a host; give https:\/\/HOST\/PATH/);
  });
});

describe('secret names are identifiers', () => {
  test.each(['x;Remove-Item C:\\\\', 'a b', '$x'])('%s', async (name) => {
    const f = await spec('secret-name.yaml', `${LAYER}secrets:\n  "${name}": ELM_TEST_PW\nsteps:\n  - inline: Write-Host hi\n`);
    await expectRefused(s, ['layer', 'build', '-f', f], /secrets\..*: a secret name is an identifier \(a letter or _, then letters, digits or _\)/, { env: { ELM_TEST_PW: 'pw' } });
  });
});

describe('YAML that would be cut short or blow up', () => {
  test('two documents in a build spec', async () => {
    const f = await spec('two.yaml', `${LAYER}steps:\n  - inline: Write-Host hi\n---\nsteps:\n  - inline: Remove-Item C:\\\n`);
    await expectRefused(s, ['layer', 'build', '-f', f], /line 9: a second YAML document starts here \(---\).*keep one document per file/);
  });
  test('two documents in a layer create spec', async () => {
    const f = await spec('two-create.yaml', 'name: A\nversion: "1"\nosLayer: win\nconnector: share\n---\nname: B\n');
    await expectRefused(s, ['layer', 'create', '-f', f, '--yes'], /Spec file .*line 5.*second YAML document/);
  });
  const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`)].join('\n');
  test('an alias bomb is bad input (exit 2), in a build spec and a create spec', async () => {
    await expectRefused(s, ['layer', 'build', '-f', await spec('bomb.yaml', `${bomb}\n`)], /aliases \(\*name\) expand past 100 copies \(a YAML alias bomb\)/);
    await expectRefused(s, ['layer', 'create', '-f', await spec('bomb2.yaml', `${bomb}\n`), '--yes'], /Spec file .*YAML alias bomb/);
  });
});

describe('what the spec says is what is built', () => {
  test('expediteNgen: "false" adds no step', async () => {
    const f = await spec('ngen-off.yaml', `${LAYER.replace('Built', 'NoNgen')}steps:\n  - inline: Write-Host hi\n  - expediteNgen: "false"\n  - expediteNgen: false\n`);
    const r = json(await s.run(['layer', 'build', '-f', f, '--wait', '--json']));
    expect(r.task.state).toBe('ActionRequired');
    const script = await fs.readFile(r.task.description.match(/run (\S+\.build\.ps1)/)[1], 'utf8');
    expect(script).toMatch(/== step 1\/1: /);
    expect(script).not.toMatch(/-ExpediteNGen/);
  });
  test('layerVersionOf: and a different layer.name: are refused', async () => {
    const f = await spec('disagree.yaml', 'layerVersionOf: NoNgen\nlayer:\n  name: Other\n  version: "2"\nsteps:\n  - inline: Write-Host hi\n');
    await expectRefused(s, ['layer', 'build', '-f', f], /layerVersionOf: names layer "NoNgen" but layer\.name: is "Other"; .*drop layer\.name: or make the two agree/);
  });
});

describe('a local file edited after the build started is not copied', () => {
  test('the build stops naming the file; the share gets neither the old nor the new file', async () => {
    const tools = path.join(s.dir, 'tools.zip');
    await fs.writeFile(tools, 'tools as the build started');
    const f = await spec('edited.yaml', `${LAYER.replace('Built', 'Edited')}steps:\n  - file:\n      source: tools.zip\n      destination: C:\\Install\\tools.zip\n`);
    // The packaging disk fails first (its OS disk moved away), so the file is edited before the hand-over.
    await fs.rename(s.osDisk, `${s.osDisk}.away`);
    const first = await s.run(['layer', 'build', '-f', f, '--wait', '--json']);
    await fs.rename(`${s.osDisk}.away`, s.osDisk);
    const build = JSON.parse(first.stdout).task.id as string;
    expect(JSON.parse(first.stdout).task.state).toBe('Failed');
    const disk = (await readState(s.home)).tasks.find((t: { kind: string; state: string }) => t.kind === 'CreatePackagingDisk' && t.state === 'Failed');
    expectOk(await s.run(['task', 'resume', disk.id, '--wait']));

    await fs.writeFile(tools, 'tools edited later');
    const again = await s.run(['task', 'resume', build, '--wait']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/tools\.zip changed since the build started; the build copies only the files it started with/);
    const shared = await fs.readdir(s.share, { recursive: true });
    expect(shared.filter((n) => String(n).includes('tools.zip'))).toEqual([]);
  });
});
