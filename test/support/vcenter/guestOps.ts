/**
 * Guest operations (vSphere Automation API 7.0U2+), run against a scripted guest:
 *   POST /api/vcenter/vm/{vm}/guest/processes?action=create  { credentials, spec: { path, arguments } } → 201 pid
 *   POST /api/vcenter/vm/{vm}/guest/processes/{pid}?action=get { credentials }
 *        → { name, owner, command, started, finished?, exit_code? }
 *   POST /api/vcenter/vm/{vm}/guest/processes?action=list { credentials } → [{ name, pid, owner, command, started }]
 *   POST /api/vcenter/vm/{vm}/guest/processes/{pid}?action=delete { credentials } → 204 (terminate)
 *   POST /api/vcenter/vm/{vm}/guest/filesystem?action=create { credentials, spec: { path, attributes? } }
 *        → 201 "https://<host>/guestFile?id=..&token=.." ; without attributes the file is read from
 *        the guest (GET the URL), with attributes ({ size, overwrite }) it is written (PUT the URL).
 *        Each URL works once.
 * Credentials: `{ interactive_session: false, type: 'USERNAME_PASSWORD', user_name, password }`,
 * checked against `addGuestUser` (401 UNAUTHENTICATED otherwise). The VM must be powered on (400
 * NOT_ALLOWED_IN_CURRENT_STATE) with VMware Tools running (503 SERVICE_UNAVAILABLE).
 *
 * What a process does is decided by the test: `onGuestProcess(vmName | '*', handler)`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ctx, Route, VapiError, obj, readRaw, sendJson, sendNoContent, str } from './http';
import { VmModel, VmStore, getGuestFile, guestKey, isWindows, setGuestFile } from './vmRoutes';

/** The guest filesystem as a process handler sees it. Windows paths are case-insensitive. */
export interface GuestFilesView {
  get(path: string): Buffer | undefined;
  text(path: string): string | undefined;
  has(path: string): boolean;
  list(): string[];
  set(path: string, content: string | Buffer): void;
  delete(path: string): void;
}

export interface GuestProcessResult {
  /** Default 0. */
  exitCode?: number;
  /** Files the process writes (path → content), visible once it has finished. */
  writeFiles?: Record<string, string | Buffer>;
  /** The process shuts the guest down when it ends (e.g. `ShutdownForFinalize.ps1 -Shutdown`). */
  powerOff?: boolean;
  /**
   * Delay between the end of the process and POWERED_OFF (default: the fake's guestShutdownMs).
   * The guest keeps answering guest operations until then (a client can still fetch the report).
   */
  powerOffAfterMs?: number;
  /** How long the process runs before it finishes (default 0). */
  runMs?: number;
  /** The program path does not exist: create answers 404 NOT_FOUND. */
  notFound?: boolean;
}

export interface GuestProcessInfo {
  vm: string;
  user: string;
  workingDirectory?: string;
  environment?: Record<string, string>;
}

export type GuestProcessHandler = (
  path: string,
  args: string,
  files: GuestFilesView,
  info: GuestProcessInfo,
) => GuestProcessResult | void | Promise<GuestProcessResult | void>;

export interface GuestProcessRecord {
  pid: number;
  vm: string;
  path: string;
  args: string;
  user: string;
  started: Date;
  finished?: Date;
  exitCode?: number;
}

interface Proc extends GuestProcessRecord { vmId: string; boot: number }

interface Transfer {
  id: string;
  token: string;
  vmId: string;
  boot: number;
  path: string;
  upload?: { size: number };
}

export class GuestOps {
  private users: { vm: string; user: string; password: string }[] = [];
  private handlers = new Map<string, GuestProcessHandler>();
  private procs: Proc[] = [];
  private transfers = new Map<string, Transfer>();
  private nextPid = 4100;
  private nextTransfer = 1;

  constructor(private readonly vms: VmStore, private readonly baseUrl: () => string) {}

  addGuestUser(user: string, password: string, vmName = '*'): void {
    this.users.push({ vm: vmName, user, password });
  }

  onGuestProcess(vmName: string, handler: GuestProcessHandler): void {
    this.handlers.set(vmName, handler);
  }

  processes(): GuestProcessRecord[] {
    return this.procs.map(({ vmId: _v, boot: _b, ...p }) => ({ ...p }));
  }

