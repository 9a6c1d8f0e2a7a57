/**
 * Guest operations (vSphere Automation API 7.0U2+), run against a scripted guest:
 *   POST /api/vcenter/vm/{vm}/guest/processes?action=create  { credentials, spec: { path, arguments } } → 201 pid
 *   POST /api/vcenter/vm/{vm}/guest/processes/{pid}?action=get { credentials }
 *        → { name, owner, command, started, finished?, exit_code? }
 *   POST /api/vcenter/vm/{vm}/guest/processes?action=list { credentials } → [{ name, pid, owner, command, started }]
 *   POST /api/vcenter/vm/{vm}/guest/processes/{pid}?action=delete { credentials } → 204 (terminate)
 *   POST /api/vcenter/vm/{vm}/guest/environment?action=list { credentials, names } → { NAME: value }
 *        (the system user's environment; names [] → all of it)
 *   POST /api/vcenter/vm/{vm}/guest/filesystem/files/{path}?action=delete { credentials } → 204
 *   POST /api/vcenter/vm/{vm}/guest/filesystem/directories?action=create { credentials, path, create_parents } → 204
 *   POST /api/vcenter/vm/{vm}/guest/filesystem?action=create { credentials, spec: { path, attributes? } }
 *        → 201 "https://<host>/guestFile?id=..&token=.." ; without attributes the file is read from
 *        the guest (GET the URL), with attributes ({ size, overwrite }) it is written (PUT the URL).
 *        Each URL works once.
 * Credentials: `{ interactive_session: false, type: 'USERNAME_PASSWORD', user_name, password }`,
 * checked against `addGuestUser` (401 UNAUTHENTICATED otherwise). The VM must be powered on (400
 * NOT_ALLOWED_IN_CURRENT_STATE) with VMware Tools running (503 SERVICE_UNAVAILABLE).
 *
 * What a process does is decided by the test: `onGuestProcess(vmName | '*', handler)`, or by the
 * scripted Windows guest of windowsGuest.ts, which reads what elm uploaded.
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
  /**
   * The process restarts Windows as it ends (an installer's exit code 1641, "the installer has
   * initiated a restart", Windows Installer error codes; or Restart-Computer): the guest reboots
   * right after, and the process, like every one of the old boot, is gone from get and list.
   */
  rebootAfter?: boolean;
  /** The program path does not exist: create answers 404 NOT_FOUND. */
  notFound?: boolean;
}

export interface GuestProcessInfo {
  vm: string;
  user: string;
  workingDirectory?: string;
  /** environment_variables as sent: the process's COMPLETE environment; unset = the guest defaults. */
  environment?: Record<string, string>;
  /** The guest's system environment (what an unset environment_variables gives). */
  systemEnvironment: Record<string, string>;
  /** When the guest OS last booted (ISO 8601, UTC). */
  bootTime: string;
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
  /** environment_variables as sent (for the tests' checks; vCenter never shows them back). */
  environment?: Record<string, string>;
}

interface Proc extends GuestProcessRecord { vmId: string; boot: number }

