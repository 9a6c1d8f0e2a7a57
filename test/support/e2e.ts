/**
 * Shared by the end-to-end tests (test/e2e): a scratch home with a share and an OS disk, the
 * common set-up commands through the real binary, and the assertions every bad-input case makes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { elm, makeOsDisk, oneLine, ROOT, stateBytes, tempHome, type CliResult } from './cli';

/** Parsed --json output and state documents: shapes are what the tests assert. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const FIXTURES = path.join(ROOT, 'fixtures');
export const REPORTS = path.join(FIXTURES, 'reports');
export const MARKER = 'ELM-OS-LAYER-BYTES';
export const MARKER_OFFSET = MiB;

export const hasQemuImg = spawnSync('qemu-img', ['--version']).status === 0;
if (!hasQemuImg) console.warn('qemu-img not found: the e2e checks that need it are skipped (install qemu-utils).');
export const withQemu: jest.It = hasQemuImg ? test : test.skip;

export interface Scratch {
  dir: string;
  home: string;
  share: string;
  osDisk: string;
  /** elm with ELM_HOME set to this scratch home. */
  run(args: string[], opts?: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number }): Promise<CliResult>;
  cleanup(): Promise<void>;
}

/** A fresh home, a share folder beside it and a sparse raw OS disk with the marker at 1 MiB. */
export async function scratch(osDiskBytes = 64 * MiB, prefix = 'elm-e2e-'): Promise<Scratch> {
  // The marker must lie inside the disk: past its end it would leave a raw image of part sectors.
  if (osDiskBytes < MARKER_OFFSET + MARKER.length) throw new Error(`scratch: an OS disk of ${osDiskBytes} bytes cannot hold the marker at ${MARKER_OFFSET}`);
  const t = await tempHome(prefix);
  const share = path.join(t.dir, 'share');
  await fs.mkdir(share, { recursive: true });
  const osDisk = path.join(t.dir, 'os.raw');
  await makeOsDisk(osDisk, osDiskBytes, MARKER, MARKER_OFFSET);
  return {
    dir: t.dir,
    home: t.home,
    share,
    osDisk,
    run: (args, opts = {}) => elm(args, { home: t.home, ...opts }),
    cleanup: t.cleanup,
  };
}

