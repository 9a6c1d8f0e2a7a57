/**
 * Guest operations through VMware Tools (vSphere Automation API 7.0U2+): copy a file into the
 * guest, run a process and wait for its exit code, copy a file out. Every call carries the guest
 * OS credentials, read from the environment variables the configuration names (never stored).
 * File transfers go through one-time URLs on the ESXi host (`/guestFile?id=..&token=..`).
 */
import https from 'node:https';
import { UsageError } from '../../domain/errors';
import { connectionError, send, statusError, VsphereError } from './http';
import type { VsphereSession } from './session';
import type { VsphereSettings } from './settings';

export interface GuestCredentials {
  interactive_session: false;
  type: 'USERNAME_PASSWORD';
  user_name: string;
  password: string;
}

/** The guest account, or an error naming the variables to set (and the --report way round). */
export function guestCredentials(settings: VsphereSettings, env: NodeJS.ProcessEnv): GuestCredentials {
  const user = env[settings.guestUserEnv];
  const password = env[settings.guestPasswordEnv];
  if (!user || !password) {
    const missing = [!user ? settings.guestUserEnv : null, !password ? settings.guestPasswordEnv : null].filter(Boolean).join(' and ');
    throw new UsageError(
      `elm runs the probe in the packaging machine with a guest OS account: export ${missing} (an administrator of the machine; elm never stores it), or run ShutdownForFinalize.ps1 there yourself and pass --report FILE.`,
    );
  }
  return { interactive_session: false, type: 'USERNAME_PASSWORD', user_name: user, password };
}

const guestPath = (vm: string, rest: string) => `/api/vcenter/vm/${encodeURIComponent(vm)}/guest${rest}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A transfer URL as the API returns it. ESXi may leave the host as `*` (it cannot know the name
 * the client reaches it by): then the vCenter host is used.
 */
function transferUrl(s: VsphereSession, raw: string): URL {
  return new URL(raw.replace(/^https:\/\/\*(?=[:/])/, `https://${s.transport.baseUrl.hostname}`));
}

/**
 * A transfer that could not reach the ESXi host, or did not trust it: said with what that host
 * needs (vSphere Web Services, GuestFileManager: the URL is on the host running the VM, which
 * vCenter does not relay), since `connector test` cannot check it before a VM runs there.
 */
function transferError(e: unknown, what: string, url: URL): Error {
  const err = connectionError(e, what, url.host);
  if (!(err instanceof VsphereError)) return err;
  const host = url.port ? `${url.hostname} on port ${url.port}` : `${url.hostname} on port 443`;
  return new VsphereError(
    `${err.message.replace(/\.$/, '')}. Guest file transfers go from this machine straight to the ESXi host ${host}, not through vCenter: that host must be reachable from here and its certificate trusted (NODE_EXTRA_CA_CERTS).`,
    err.status,
    err.errorType,
    err.retryable,
  );
}

/** Writes `content` to `path` in the guest (replacing it). */
export async function putGuestFile(s: VsphereSession, vm: string, creds: GuestCredentials, path: string, content: Buffer): Promise<void> {
  const raw = await s.post<string>(
    guestPath(vm, '/filesystem'),
    { credentials: creds, spec: { path, attributes: { overwrite: true, size: content.length } } },
    { query: { action: 'create' }, idempotent: true },
  );
  const url = transferUrl(s, raw);
  const what = `copying ${path} into the guest`;
  const reply = await send(s.transport, { method: 'PUT', url, body: content, headers: { 'content-type': 'application/octet-stream' } }).catch((e) => {
    throw transferError(e, what, url);
  });
  if (reply.status < 200 || reply.status >= 300) throw statusError(what, reply);
}