  filesView(vm: VmModel): GuestFilesView {
    return {
      get: (p) => getGuestFile(vm, p),
      text: (p) => getGuestFile(vm, p)?.toString('utf8'),
      has: (p) => vm.guestFiles.has(guestKey(vm, p)),
      list: () => [...vm.guestFiles.values()].map((f) => f.path),
      set: (p, c) => setGuestFile(vm, p, c),
      delete: (p) => void vm.guestFiles.delete(guestKey(vm, p)),
    };
  }

  /** Checks power, Tools and the guest credentials; returns the guest user. */
  private ready(vm: VmModel, body: Record<string, unknown>): string {
    if (vm.powerState !== 'POWERED_ON') {
      throw new VapiError(400, 'NOT_ALLOWED_IN_CURRENT_STATE', `The virtual machine '${vm.id}' is not powered on.`, 'com.vmware.api.vcenter.vm.guest.not_powered_on');
    }
    if (!this.vms.toolsRunning(vm)) throw new VapiError(503, 'SERVICE_UNAVAILABLE', 'VMware Tools is not running in the virtual machine.', 'com.vmware.api.vcenter.vm.guest.tools_not_running');
    const c = obj(body.credentials);
    if (!c || str(c.type) !== 'USERNAME_PASSWORD' || !str(c.user_name) || typeof c.password !== 'string') {
      throw new VapiError(400, 'INVALID_ARGUMENT', "credentials must be { interactive_session: false, type: 'USERNAME_PASSWORD', user_name, password }.");
    }
    const user = str(c.user_name)!;
    const sameUser = (a: string) => (isWindows(vm) ? a.toLowerCase() === user.toLowerCase() : a === user);
    const ok = this.users.some((u) => (u.vm === '*' || u.vm === vm.name) && sameUser(u.user) && u.password === c.password);
    if (!ok) {
      throw new VapiError(401, 'UNAUTHENTICATED', 'Failed to authenticate with the guest operating system using the supplied credentials.', 'com.vmware.api.vcenter.vm.guest.credentials.invalid');
    }
    return user;
  }

