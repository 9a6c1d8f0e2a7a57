/**
 * What reaches a build step on Azure, through the real binary against Azurite and the ARM fake,
 * with the guest played by pwsh running the very wrapper elm sends (the fake hands it the
 * parameters as Windows' command line would: ^ & % < > | " dropped, a value starting with '-'
 * read as a parameter name). A secret holding those characters and one starting with '-' reach
 * the step byte for byte and are nowhere else; the step file is UTF-8 with a BOM and its
 * non-ASCII text survives; a local file arrives intact, base64-encoded once in the script; the
 * run command goes in the VM's location (not the connector's --location); and `Unknown` reads
 * of the instance view do not end the wait.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { RunCommandHandler } from '../support/azure';
import { allFiles, Cloud, connectorFlags, Env, expectCode, LOCATION, report, scratch, startCloud, SUBNET, VNET } from './helpers';

const run = promisify(execFile);
const pwsh = [path.join(os.homedir(), '.dotnet', 'tools', 'pwsh'), 'pwsh'].find((p) => spawnSync(p, ['-NoProfile', '-Command', 'exit 0']).status === 0);
if (!pwsh) console.warn('pwsh not found: the Azure build-step encoding test is skipped (dotnet tool install --global PowerShell)');
const withPwsh: jest.It = pwsh ? test : test.skip;

/** Every character the command line drops, a quote, and non-ASCII; and one that looks like a parameter. */
const ODD = 'Pa^ss&wo%rd<in>|"quotes" ü€';
const DASH = '-NotAParameterButASecret';
const NON_ASCII = 'Grüße – Ελληνικά ✓';
const OTHER_LOCATION = 'northeurope';
const encoded = (v: string) => Buffer.from(v, 'utf8').toString('base64');

let cloud: Cloud;
let e: Env;
let marks: string;
const wrappers: string[] = [];

/** The guest: pwsh runs the wrapper with the parameters the fake bound, as RunCommandHandlerWindows would. */
const guest: RunCommandHandler = async (script, parameters) => {
  if (script.includes('ShutdownForFinalize')) return { stdout: `${report([])}\n` };
  wrappers.push(script);
  const file = path.join(marks, `wrapper-${wrappers.length}.ps1`);
  await fs.writeFile(file, script);
  const args = Object.entries(parameters).flatMap(([k, v]) => [`-${k}`, v]);
  try {
    const r = await run(pwsh!, ['-NoProfile', '-NonInteractive', '-File', file, ...args], { env: { ...process.env, ELM_MARKS: marks }, encoding: 'utf8' });
    return { stdout: r.stdout, stderr: r.stderr, exitCode: 0 };
  } catch (err) {
    const x = err as { stdout?: string; stderr?: string; code?: number };
    return { stdout: x.stdout ?? '', stderr: x.stderr ?? '', exitCode: typeof x.code === 'number' ? x.code : 1 };
  }
};

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-enc-');
  marks = path.join(e.dir, 'guest');
  await fs.mkdir(marks);
  cloud.fake.onRunCommand('*', guest);
  // The first reads of each run command's instance view say Unknown (not reported yet).
  cloud.fake.configureRunCommand({ unknownReads: 3 });
  // The connector's --location is not the resource group's: the VM lands in the group's (westeurope).
  const flags = connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']);
  flags[flags.indexOf('--location') + 1] = OTHER_LOCATION;
  await e.json(flags);
  await e.json(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', e.osDisk]);
}, 120_000);

afterAll(async () => {
  const problems = { unhandled: cloud.fake.unhandled, internalErrors: cloud.fake.internalErrors.map((x) => x.message) };
  await cloud.stop();
  await e.cleanup();
  expect(problems).toEqual({ unhandled: [], internalErrors: [] });
});

const stepScript = [
  "$out = $env:ELM_MARKS",
  "[IO.File]::WriteAllBytes((Join-Path $out 'odd.bin'), [Text.Encoding]::UTF8.GetBytes($env:Odd))",
  "[IO.File]::WriteAllBytes((Join-Path $out 'dash.bin'), [Text.Encoding]::UTF8.GetBytes($env:Dash))",
  "Set-Content -Path (Join-Path $out 'head.txt') -Value ([BitConverter]::ToString([IO.File]::ReadAllBytes($PSCommandPath)[0..2]))",
  `Write-Output '${NON_ASCII}'`,
].join('\n');