/** A command that must succeed: on failure the assertion shows what it printed. */
export function expectOk(r: CliResult): void {
  if (r.code !== 0) throw new Error(`expected exit 0, got ${r.code} (signal ${r.signal})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

export function expectCode(r: CliResult, code: number): void {
  if (r.code !== code) throw new Error(`expected exit ${code}, got ${r.code} (signal ${r.signal})\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/**
 * The bad-input contract: the exit code, ONE line on stderr that names the problem (matched by
 * `names`), no stack trace, and the state file byte for byte what it was before.
 */
export async function expectRefused(s: Scratch, args: string[], names: RegExp | string, opts: { code?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const before = await stateBytes(s.home);
  const r = await s.run(args, { env: opts.env });
  expectCode(r, opts.code ?? 2);
  if (!oneLine(r.stderr)) throw new Error(`expected one line on stderr for elm ${args.join(' ')}, got:\n${r.stderr}`);
  expect(r.stderr).toMatch(typeof names === 'string' ? new RegExp(escapeRe(names)) : names);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  const after = await stateBytes(s.home);
  if (before === null) expect(after).toBeNull();
  else expect(after?.equals(before)).toBe(true);
  return r;
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function json<T = Doc>(r: CliResult): T {
  expectOk(r);
  return JSON.parse(r.stdout) as T;
}

/** The state document as elm wrote it. */
export async function readState(home: string): Promise<Doc> {
  return JSON.parse(await fs.readFile(path.join(home, 'state.json'), 'utf8'));
}

/** connector `share` on the scratch share, OS layer `win` 1 from the scratch OS disk. */
export async function baseSetup(s: Scratch, opts: { connector?: string; os?: string } = {}): Promise<void> {
  expectOk(await s.run(['connector', 'add', 'fileshare', '--name', opts.connector ?? 'share', '--path', s.share]));
  expectOk(await s.run(['os-layer', 'import', '--name', opts.os ?? 'win', '--version', '1', '--disk', s.osDisk]));
}

export interface Created {
  layer: { id: string; name: string };
  version: { name: string; state: string };
  task: { id: string; kind: string; state: string; description: string };
}

/** `layer create --wait --json` with the base set-up's names; returns the JSON document. */
export async function createLayer(s: Scratch, name: string, extra: string[] = []): Promise<Created> {
  const r = await s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json', ...extra]);
  return json<Created>(r);
}

export async function diskStatus(s: Scratch, layer: string): Promise<Doc> {
  return json(await s.run(['disk', 'status', layer, '--json']));
}

/** SHA-256 of a whole file, read in large blocks (multi-GiB disks hash at the CPU's speed). */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  const fh = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(16 * MiB);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

/**
 * A recorded report as the probe prints it when it runs now, on the machine booted from the disk
 * under test: its "at" becomes the current time (elm refuses a report taken before the disk was
 * made). Text without an "at" (a malformed report) is left as it is.
 */
export function takenNow(text: string): string {
  return text.replace(/"at"\s*:\s*"[^"]*"/, `"at":"${new Date().toISOString()}"`);
}

/** takenNow for report bytes: UTF-8 (with or without BOM) or UTF-16LE with BOM, kept in that encoding. */
function bytesTakenNow(content: string | Buffer): string | Buffer {
  if (typeof content === 'string') return takenNow(content);
  if (content[0] === 0xff && content[1] === 0xfe) return Buffer.concat([content.subarray(0, 2), Buffer.from(takenNow(content.subarray(2).toString('utf16le')), 'utf16le')]);
  return Buffer.from(takenNow(content.toString('utf8')), 'utf8');
}

/** A copy of fixtures/reports/NAME taken now (takenNow), written into dir; returns its path. */
export function freshReport(dir: string, name: string): string {
  const file = path.join(dir, `fresh-${name}`);
  writeFileSync(file, takenNow(readFileSync(path.join(REPORTS, name), 'utf8')));
  return file;
}

/** A disk whose first partition entry has `type` (0xEE: GPT's protective MBR), with the boot signature. */
export async function diskWithPartition(file: string, type: number): Promise<void> {
  const sector = Buffer.alloc(512);
  sector[446 + 4] = type;
  sector[510] = 0x55;
  sector[511] = 0xaa;
  await fs.writeFile(file, sector);
  await fs.truncate(file, 8 * MiB);
}

/**
 * Writes a report beside the packaging disk, where ShutdownForFinalize.ps1 -ReportPath puts it,
 * taken now (see takenNow); `asTaken` keeps its "at" (a stale report).
 */
export async function writeShareReport(diskLocation: string, content: string | Buffer, opts: { asTaken?: boolean } = {}): Promise<string> {
  const file = diskLocation.replace(/\.[^./]+$/, '.integrity.json');
  await fs.writeFile(file, opts.asTaken ? content : bytesTakenNow(content));
  return file;
}

/** A clean report that says the machine was shut down, and the disk quiet for an hour. */
export async function makeReadyToFinalize(diskLocation: string): Promise<void> {
  const clean = JSON.parse(await fs.readFile(path.join(REPORTS, 'clean.json'), 'utf8'));
  expect(clean.shutdownRequested).toBe(true);
  await writeShareReport(diskLocation, JSON.stringify(clean));
  const past = new Date(Date.now() - 3600_000);
  await fs.utimes(diskLocation, past, past);
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Every file under dir (recursively) whose name matches. */
export async function findFiles(dir: string, re: RegExp): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await findFiles(p, re)));
    else if (re.test(e.name)) out.push(p);
  }
  return out;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed process not yet reaped is a zombie: dead for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Writes `bytes` of non-zero data at `offset` (a file with real data takes real time to import). */
/**
 * A qemu-img that runs the real one, then holds a `convert` open until it is killed: a task's
 * `.partial` stays on disk for as long as a test needs to cancel or kill it, however fast the
 * machine (a race against the real write failed in CI). Point ELM_QEMU_IMG at the returned path.
 */
export async function heldQemuImg(dir: string): Promise<string> {
  const file = path.join(dir, 'held-qemu-img');
  await fs.writeFile(file, '#!/bin/sh\nqemu-img "$@" || exit $?\ncase "$1" in convert) while :; do sleep 0.2; done;; esac\n', { mode: 0o755 });
  return file;
}

export async function writeData(file: string, offset: number, bytes: number): Promise<void> {
  const fh = await fs.open(file, 'r+');
  try {
    const chunk = Buffer.alloc(8 * MiB);
    for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) % 251 + 1;
    for (let done = 0; done < bytes; done += chunk.length) {
      const n = Math.min(chunk.length, bytes - done);
      await fh.write(chunk, 0, n, offset + done);
    }
  } finally {
    await fh.close();
  }
}

/** A real 1×1 PNG (signature, IHDR, IDAT, IEND with CRCs). */
export function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(1, 0);
  ihdr.writeUInt32BE(1, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 0xff, 0x80, 0x00]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export { elm, oneLine, stateBytes, tempHome, ROOT };
