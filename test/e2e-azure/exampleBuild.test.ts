/**
 * examples/azure-rdsh/platform.yaml runs as shipped: a copy of the example built through the real
 * binary against Azurite and the ARM fake, with the azure connector and the OS layer it names and
 * its share password set. The fake's Run Command plays the guest: the VDA exits 3010 (elm restarts
 * the machine through ARM), the settle step finds the file it waits for, the probe reports NGen
 * until it is expedited. It ends Deployable with the spec's finalize comment in the audit and
 * nothing of the machine left in Azure.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { type RunCommandHandler } from '../support/azure';
import { ROOT } from '../support/cli';
import { Cloud, connectorFlags, Doc, Env, expectCode, expectNoSecrets, report, scratch, startCloud } from './helpers';

jest.setTimeout(300_000);

const SHARE_PASSWORD = 'Sh4re-example-secret';
let cloud: Cloud;
let e: Env;
let ngenDone = false;
const stepsRun: string[] = [];

const handler: RunCommandHandler = async (script, parameters) => {
  if (script.includes('ShutdownForFinalize')) {
    if (parameters.ExpediteNGen === 'True') ngenDone = true;
    return { stdout: `${report(ngenDone ? [] : ['ngenInProgress'])}\n` };
  }
  const name = /^# elm build step: (.*)$/m.exec(script)?.[1] ?? '?';
  stepsRun.push(name);
  const code = name === 'VDA for multi-session OS' ? 3010 : 0;
  return { stdout: `${name} done\nELM-EXIT-CODE: ${code}\n`, exitCode: code };
};

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-example-');
  cloud.fake.onRunCommand('*', handler);
  await e.json(connectorFlags(cloud, 'azure', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'Windows Server 2022', '--version', '1', '--disk', e.osDisk]);
  await fs.cp(path.join(ROOT, 'examples', 'azure-rdsh'), path.join(e.dir, 'azure-rdsh'), { recursive: true });
}, 120_000);

afterAll(async () => {
  await cloud?.stop();
  await e?.cleanup();
});

test('the example builds to Deployable: each step through Run Command, a restart for the VDA, NGen expedited, its finalize comment kept', async () => {
  const r = await e.run(['layer', 'build', '-f', path.join(e.dir, 'azure-rdsh', 'platform.yaml'), '--wait', '--json'], { env: { INSTALLER_SHARE_PASSWORD: SHARE_PASSWORD } });
  expectCode(r, 0);
  const doc = JSON.parse(r.stdout);
  expect(doc.task).toMatchObject({ kind: 'LayerBuild', state: 'Complete' });
  expect(stepsRun).toEqual(['Azure VM agent', 'VDA for multi-session OS', 'settle after the VDA restart']);
  const show = await e.json(['layer', 'show', 'Azure RDSH Platform']);
  expect(show.versions[0].state).toBe('Deployable');
  expect(show.audit.map((a: Doc) => a.comment)).toContain('VDA 2402 multi-session + Azure VM agent (unattended build)');
  expect(cloud.fake.requests.some((q) => /POST .*virtualMachines\/pkg-rdsh\/restart$/.test(`${q.method} ${q.path}`))).toBe(true);
  expect(cloud.fake.inventory({ tag: ['elm-layer-id', doc.layer.id] })).toEqual([]);
  await expectNoSecrets(e, cloud);
  expect(e.outputs.some((o) => o.includes(SHARE_PASSWORD))).toBe(false);
});
