/**
 * Shared by the vSphere/PVS end-to-end tests: the vCenter fake with the inventory the connector
 * names, a TCP listener standing in for the PVS SOAP port, a scratch home with a small sparse OS
 * disk, the real binary with the passwords in the environment only, and the secret scan.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { elm, makeOsDisk, tempHome, type CliResult } from '../support/cli';
import { startVCenterFake, vmfsDescriptor, type AboutSpec, type VCenterFake } from '../support/vcenter';
import { type Doc, MARKER, MiB } from '../support/e2e';

export { type Doc, MARKER, MiB };
export const ADMIN = 'administrator@vsphere.local';
export const VC_PASSWORD = 'Vc-Secret-7f3a!';
export const GUEST_USER = 'Administrator';
export const GUEST_PASSWORD = 'Guest-Secret-91c2!';
export const PVS_PASSWORD = 'Pvs-Secret-4d8e!';
export const SECRETS = [VC_PASSWORD, GUEST_PASSWORD, PVS_PASSWORD];

export const hasQemuImg = spawnSync('qemu-img', ['--version']).status === 0;

/** DC1 (in the datacenter folder Region: dcPath Region/DC1) with ds1, esx1.lab, "VM Network", folder Packaging and the template VM win2019-tpl (with a disk of its own). */
export async function startFake(
  opts: { guestShutdownMs?: number; toolsStartMs?: number; guestOpsStartMs?: number; about?: AboutSpec; esxiCertificate?: 'trusted' | 'untrusted' } = {},
): Promise<VCenterFake> {
  const fake = await startVCenterFake({
    about: opts.about,
    esxiCertificate: opts.esxiCertificate,
    users: { [ADMIN]: VC_PASSWORD },
    guestUsers: { [GUEST_USER]: GUEST_PASSWORD },
    guestShutdownMs: opts.guestShutdownMs ?? 100,
    toolsStartMs: opts.toolsStartMs,
    guestOpsStartMs: opts.guestOpsStartMs,
    inventory: { datacenters: ['Region/DC1'], datastores: ['ds1'], hosts: ['esx1.lab'], networks: ['VM Network', 'Template Net'], folders: ['Packaging'] },
  });
  fake.putDatastoreFile('DC1', 'ds1', 'templates/win2019-tpl.vmdk', vmfsDescriptor(4 * MiB, 'win2019-tpl-flat.vmdk'));
  fake.putDatastoreFile('DC1', 'ds1', 'templates/win2019-tpl-flat.vmdk', Buffer.alloc(4 * MiB));
  fake.inventory({ templates: [{ name: 'win2019-tpl', disks: ['[ds1] templates/win2019-tpl.vmdk'], network: 'Template Net' }] });
  return fake;
}

/** Accepts and closes connections: "reachable" for the PVS checks, on a port the test owns. */
export async function tcpListener(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

export interface Env {
  dir: string;
  home: string;
  osDisk: string;
  /** Every stdout and stderr seen, for the secret scan. */
  outputs: string[];
  env: NodeJS.ProcessEnv;
  run(args: string[], opts?: { env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  json(args: string[], code?: number, opts?: { env?: NodeJS.ProcessEnv }): Promise<Doc>;
  cleanup(): Promise<void>;
}

/** A scratch home, a sparse raw OS disk with MARKER at 1 MiB, and elm with the fake's CA trusted. */
export async function scratch(fake: VCenterFake, osDiskBytes = 64 * MiB): Promise<Env> {
  const t = await tempHome('elm-e2e-vsphere-');
  const osDisk = path.join(t.dir, 'os.raw');
  await makeOsDisk(osDisk, osDiskBytes, MARKER, MiB);
  const env: NodeJS.ProcessEnv = {
    NODE_EXTRA_CA_CERTS: fake.caCertPath,
    ELM_VSPHERE_PASSWORD: VC_PASSWORD,
    ELM_GUEST_USER: GUEST_USER,
    ELM_GUEST_PASSWORD: GUEST_PASSWORD,
    ELM_PVS_PASSWORD: PVS_PASSWORD,
    ELM_PVS_CONNECT_TIMEOUT_MS: '1000',
    NO_COLOR: '1',
  };
  const outputs: string[] = [];
  const run = async (args: string[], opts: { env?: NodeJS.ProcessEnv } = {}) => {
    const r = await elm(args, { home: t.home, env: { ...env, ...opts.env } });
    outputs.push(r.stdout, r.stderr);
    return r;
  };
  return {
    dir: t.dir,
    home: t.home,
    osDisk,
    outputs,
    env,
    run,
    async json(args, code = 0, opts = {}) {
      const r = await run([...args, '--json'], opts);
      expectCode(r, code);
      return JSON.parse(r.stdout);
    },
    cleanup: t.cleanup,
  };
}

export function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code} (signal ${r.signal})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

export function vsphereArgs(fake: VCenterFake, name: string, over: Record<string, string | null> = {}): string[] {
  const flags: Record<string, string | null> = {
    '--server': fake.host,
    '--user': ADMIN,
    '--datacenter': 'DC1',
    '--datastore': 'ds1',
    '--host': 'esx1.lab',
    '--network': 'VM Network',
    '--folder': 'Packaging',
    '--template': 'win2019-tpl',
    ...over,
  };
  const args = ['connector', 'add', 'vsphere', '--name', name];
  for (const [k, v] of Object.entries(flags)) if (v !== null) args.push(k, v);
  return args;
}

/** Files under a folder, recursively. */
async function walk(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** No password in the state file, the task logs, anything else under ELM_HOME but disks, or any output. */
export async function expectNoSecrets(s: Env): Promise<void> {
  const files = (await walk(s.home)).filter((f) => !/\.(vmdk|raw|partial)$/.test(f));
  expect(files).toContain(path.join(s.home, 'state.json'));
  for (const f of files) {
    const text = await fs.readFile(f, 'latin1');
    for (const secret of SECRETS) if (text.includes(secret)) throw new Error(`a password was written to ${f}`);
  }
  for (const out of s.outputs) for (const secret of SECRETS) if (out.includes(secret)) throw new Error(`a password was printed:\n${out}`);
}

export function qemuInfo(file: string): Doc {
  const r = spawnSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`qemu-img info ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

export function guestReport(details: Record<string, unknown>, blockers: string[] = []): string {
  return JSON.stringify({ schema: 1, machine: 'PVSPLAT-PKG', at: new Date().toISOString(), blockers, shutdownRequested: false, details });
}

/** Every probe run in the guest reports a clean machine (no blockers, IPv6 off). */
export function cleanGuest(fake: VCenterFake): void {
  fake.onGuestProcess('*', (_program, args) => {
    const reportPath = /-ReportPath\s+"([^"]+)"/.exec(args)?.[1];
    return { exitCode: 0, writeFiles: reportPath ? { [reportPath]: guestReport({ ipv6Enabled: false }) } : {} };
  });
}

/** Connector "vs", OS layer "win" (ws2022) and layer `name` version 1 taken to Deployable through the binary, as publish tests start. */
export async function deployableLayer(fake: VCenterFake, s: Env, name: string): Promise<void> {
  cleanGuest(fake);
  expectCode(await s.run(vsphereArgs(fake, 'vs')), 0);
  expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled', '--guest-os', 'ws2022']), 0);
  expectCode(await s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'vs', '--disk-name', name, '--wait']), 0);
  expectCode(await s.run(['machine', 'deploy', name]), 0);
  expectCode(await s.run(['verify', name, '--shutdown']), 0);
  expectCode(await s.run(['finalize', name, '--wait']), 0);
}