/** A Windows Server system account's environment (what `Get-ChildItem env:` shows for SYSTEM). */
export const WINDOWS_SYSTEM_ENVIRONMENT: Record<string, string> = {
  ALLUSERSPROFILE: 'C:\\ProgramData',
  CommonProgramFiles: 'C:\\Program Files\\Common Files',
  ComSpec: 'C:\\Windows\\system32\\cmd.exe',
  NUMBER_OF_PROCESSORS: '2',
  OS: 'Windows_NT',
  Path: 'C:\\Windows\\system32;C:\\Windows;C:\\Windows\\System32\\Wbem;C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\',
  PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.VBE;.JS;.JSE;.WSF;.WSH;.MSC',
  PROCESSOR_ARCHITECTURE: 'AMD64',
  ProgramData: 'C:\\ProgramData',
  ProgramFiles: 'C:\\Program Files',
  PSModulePath: 'C:\\Windows\\system32\\WindowsPowerShell\\v1.0\\Modules\\',
  SystemDrive: 'C:',
  SystemRoot: 'C:\\Windows',
  TEMP: 'C:\\Windows\\TEMP',
  TMP: 'C:\\Windows\\TEMP',
  USERPROFILE: 'C:\\Windows\\system32\\config\\systemprofile',
  windir: 'C:\\Windows',
};

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
  /**
   * Vcenter Vm Guest Processes create: "When the process completes, its exit code and end time will
   * be available for 5 minutes after completion"; after that get answers NOT_FOUND and list omits it.
   */
  finishedTtlMs = 5 * 60_000;
  /** Guest directories created through the API (the fake keeps files in a flat map). */
  readonly directories = new Set<string>();
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

  private visibleProc(p: Proc): boolean {
    return !p.finished || Date.now() - p.finished.getTime() <= this.finishedTtlMs;
  }

  /** Checks power, Tools and the guest credentials; returns the guest user. */
  private ready(vm: VmModel, body: Record<string, unknown>): string {
    if (vm.powerState !== 'POWERED_ON') {
      throw new VapiError(400, 'NOT_ALLOWED_IN_CURRENT_STATE', `The virtual machine '${vm.id}' is not powered on.`, 'com.vmware.api.vcenter.vm.guest.not_powered_on');
    }
    if (!this.vms.toolsRunning(vm)) throw new VapiError(503, 'SERVICE_UNAVAILABLE', 'VMware Tools is not running in the virtual machine.', 'com.vmware.api.vcenter.vm.guest.tools_not_running');
    // Tools answer soft power operations before guest operations (vmRoutes.ts guestOpsStartMs).
    if (!this.vms.guestOpsReady(vm)) throw new VapiError(503, 'SERVICE_UNAVAILABLE', 'The guest operations agent is not ready in the virtual machine.', 'com.vmware.api.vcenter.vm.guest.operations_unavailable');
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
      const p = this.procs.find((x) => x.vmId === vm.id && x.boot === vm.boot && String(x.pid) === pid && this.visibleProc(x));
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
          sendJson(ctx.res, 200, this.procs.filter((p) => p.vmId === vm.id && p.boot === vm.boot && this.visibleProc(p)).map((p) => ({
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
      {
        // Vcenter Vm Guest Environment list (vSphere API 7.0.2): names is required; "If the set is
        // empty, then all the environment variables are returned" (the system user's, without
        // interactive_session).
        method: 'POST', pattern: new RegExp(`${VM}\\/environment$`), action: 'list',
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          const body = await ctx.json();
          this.ready(vm, body);
          if (!Array.isArray(body.names)) throw new VapiError(400, 'INVALID_ARGUMENT', 'names is required (an empty list reads every variable).');
          const names = (body.names as unknown[]).map(String);
          const all = WINDOWS_SYSTEM_ENVIRONMENT;
          const pick = names.length ? Object.fromEntries(Object.entries(all).filter(([k]) => names.some((n) => n.toLowerCase() === k.toLowerCase()))) : all;
          sendJson(ctx.res, 200, pick);
        },
      },
      {
        // Vcenter Vm Guest Filesystem Files delete: POST .../filesystem/files/{path}?action=delete;
        // not_found "if path is not found", invalid_argument "if path is not a file".
        method: 'POST', pattern: new RegExp(`${VM}\\/filesystem\\/files\\/(.+)$`), action: 'delete',
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          this.ready(vm, await ctx.json());
          const p = decodeURIComponent(m[2]);
          if (!getGuestFile(vm, p)) {
            if (this.directories.has(`${vm.id}:${p.toLowerCase()}`)) throw new VapiError(400, 'INVALID_ARGUMENT', `${p} is not a file.`);
            throw new VapiError(404, 'NOT_FOUND', `The file ${p} was not found in the guest.`);
          }
          vm.guestFiles.delete(guestKey(vm, p));
          sendNoContent(ctx.res);
        },
      },
      {
        // Vcenter Vm Guest Filesystem Directories create: already_exists "if path already exists".
        method: 'POST', pattern: new RegExp(`${VM}\\/filesystem\\/directories$`), action: 'create',
        handle: async (ctx, m) => {
          const vm = vmOf(m);
          const body = await ctx.json();
          this.ready(vm, body);
          const p = str(body.path);
          if (!p || !/^[A-Za-z]:[\\/]/.test(p)) throw new VapiError(400, 'INVALID_ARGUMENT', 'path must be an absolute guest path.');
          const key = `${vm.id}:${p.toLowerCase()}`;
          if (this.directories.has(key)) throw new VapiError(400, 'ALREADY_EXISTS', `The directory ${p} already exists.`);
          this.directories.add(key);
          sendNoContent(ctx.res);
        },
      },
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
    // CreateSpec.environment_variables: "A map of environment variables" (strings) that "define the
    // complete set available to the program" (Vcenter Vm Guest Processes CreateSpec).
    let env: Record<string, string> | undefined;
    if (spec?.environment_variables !== undefined) {
      const e = obj(spec.environment_variables);
      if (!e || Object.values(e).some((v) => typeof v !== 'string')) throw new VapiError(400, 'INVALID_ARGUMENT', 'spec.environment_variables must be a map of strings.');
      env = e as Record<string, string>;
    }
    const info: GuestProcessInfo = {
      vm: vm.name, user, workingDirectory: str(spec?.working_directory), environment: env,
      systemEnvironment: { ...WINDOWS_SYSTEM_ENVIRONMENT }, bootTime: (vm.bootTime ?? new Date()).toISOString(),
    };
    const result = (handler ? await handler(path, args, this.filesView(vm), info) : undefined) ?? {};
    if (result.notFound) throw new VapiError(404, 'NOT_FOUND', `The program '${path}' does not exist in the guest.`);
    const proc: Proc = { pid: this.nextPid++, vm: vm.name, vmId: vm.id, boot: vm.boot, path, args, user, started: new Date(), environment: env };
    this.procs.push(proc);
    const finish = () => {
      if (vm.boot !== proc.boot || vm.powerState !== 'POWERED_ON' || proc.finished) return; // the guest went down first
      for (const [p, c] of Object.entries(result.writeFiles ?? {})) setGuestFile(vm, p, c);
      proc.exitCode = result.exitCode ?? 0;
      proc.finished = new Date();
      if (result.powerOff) this.vms.guestPowerOff(vm, result.powerOffAfterMs, false);
      if (result.rebootAfter) this.vms.guestReboot(vm);
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