withPwsh('secrets with ^&%<>|" and a leading "-" reach the step byte for byte; the step file has its BOM; a local file arrives once-encoded; the run command is in the VM\'s location; Unknown is waited out', async () => {
  const payload = Buffer.concat([Buffer.from(`${NON_ASCII}\r\n`, 'utf8'), Buffer.from([0, 1, 2, 0xff, 0xfe])]);
  await fs.writeFile(path.join(e.dir, 'payload.bin'), payload);
  const dest = path.join(marks, 'sub', 'payload.bin');
  const spec = path.join(e.dir, 'enc.yaml');
  await fs.writeFile(
    spec,
    [
      'layer:', '  name: enc', '  version: "1"', '  osLayer: win', '  connector: az', '  purpose: packaging', '  hypervisor: azure', '  diskFormat: vhd',
      'machine:', '  name: pkg-e1', '  size: Standard_D2s_v3', `  vnet: ${VNET}`, `  subnet: ${SUBNET}`,
      'secrets:', '  Odd: ELM_TEST_ODD', '  Dash: ELM_TEST_DASH',
      'steps:',
      '  - name: secrets',
      '    inline: |',
      ...stepScript.split('\n').map((l) => `      ${l}`),
      '    secrets: [Odd, Dash]',
      '  - name: payload',
      `    file: { source: payload.bin, destination: ${JSON.stringify(dest)} }`,
    ].join('\n'),
  );
  const r = await e.run(['layer', 'build', '-f', spec, '--wait', '--json'], { env: { ELM_TEST_ODD: ODD, ELM_TEST_DASH: DASH } });
  expectCode(r, 0);
  const doc = JSON.parse(r.stdout);
  expect(doc.task).toMatchObject({ kind: 'LayerBuild', state: 'Complete' });

  // Byte for byte in the step's environment.
  expect(readFileSync(path.join(marks, 'odd.bin'))).toEqual(Buffer.from(ODD, 'utf8'));
  expect(readFileSync(path.join(marks, 'dash.bin'))).toEqual(Buffer.from(DASH, 'utf8'));
  // The step ran from a UTF-8 file with a BOM; its non-ASCII output came back intact.
  expect(readFileSync(path.join(marks, 'head.txt'), 'utf8').trim()).toBe('EF-BB-BF');
  const log = await fs.readFile(path.join(e.home, 'logs', `task-${doc.task.id}.log`), 'utf8');
  expect(log).toContain(`secrets: ${NON_ASCII}`);
  // The local file: intact, and its bytes base64-encoded once in the script (not inside an encoded script).
  expect(readFileSync(dest)).toEqual(payload);
  const steps = cloud.fake.managedRunCommands.filter((c) => c.vmName === 'pkg-e1');
  expect(steps).toHaveLength(2);
  expect(steps[1].script).toContain(`FromBase64String('${payload.toString('base64')}')`);
  // The wrapper is ASCII (Azure writes it to a file in an encoding elm does not choose).
  for (const w of wrappers) expect([...w].filter((c) => c.charCodeAt(0) > 0x7e)).toEqual([]);
  // The secrets went as protected parameters, base64 of their UTF-8 bytes, and never in the script.
  expect(steps[0].protectedParameters).toEqual({ ElmSecret1: encoded(ODD), ElmSecret2: encoded(DASH) });
  expect(steps.every((c) => !c.script.includes(encoded(ODD)) && !c.script.includes(encoded(DASH)))).toBe(true);
  // Each run command was created in the VM's location, not the connector's --location.
  const puts = cloud.fake.requests.filter((q) => q.method === 'PUT' && /virtualMachines\/pkg-e1\/runCommands\/elm-step-/.test(q.path));
  expect(puts.map((q) => q.status)).toEqual([201, 201]); // the fake refuses another location (400 InvalidParameter)
  // Unknown was read and waited out: more reads than the Unknown ones for each step.
  const reads = cloud.fake.requests.filter((q) => q.method === 'GET' && /virtualMachines\/pkg-e1\/runCommands\/elm-step-/.test(q.path));
  expect(reads.length).toBeGreaterThan(2 * 3);
}, 300_000);

withPwsh('the secrets are nowhere: not in the state, the task logs or any output, raw or encoded', async () => {
  const forms = [ODD, DASH, encoded(ODD), encoded(DASH), JSON.stringify(ODD).slice(1, -1)];
  for (const file of await allFiles(e.home)) {
    const text = readFileSync(file, 'utf8');
    expect({ file, found: forms.filter((f) => text.includes(f)) }).toEqual({ file, found: [] });
  }
  for (const out of e.outputs) expect(forms.filter((f) => out.includes(f))).toEqual([]);
  expect(cloud.fake.responsesContaining(encoded(ODD))).toEqual([]);
  expect(cloud.fake.responsesContaining(ODD)).toEqual([]);
  expect(LOCATION).not.toBe(OTHER_LOCATION);
});
