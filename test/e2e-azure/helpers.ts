/**
 * Shared by the Azure end-to-end tests: Azurite and the ARM/identity fake with the environment the
 * connector names (a resource group, a storage account on Azurite and a virtual network in
 * westeurope), a scratch home with a sparse fixed-VHD OS disk, the real binary with the secrets in
 * the environment only, a probe stand-in for Run Command, and the secret scan.
 */
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import path from 'node:path';
import { elm, tempHome, type CliResult } from '../support/cli';
import {
  ArmFake,
  Azurite,
  azureTestEnv,
  azuriteBlobService,
  makeFixedVhd,
  startArmFake,
  startAzurite,
  TEST_CLIENT_SECRET,
  type RunCommandHandler,
} from '../support/azure';
import { type Doc, MiB } from '../support/e2e';

export { type Doc, MiB };
export const RG = 'elm-rg';
export const LOCATION = 'westeurope';
export const ACCOUNT = 'elmstore';
export const VNET = 'elm-vnet';
export const SUBNET = 'default';
export const VM = 'pkg-01';
export const MACHINE_FLAGS = ['--machine-name', VM, '--size', 'Standard_D2s_v3', '--vnet', VNET, '--subnet', SUBNET];

export interface Cloud {
  azurite: Azurite;
  fake: ArmFake;
  /** Environment of every elm run: the CA, AZURE_* for DefaultAzureCredential, ELM_TEST_AZURE_*. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startCloud(opts: { oauth: boolean }): Promise<Cloud> {
  const azurite = await startAzurite(opts.oauth ? { oauth: true } : { https: true });
  const fake = await startArmFake({ azurite });
  fake.addResourceGroup(RG, LOCATION);
  fake.addStorageAccount(ACCOUNT, { resourceGroup: RG, location: LOCATION });
  fake.addVirtualNetwork(VNET, { resourceGroup: RG, location: LOCATION, subnets: [SUBNET] });
  // The seed's trap: a resource group in another region than the storage account.
  fake.addResourceGroup('elm-east', 'eastus');
  const env = { ...azureTestEnv(fake, azurite), NO_COLOR: '1', ELM_AZURE_RETRY_DELAY_MS: '20' };
  return {
    azurite,
    fake,
    env,
    async stop() {
      await fake.stop();
      await azurite.stop();
    },
  };
}

/** `connector add azure` flags for the fake; extra flags (auth choice) appended. */
export function connectorFlags(cloud: Cloud, name: string, extra: string[] = [], resourceGroup = RG): string[] {
  const e = cloud.env;
  return [
    'connector', 'add', 'azure', '--name', name,
    '--subscription', e.ELM_TEST_AZURE_SUBSCRIPTION_ID, '--tenant', e.ELM_TEST_AZURE_TENANT_ID,
    '--storage-account', ACCOUNT, '--resource-group', resourceGroup, '--location', LOCATION,
    '--arm-endpoint', e.ELM_TEST_AZURE_ARM_ENDPOINT, '--authority-host', e.ELM_TEST_AZURE_AUTHORITY_HOST,
    '--blob-endpoint', e.ELM_TEST_AZURE_BLOB_ENDPOINT,
    ...extra,
  ];
}

export interface Env {
  dir: string;
  home: string;
  osDisk: string;
  osVhd: Buffer;
  /** Every stdout and stderr seen, for the secret scan. */
  outputs: string[];
  run(args: string[], opts?: { env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  json(args: string[], code?: number): Promise<Doc>;
  cleanup(): Promise<void>;
}

/** Data regions of the OS disk: three places with bytes; everything else zeros. */
export const OS_DATA = [
  { offset: 0, bytes: 512, fill: 0x11 },
  { offset: 9 * MiB + 4096, bytes: 64 * 1024, fill: 0x22 },
  { offset: 41 * MiB, bytes: MiB, fill: 0x33 },
];

/** A sparse fixed VHD (64 MiB + 512): written with holes, so the file uses only its data's space. */
export async function makeSparseVhd(file: string, dataSize = 64 * MiB): Promise<Buffer> {
  const vhd = makeFixedVhd(dataSize, (d) => {
    for (const r of OS_DATA) d.fill(r.fill, r.offset, r.offset + r.bytes);
  });
  const fh = await fs.open(file, 'w');
  try {
    await fh.truncate(vhd.length);
    for (const r of OS_DATA) await fh.write(vhd, r.offset, r.bytes, r.offset);
    await fh.write(vhd, dataSize, 512, dataSize);
  } finally {
    await fh.close();
  }
  return vhd;
}

export async function scratch(cloud: Cloud, prefix = 'elm-e2e-azure-'): Promise<Env> {
  const t = await tempHome(prefix);
  const osDisk = path.join(t.dir, 'os.vhd');
  const osVhd = await makeSparseVhd(osDisk);
  const outputs: string[] = [];
  const run = async (args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) => {
    const r = await elm(args, { home: t.home, env: { ...cloud.env, ...opts.env } });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  return {
    dir: t.dir,
    home: t.home,
    osDisk,
    osVhd,
    outputs,
    run,
    async json(args, code = 0) {
      const r = await run([...args, '--json']);
      if (r.code !== code) throw new Error(`elm ${args.join(' ')}: expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return JSON.parse(r.stdout);
    },
    cleanup: t.cleanup,
  };
}

export function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/** A report as ShutdownForFinalize.ps1 prints it. */
export function report(blockers: string[], shutdownRequested = false): string {
  return JSON.stringify({ schema: 1, machine: VM.toUpperCase(), at: new Date().toISOString(), blockers, shutdownRequested, details: { ipv6Enabled: false } });
}

/**
 * The probe on the fake VM: prints `blockers` (stderr chatter first, as the script does). elm
 * never passes -Shutdown through Run Command (it deallocates through ARM); if it did, the guest
 * would shut down under the command, as the real probe does.
 */
export function probeStandIn(blockers: () => string[]): RunCommandHandler {
  return (script, parameters, ctx) => {
    if (!script.includes('ShutdownForFinalize')) throw new Error('not the probe script');
    const b = blockers();
    const shutdown = parameters.Shutdown === 'True' && b.length === 0;
    if (shutdown) ctx.vm.shutdown();
    return { stdout: `${report(b, shutdown)}\n`, stderr: 'Shutdown For Finalize: checking that the layer is ready to be finalized...\n' };
  };
}

/** GET a URL trusting the test CA: status and body. */
export function httpsRequest(url: string, ca: string, method = 'GET', body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers: body ? { 'x-ms-blob-type': 'BlockBlob', 'Content-Length': Buffer.byteLength(body) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * What the portal's browser sends before it downloads the template from another origin: the CORS
 * preflight (OPTIONS with Origin and Access-Control-Request-Method). Status and response headers.
 */
export function browserPreflight(url: string, ca: string, origin: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: 'OPTIONS', ca, headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** The page ranges of a blob in Azurite (end exclusive), read with the account key. */
export async function pageRanges(azurite: Azurite, url: string): Promise<Array<[number, number]>> {
  const { container, blobName } = blobOf(azurite, url);
  const blob = azuriteBlobService(azurite).getContainerClient(container).getPageBlobClient(blobName);
  const out: Array<[number, number]> = [];
  for await (const r of blob.listPageRanges()) out.push([r.start, r.end + 1]);
  return out.sort((a, b) => a[0] - b[0]);
}

export async function readBlob(azurite: Azurite, url: string): Promise<Buffer> {
  const { container, blobName } = blobOf(azurite, url);
  return azuriteBlobService(azurite).getContainerClient(container).getBlobClient(blobName).downloadToBuffer();
}

export async function blobExists(azurite: Azurite, url: string): Promise<boolean> {
  const { container, blobName } = blobOf(azurite, url);
  return azuriteBlobService(azurite).getContainerClient(container).getBlobClient(blobName).exists();
}

export function blobOf(azurite: Azurite, url: string): { container: string; blobName: string } {
  const bare = url.split('?')[0];
  const prefix = `${azurite.blobEndpoint}/`;
  if (!bare.startsWith(prefix)) throw new Error(`${url} is not in ${prefix}`);
  const [container, ...rest] = bare.slice(prefix.length).split('/');
  return { container, blobName: rest.map(decodeURIComponent).join('/') };
}

/** Every file under dir, recursively. */
export async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else out.push(p);
  }
  return out;
}

/**
 * No secret in the state file, the task logs, task descriptions or any output: not the client
 * secret, not the account key, no bearer token, no SAS signature except read-only ones (`sp=r`),
 * and not the disk export SAS (`si=md-…`).
 */
export async function expectNoSecrets(e: Env, cloud: Cloud): Promise<void> {
  const texts: Array<[string, string]> = e.outputs.map((t, i) => [`output #${i}`, t]);
  for (const f of await allFiles(e.home)) {
    if (/\.(json|log|bak)$/.test(f) || f.includes(`${path.sep}logs${path.sep}`)) texts.push([f, await fs.readFile(f, 'utf8')]);
  }
  expect(texts.some(([f]) => f.endsWith('state.json'))).toBe(true);
  expect(texts.some(([f]) => f.includes(`${path.sep}logs${path.sep}`))).toBe(true);
  for (const [where, text] of texts) {
    const found: string[] = [];
    if (text.includes(TEST_CLIENT_SECRET)) found.push('client secret');
    if (text.includes(cloud.azurite.accountKey)) found.push('account key');
    if (/Bearer\s+ey/i.test(text) || /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(text)) found.push('token');
    if (/si=md-/.test(text)) found.push('disk export SAS');
    for (const m of text.matchAll(/(?:[?&]|%3F|%26)sig(?:=|%3D)/gi)) {
      // Every SAS must be read-only: find its sp= in the same URL.
      const url = text.slice(Math.max(0, m.index! - 600), m.index! + 200);
      const sp = /(?:[?&]|%3F|%26)sp(?:=|%3D)([a-z]+)/i.exec(url.slice(url.lastIndexOf('https')))?.[1];
      if (sp !== 'r') found.push(`SAS with sp=${sp}`);
    }
    if (found.length) throw new Error(`${found.join(', ')} found in ${where}`);
  }
}