  routes(): Route[] {
    const VM = '^\\/api\\/vcenter\\/vm\\/([^/]+)\\/guest';
    const vmOf = (m: RegExpMatchArray) => this.vms.visible(decodeURIComponent(m[1]));
    const procOf = (vm: VmModel, pid: string) => {
      const p = this.procs.find((x) => x.vmId === vm.id && x.boot === vm.boot && String(x.pid) === pid);
      if (!p) throw new VapiError(404, 'NOT_FOUND', `Process ${pid} was not found.`);
      return p;
    };
    return [
      { method: 'POST', pattern: new RegExp(`${VM}\\/processes$`), action: 'create', handle: (ctx, m) => this.create(ctx, vmOf(m)) },
      {
        method: 'POST', pattern: new RegExp(`${VM}\\/processes\\/([^/]+)$`), action: 'get',
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          this.ready(vm, await ctx.json());
          const p = procOf(vm, m[2]);
          sendJson(ctx.res, 200, {
            name: baseName(p.path), owner: p.user, command: `"${p.path}" ${p.args}`.trim(), started: p.started.toISOString(),
            ...(p.finished ? { finished: p.finished.toISOString(), exit_code: p.exitCode } : {}),
          });
        },
      },
      {
        method: 'POST', pattern: new RegExp(`${VM}\\/processes$`), action: 'list',
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          this.ready(vm, await ctx.json());
          sendJson(ctx.res, 200, this.procs.filter((p) => p.vmId === vm.id && p.boot === vm.boot).map((p) => ({
            name: baseName(p.path), pid: p.pid, owner: p.user, command: `"${p.path}" ${p.args}`.trim(), started: p.started.toISOString(),
          })));
        },
      },
      {
        method: 'POST', pattern: new RegExp(`${VM}\\/processes\\/([^/]+)$`), action: 'delete',
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          this.ready(vm, await ctx.json());
          const p = procOf(vm, m[2]);
          if (p.finished) throw new VapiError(404, 'NOT_FOUND', `Process ${p.pid} is not running.`);
          p.finished = new Date();
          p.exitCode = 1;
          sendNoContent(ctx.res);
        },
      },
      {
        method: 'GET', pattern: new RegExp(`${VM}\\/processes\\/([^/]+)$`),
        handle: () => {
          throw new VapiError(404, 'OPERATION_NOT_FOUND', 'Operation not found: read a guest process with POST .../guest/processes/{pid}?action=get and the credentials in the body.');
        },
      },
      { method: 'POST', pattern: new RegExp(`${VM}\\/filesystem$`), action: 'create', handle: (ctx, m) => this.createTransfer(ctx, vmOf(m)) },
    ];
  }

  private async create(ctx: Ctx, vm: VmModel): Promise<void> {
    const body = await ctx.json();
    const user = this.ready(vm, body);
    const spec = obj(body.spec);
    const path = str(spec?.path);
    if (!path) throw new VapiError(400, 'INVALID_ARGUMENT', 'spec.path is required.');
    const args = str(spec?.arguments) ?? '';
    const handler = this.handlers.get(vm.name) ?? this.handlers.get('*');
    const env = obj(spec?.environment_variables) as Record<string, string> | undefined;
    const result = (handler ? await handler(path, args, this.filesView(vm), { vm: vm.name, user, workingDirectory: str(spec?.working_directory), environment: env }) : undefined) ?? {};
    if (result.notFound) throw new VapiError(404, 'NOT_FOUND', `The program '${path}' does not exist in the guest.`);
    const proc: Proc = { pid: this.nextPid++, vm: vm.name, vmId: vm.id, boot: vm.boot, path, args, user, started: new Date() };
    this.procs.push(proc);
    const finish = () => {
      if (vm.boot !== proc.boot || vm.powerState !== 'POWERED_ON' || proc.finished) return; // the guest went down first
      for (const [p, c] of Object.entries(result.writeFiles ?? {})) setGuestFile(vm, p, c);
      proc.exitCode = result.exitCode ?? 0;
      proc.finished = new Date();
      if (result.powerOff) this.vms.guestPowerOff(vm, result.powerOffAfterMs, false);
    };
    if (result.runMs && result.runMs > 0) this.vms.schedule(result.runMs, finish);
    else finish();
    sendJson(ctx.res, 201, proc.pid);
  }

  private async createTransfer(ctx: Ctx, vm: VmModel): Promise<void> {
    const body = await ctx.json();
    this.ready(vm, body);
    const spec = obj(body.spec);
    const path = str(spec?.path);
    if (!path) throw new VapiError(400, 'INVALID_ARGUMENT', 'spec.path is required.');
    if (!/^([A-Za-z]:[\\/]|\/|\\\\)/.test(path)) throw new VapiError(400, 'INVALID_ARGUMENT', `spec.path must be an absolute guest path: ${path}`);
    const attributes = obj(spec?.attributes);
    const t: Transfer = { id: String(this.nextTransfer++), token: randomBytes(12).toString('hex'), vmId: vm.id, boot: vm.boot, path };
    if (attributes) {
      if (typeof attributes.size !== 'number') throw new VapiError(400, 'INVALID_ARGUMENT', 'spec.attributes.size is required to transfer a file into the guest.');
      if (getGuestFile(vm, path) && attributes.overwrite !== true) {
        throw new VapiError(400, 'ALREADY_EXISTS', `The file ${path} already exists in the guest (set attributes.overwrite).`);
      }
      t.upload = { size: attributes.size };
    } else if (!getGuestFile(vm, path)) {
      throw new VapiError(404, 'NOT_FOUND', `The file ${path} was not found in the guest.`);
    }
    this.transfers.set(t.id, t);
    sendJson(ctx.res, 201, `${this.baseUrl()}/guestFile?id=${t.id}&token=${t.token}`);
  }

  /** The ESXi-side /guestFile endpoint the transfer URLs point at (no session; the token is the key). */
  async handleTransfer(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const plain = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(text)) });
      res.end(text);
    };
    const t = this.transfers.get(url.searchParams.get('id') ?? '');
    if (!t || t.token !== url.searchParams.get('token')) {
      req.resume();
      return plain(404, 'unknown or used transfer');
    }
    const vm = this.vms.byId(t.vmId);
    if (!vm || vm.boot !== t.boot || vm.powerState !== 'POWERED_ON') {
      req.resume();
      return plain(500, 'the virtual machine was powered off or removed');
    }
    if (t.upload) {
      if (req.method !== 'PUT') {
        req.resume();
        return plain(405, 'this transfer takes a PUT');
      }
      this.transfers.delete(t.id);
      const data = await readRaw(req, 256 * 1024 * 1024);
      if (data.length !== t.upload.size) return plain(400, `expected ${t.upload.size} bytes, got ${data.length}`);
      setGuestFile(vm, t.path, data);
      return plain(200, '');
    }
    if (req.method !== 'GET') {
      req.resume();
      return plain(405, 'this transfer takes a GET');
    }
    this.transfers.delete(t.id);
    const content = getGuestFile(vm, t.path) ?? Buffer.alloc(0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(content.length) });
    res.end(content);
  }
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}