/** Reads `path` from the guest. */
export async function getGuestFile(s: VsphereSession, vm: string, creds: GuestCredentials, path: string): Promise<Buffer> {
  const raw = await s.post<string>(guestPath(vm, '/filesystem'), { credentials: creds, spec: { path } }, { query: { action: 'create' }, idempotent: true });
  const url = transferUrl(s, raw);
  const what = `copying ${path} out of the guest`;
  const reply = await new Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = https.request(url, { method: 'GET', agent: s.transport.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(s.transport.timeoutMs, () => req.destroy(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  }).catch((e) => {
    throw transferError(e, what, url);
  });
  if (reply.status !== 200) throw statusError(what, reply);
  return reply.body;
}

export interface RunOptions {
  timeoutMs: number;
  /**
   * The program's whole environment (Processes.CreateSpec.environment_variables: "these are not
   * additions to the default environment variables; they define the complete set available to the
   * program"). Unset: the guest's defaults.
   */
  environment?: Record<string, string>;
  /** Aborting stops the process in the guest and throws. */
  signal?: AbortSignal;
  /** Longest pause between two status polls (default 5 s; the first polls come sooner). */
  pollMs?: number;
  onWaiting?: (elapsedMs: number) => void;
}

/** Starts `program args` in the guest and waits for it to end; returns its exit code. */
export async function runGuestProcess(s: VsphereSession, vm: string, creds: GuestCredentials, program: string, args: string, opts: RunOptions): Promise<number> {
  const spec = { path: program, arguments: args, ...(opts.environment ? { environment_variables: opts.environment } : {}) };
  const pid = await s.post<number>(guestPath(vm, '/processes'), { credentials: creds, spec }, { query: { action: 'create' } });
  const started = Date.now();
  let wait = 100;
  const stop = () => s.post(guestPath(vm, `/processes/${encodeURIComponent(String(pid))}`), { credentials: creds }, { query: { action: 'delete' }, accept: [404] }).catch(() => undefined);
  for (;;) {
    if (opts.signal?.aborted) {
      await stop();
      throw new VsphereError(`${program} was stopped in the guest: the task was interrupted.`);
    }
    const info = await s.post<{ exit_code?: number; finished?: string }>(
      guestPath(vm, `/processes/${encodeURIComponent(String(pid))}`),
      { credentials: creds },
      { query: { action: 'get' }, idempotent: true },
    );
    if (info.exit_code !== undefined && info.exit_code !== null) return info.exit_code;
    const elapsed = Date.now() - started;
    if (elapsed >= opts.timeoutMs) {
      await stop();
      throw new VsphereError(`${program} did not finish within ${Math.round(opts.timeoutMs / 60000)} min in the guest; it was stopped.`);
    }
    opts.onWaiting?.(elapsed);
    await sleep(wait);
    wait = Math.min(opts.pollMs ?? 5000, wait * 2);
  }
}

/**
 * The environment of the guest's system user (Vcenter Vm Guest Environment list, vSphere API
 * 7.0.2: "If the set is empty, then all the environment variables are returned"): the base a
 * process started with environment_variables needs, since those replace the defaults.
 */
export async function guestEnvironment(s: VsphereSession, vm: string, creds: GuestCredentials): Promise<Record<string, string>> {
  return s.post<Record<string, string>>(guestPath(vm, '/environment'), { credentials: creds, names: [] }, { query: { action: 'list' }, idempotent: true });
}

/** Deletes a file in the guest (Vcenter Vm Guest Filesystem Files delete); gone already is fine. */
export async function deleteGuestFile(s: VsphereSession, vm: string, creds: GuestCredentials, path: string): Promise<void> {
  await s.call('POST', guestPath(vm, `/filesystem/files/${encodeURIComponent(path)}`), { query: { action: 'delete' }, body: { credentials: creds }, accept: [404] });
}

/** Creates a folder in the guest with its parents (Vcenter Vm Guest Filesystem Directories create). */
export async function makeGuestDirectory(s: VsphereSession, vm: string, creds: GuestCredentials, path: string): Promise<void> {
  try {
    await s.post(guestPath(vm, '/filesystem/directories'), { credentials: creds, path, create_parents: true }, { query: { action: 'create' } });
  } catch (e) {
    // ALREADY_EXISTS is an answer here: the folder is there.
    if (!(e instanceof VsphereError && e.errorType === 'ALREADY_EXISTS')) throw e;
  }
}

/** Streams a local file to `path` in the guest (an installer may be hundreds of MB). */
export async function putGuestFileFromDisk(s: VsphereSession, vm: string, creds: GuestCredentials, path: string, local: string, signal?: AbortSignal): Promise<void> {
  const { createReadStream, promises: fs } = await import('node:fs');
  const size = (await fs.stat(local)).size;
  const raw = await s.post<string>(
    guestPath(vm, '/filesystem'),
    { credentials: creds, spec: { path, attributes: { overwrite: true, size } } },
    { query: { action: 'create' }, idempotent: true },
  );
  const url = transferUrl(s, raw);
  const what = `copying ${local} to ${path} in the guest`;
  const reply = await new Promise<{ status: number; body: Buffer; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const req = https.request(url, { method: 'PUT', agent: s.transport.agent, signal, headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
      res.on('error', reject);
    });
    req.setTimeout(s.transport.timeoutMs, () => req.destroy(Object.assign(new Error('the copy stalled'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    const input = createReadStream(local);
    input.on('error', (e) => req.destroy(e));
    req.on('close', () => input.destroy());
    input.pipe(req);
  }).catch((e) => {
    throw transferError(e, what, url);
  });
  if (reply.status < 200 || reply.status >= 300) throw statusError(what, reply);
}
