/**
 * The vCenter fake: one HTTPS server (a throw-away CA, trusted by spawned processes through
 * `NODE_EXTRA_CA_CERTS=<caCertPath>`) that answers the vSphere Automation REST API under /api,
 * datastore file access under /folder, and guest file transfers under /guestFile. It records every
 * request and injects faults. State lives in memory, datastore bytes in a temp dir.
 */
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { testCerts } from '../azure/certs';
import { CisTasks } from './cisTasks';
import { DatastoreFileEntry, DatastoreFiles } from './datastoreFiles';
import { DropSpec, FailSpec, Faults, HoldSpec } from './faults';
import { GuestFilesView, GuestOps, GuestProcessHandler, GuestProcessRecord } from './guestOps';
import { Ctx, Route, VapiError, errorTypeForStatus, readRaw, sendJson, vapiErrorBody } from './http';
import { DatastoreSpec, FolderSpec, HostSpec, Inventory, NetworkSpec } from './inventory';
import { AboutSpec, aboutOf, handleSoap, htmlNotFound, servesApi } from './serviceContent';
import { SOAP_COOKIE, Sessions, unauthenticated } from './session';
import { consolidate, takeSnapshot } from './snapshots';
import { PowerState, VmSpec, VmStore, VmView } from './vmRoutes';

export interface InventorySpec {
  datacenters?: string[];
  /** Strings are names in the first datacenter. */
  datastores?: (string | DatastoreSpec)[];
  hosts?: (string | HostSpec)[];
  networks?: (string | NetworkSpec)[];
  /** VM folders unless `type` says otherwise. */
  folders?: (string | FolderSpec)[];
  /** Clone sources: kind 'vm' (default, a powered-off VM) or 'library' (content library VM template). */
  templates?: (string | VmSpec)[];
  /** Pre-existing VMs. */
  vms?: VmSpec[];
}

export interface VCenterFakeOptions {
  /** vCenter (SSO) users: name → password. */
  users?: Record<string, string>;
  /** Guest OS users valid in every VM: name → password. */
  guestUsers?: Record<string, string>;
  inventory?: InventorySpec;
  /** Default 0: any free port. */
  port?: number;
  /** Delay between power-on and VMware Tools running. Default 0. */
  toolsStartMs?: number;
  /** Delay between VMware Tools running and guest operations being served (guest/operations ready). Default 0. */
  guestOpsStartMs?: number;
  /** Delay between a guest shutdown request and POWERED_OFF. Default 50. */
  guestShutdownMs?: number;
  /** Power on VMs whose disks are hosted VMDK types (monolithicSparse, streamOptimized...). Default false, as ESXi. */
  acceptHostedDisks?: boolean;
  /** What the server is (RetrieveServiceContent on /sdk): default vCenter 8.0.2. An ESXi host or a vCenter before 7.0.2 serves no /api. */
  about?: AboutSpec;
  /**
   * The ESXi host's certificate for guest file transfers: 'trusted' (default, signed by the CA
   * tests trust) or 'untrusted' (another CA: what a client sees before it trusts the host).
   */
  esxiCertificate?: 'trusted' | 'untrusted';
  /** Items a list call answers at most (default 1000, vCenter's limit; see inventory.ts LIST_LIMIT). */
  listLimit?: number;
  /** How long a finished guest process stays visible to get/list (default 5 min, as documented). */
  finishedProcessTtlMs?: number;
}

export interface RecordedRequest {
  method: string;
  /** pathname + search */
  url: string;
  path: string;
  /** Which address the request reached: vCenter, or the ESXi host (guest file transfers). */
  listener: 'vcenter' | 'esxi';
  /** Unset when the connection was dropped before a response. */
  status?: number;
  fault?: 'fail' | 'drop' | 'hold';
  /** The parsed JSON body of /api requests (credentials included, as sent). */
  body?: unknown;
  user?: string;
  /** Request headers as received (lower-case names). */
  headers: IncomingHttpHeaders;
  at: Date;
}

export class VCenterFake {
  readonly requests: RecordedRequest[] = [];
  readonly caCertPath: string;
  readonly caPem: string;
  readonly storageDir: string;
  /** vCenter tasks (clone with vmw-task=true): hold() keeps clones and deploys running until release(). */
  readonly tasks = new CisTasks();
  private readonly sessions = new Sessions();
  private readonly faults = new Faults();
  private readonly heldAnswers: (() => void)[] = [];
  private readonly inv = new Inventory();
  private readonly files: DatastoreFiles;
  private readonly store: VmStore;
  private readonly guest: GuestOps;
  private readonly routes: Route[];
  private server?: https.Server;
  private portNo = 0;
  /** The ESXi host: guest file transfer URLs point at it, not at vCenter (second address, own port). */
  private esxi?: https.Server;
  private esxiPortNo = 0;

  constructor(private readonly options: VCenterFakeOptions = {}) {
    const certs = testCerts();
    this.caCertPath = certs.caCertPath;
    this.caPem = certs.caPem;
    this.storageDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-vcenter-fake-'));
    this.files = new DatastoreFiles(this.storageDir, this.inv);
    this.store = new VmStore(this.inv, this.files, {
      toolsStartMs: options.toolsStartMs ?? 0,
      guestShutdownMs: options.guestShutdownMs ?? 50,
      guestOpsStartMs: options.guestOpsStartMs ?? 0,
      apiVersion: aboutOf(options.about).apiVersion,
      acceptHostedDisks: options.acceptHostedDisks ?? false,
    }, this.tasks);
    this.guest = new GuestOps(this.store, () => this.esxiUrl);
    if (options.finishedProcessTtlMs !== undefined) this.guest.finishedTtlMs = options.finishedProcessTtlMs;
    this.routes = [...this.sessions.routes(), ...this.inv.routes(), ...this.store.routes(), ...this.guest.routes(), ...this.tasks.routes()];
    for (const [u, p] of Object.entries(options.users ?? {})) this.addUser(u, p);
    for (const [u, p] of Object.entries(options.guestUsers ?? {})) this.addGuestUser(u, p);
    if (options.inventory) this.inventory(options.inventory);
    if (options.listLimit !== undefined) this.inv.listLimit = options.listLimit;
  }

  async start(): Promise<this> {
    const certs = testCerts();
    this.server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => void this.onRequest(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.portNo = (this.server.address() as AddressInfo).port;
    // vSphere Web Services, GuestFileManager InitiateFileTransferToGuest/FromGuest: the URL is on the
    // ESXi host running the VM (vCenter does not relay it), so a client needs that host reachable on
    // its port and its certificate trusted. Served under the name `localhost`, apart from vCenter's 127.0.0.1.
    const esxiCerts = this.options.esxiCertificate === 'untrusted' ? testCerts(path.join(os.tmpdir(), 'elm-esxi-untrusted-certs-v1')) : certs;
    this.esxi = https.createServer({ cert: esxiCerts.certPem, key: esxiCerts.keyPem }, (req, res) => void this.onRequest(req, res, 'esxi'));
    await new Promise<void>((resolve, reject) => {
      this.esxi!.once('error', reject);
      this.esxi!.listen(0, '127.0.0.1', () => resolve());
    });
    this.esxiPortNo = (this.esxi.address() as AddressInfo).port;
    return this;
  }

  /** `https://localhost:<port>`: the ESXi host the guest file transfer URLs name. */
  get esxiUrl(): string {
    return `https://localhost:${this.esxiPortNo}`;
  }

  /** `https://127.0.0.1:<port>` */
  get url(): string {
    return `https://127.0.0.1:${this.portNo}`;
  }

  /** `127.0.0.1:<port>` (what `--server` takes). */
  get host(): string {
    return `127.0.0.1:${this.portNo}`;
  }

  get port(): number {
    return this.portNo;
  }

  async stop(): Promise<void> {
    this.store.stop();
    for (const server of [this.server, this.esxi]) {
      if (!server) continue;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    this.server = undefined;
    this.esxi = undefined;
    fs.rmSync(this.storageDir, { recursive: true, force: true });
  }

  // ---- setup -------------------------------------------------------------------------------

  addUser(user: string, password: string): void {
    this.sessions.addUser(user, password);
  }

  /** A guest OS account, valid in `vmName` (default: every VM). */
  addGuestUser(user: string, password: string, vmName = '*'): void {
    this.guest.addGuestUser(user, password, vmName);
  }

  /** Adds to the inventory (call it again to add more). Datacenters first, then the rest. */
  inventory(spec: InventorySpec): void {
    for (const dc of spec.datacenters ?? []) this.inv.addDatacenter(dc);
    const named = <T extends { name: string }>(x: string | T) => (typeof x === 'string' ? ({ name: x } as T) : x);
    for (const d of spec.datastores ?? []) this.inv.addDatastore(named<DatastoreSpec>(d));
    for (const h of spec.hosts ?? []) this.inv.addHost(named<HostSpec>(h));
    for (const n of spec.networks ?? []) this.inv.addNetwork(named<NetworkSpec>(n));
    for (const f of spec.folders ?? []) this.inv.addFolder(named<FolderSpec>(f));
    for (const t of spec.templates ?? []) {
      const s = named<VmSpec>(t);
      this.store.addFromSpec({ ...s, kind: s.kind ?? 'vm', powerState: s.powerState ?? 'POWERED_OFF' });
    }
    for (const v of spec.vms ?? []) this.store.addFromSpec(v);
  }

  /** A content library (LOCAL on the first datastore unless said otherwise); returns its id. */
  addLibrary(name: string, type: 'LOCAL' | 'SUBSCRIBED' = 'LOCAL'): string {
    return this.inv.addLibrary(name, type).id;
  }

  /** The content library items, with the library's name and the files of the VM template each holds. */
  libraryItems(): { id: string; name: string; library: string; description?: string; disks: string[] }[] {
    return this.inv.libraryItems.map((i) => ({
      id: i.id, name: i.name, library: this.inv.libraries.find((l) => l.id === i.libraryId)?.name ?? i.libraryId, description: i.description,
      disks: this.store.byId(i.sourceVm)?.disks.map((d) => d.vmdkFile) ?? [],
    }));
  }

  /** Decides what a guest process does in `vmName` ('*': any VM without its own handler). */
  onGuestProcess(vmName: string, handler: GuestProcessHandler): void {
    this.guest.onGuestProcess(vmName, handler);
  }

  /** Puts a file on a datastore (test setup), e.g. a template's disk. Returns the local path. */
  putDatastoreFile(datacenter: string, datastore: string, relPath: string, content: Buffer | string | { fromFile: string }): string {
    return this.files.put(datacenter, datastore, relPath, content);
  }

  // ---- faults ------------------------------------------------------------------------------

  fail(spec: FailSpec): void {
    this.faults.fail(spec);
  }

  drop(spec: DropSpec): void {
    this.faults.drop(spec);
  }

  /**
   * The matching request is carried out, but its answer is held back until releaseAnswers(): what
   * a client sees when it is killed (or its connection lost) while vCenter finishes its request.
   */
  holdAnswer(spec: HoldSpec): void {
    this.faults.hold(spec);
  }

  /** Sends the answers holdAnswer kept back (to a client that may be gone). */
  releaseAnswers(): void {
    for (const send of this.heldAnswers.splice(0)) send();
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Forget every API session (idle timeout, vCenter restart): clients must log in again. */
  expireSessions(): void {
    this.sessions.expireAll();
  }

  // ---- inspection --------------------------------------------------------------------------

  vms(): VmView[] {
    return this.store.vms.map((v) => this.store.view(v));
  }

  vm(name: string): VmView | undefined {
    const v = this.store.byName(name);
    return v && this.store.view(v);
  }

  /** Power state change done outside the API (the operator shuts the machine down, say). */
  setPowerState(vmName: string, state: PowerState): void {
    const v = this.store.byName(vmName);
    if (!v) throw new Error(`vcenter fake: no VM ${vmName}`);
    this.store.setPowerState(v, state);
  }

  /** The operator takes a snapshot of the VM (vSphere Client): its disks move to delta children (snapshots.ts). */
  takeSnapshot(vmName: string): void {
    takeSnapshot(this.files, this.vmModel(vmName));
  }

  /** The operator deletes all snapshots (or consolidates): the disks are backed by their base files again. */
  deleteAllSnapshots(vmName: string): void {
    consolidate(this.files, this.vmModel(vmName));
  }

  private vmModel(vmName: string) {
    const v = this.store.byName(vmName);
    if (!v) throw new Error(`vcenter fake: no VM ${vmName}`);
    return v;
  }

  /** The guest filesystem of a VM (read or seed files). */
  guestFiles(vmName: string): GuestFilesView {
    const v = this.store.byName(vmName);
    if (!v) throw new Error(`vcenter fake: no VM ${vmName}`);
    return this.guest.filesView(v);
  }

  guestProcesses(): GuestProcessRecord[] {
    return this.guest.processes();
  }

  datastoreFiles(): DatastoreFileEntry[] {
    return this.files.list();
  }

  sessionCount(): number {
    return this.sessions.count();
  }

  // ---- request handling --------------------------------------------------------------------

  private async onRequest(req: IncomingMessage, res: ServerResponse, listener: 'vcenter' | 'esxi' = 'vcenter'): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const rec: RecordedRequest = { method, url: url.pathname + url.search, path: url.pathname, listener, headers: req.headers, at: new Date() };
    this.requests.push(rec);
    res.on('finish', () => {
      rec.status = res.statusCode;
    });
    req.on('error', () => undefined);
    res.on('error', () => undefined);

    const fault = this.faults.take(method, url.pathname, url.search);
    if (fault?.kind === 'drop') {
      rec.fault = 'drop';
      const limit = fault.afterBytes;
      const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
      if (limit === undefined) {
        req.socket.destroy();
        return;
      }
      if (hasBody) {
        let seen = 0;
        req.on('data', (chunk: Buffer) => {
          seen += chunk.length;
          if (seen >= limit) req.socket.destroy();
        });
      } else {
        cutResponse(res, limit);
      }
    } else if (fault?.kind === 'hold') {
      rec.fault = 'hold';
      // The route runs as usual; only the end of its answer waits (headers go out with it).
      const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
      res.end = ((...a: unknown[]) => {
        this.heldAnswers.push(() => end(...a));
        return res;
      }) as typeof res.end;
    } else if (fault?.kind === 'fail') {
      rec.fault = 'fail';
      req.resume();
      req.on('end', () => {
        const isApi = url.pathname.startsWith('/api/');
        const body = fault.body ?? (isApi ? vapiErrorBody(errorTypeForStatus(fault.status), `injected fault: HTTP ${fault.status}`) : `injected fault: HTTP ${fault.status}`);
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        res.writeHead(fault.status, {
          'content-type': typeof body === 'string' ? 'text/plain' : 'application/json',
          'content-length': String(Buffer.byteLength(text)),
          ...(fault.headers ?? {}),
        });
        res.end(text);
      });
      return;
    }

    try {
      if (listener === 'esxi') await this.dispatchEsxi(req, res, url);
      else await this.dispatch(req, res, url, method, rec);
    } catch (e) {
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      if (e instanceof VapiError) {
        const extra: Record<string, string> = e.status === 401 && e.messageId.startsWith('com.vmware.vapi.endpoint')
          ? { 'www-authenticate': 'Basic realm="VAPI endpoint"' } : {};
        sendJson(res, e.status, vapiErrorBody(e.errorType, e.message, e.messageId), extra);
      } else {
        sendJson(res, 500, vapiErrorBody('INTERNAL_SERVER_ERROR', `vcenter fake: ${(e as Error).message}`));
      }
    }
  }

  /** The ESXi host serves guest file transfers here (and nothing else the tests need). */
  private async dispatchEsxi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/guestFile') return this.guest.handleTransfer(req, res, url);
    req.resume();
    return htmlNotFound(res);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, url: URL, method: string, rec: RecordedRequest): Promise<void> {
    const p = url.pathname;
    if (p === '/sdk') return handleSoap(req, res, this.options.about);
    if (p.startsWith('/api/') && !servesApi(this.options.about)) {
      req.resume();
      return htmlNotFound(res);
    }
    // vCenter does not relay guest file transfers: they go to the ESXi host (dispatchEsxi).
    if (p === '/guestFile') {
      req.resume();
      return htmlNotFound(res);
    }
    if (p === '/folder' || p.startsWith('/folder/')) {
      const s = this.sessions.forDatastore(req);
      if (!s) {
        req.resume();
        const text = 'authentication required (vmware-api-session-id header, vmware_soap_session cookie or Basic)';
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="VMware HTTP server"', 'content-length': String(text.length) });
        res.end(text);
        return;
      }
      rec.user = s.user;
      if (s.id) res.setHeader('set-cookie', `${SOAP_COOKIE}="${s.id}"; Path=/; HttpOnly; Secure`);
      return this.files.handle(req, res, url);
    }
    if (!p.startsWith('/api/')) {
      req.resume();
      return sendJson(res, 404, vapiErrorBody('NOT_FOUND', `No such resource: ${p}`));
    }
    const action = url.searchParams.get('action') ?? undefined;
    const isLogin = method === 'POST' && p === '/api/session' && !action;
    const session = isLogin ? { id: '', user: '' } : this.sessions.fromHeader(req);
    if (!session) {
      req.resume();
      throw unauthenticated();
    }
    rec.user = session.user || undefined;
    const onPath = this.routes.filter((r) => r.method === method && r.pattern.test(p));
    const route = onPath.find((r) => r.action === action);
    if (!route) {
      req.resume();
      const what = onPath.length ? `action '${action ?? '(none)'}'` : 'route';
      throw new VapiError(404, 'OPERATION_NOT_FOUND', `Operation not found: no ${what} for ${method} ${p}.`);
    }
    let parsed: Record<string, unknown> | undefined;
    const ctx: Ctx = {
      req, res, url, method, user: session.user, sessionId: session.id,
      json: async <T>() => {
        if (!parsed) {
          const raw = await readRaw(req);
          try {
            parsed = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {};
          } catch {
            throw new VapiError(400, 'INVALID_REQUEST', 'The request body is not valid JSON.');
          }
          rec.body = parsed;
        }
        return parsed as T;
      },
    };
    await route.handle(ctx, p.match(route.pattern)!);
  }
}

/** Lets `limit` response body bytes out, then destroys the connection. */
function cutResponse(res: ServerResponse, limit: number): void {
  let sent = 0;
  let cut = false;
  const write = res.write.bind(res) as (chunk: Buffer, cb?: () => void) => boolean;
  const end = res.end.bind(res) as (chunk?: Buffer) => ServerResponse;
  const pass = (chunk: unknown): boolean => {
    if (cut) return false;
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array);
    if (sent + buf.length < limit) {
      sent += buf.length;
      return write(buf);
    }
    cut = true;
    write(buf.subarray(0, limit - sent), () => res.socket?.destroy());
    sent = limit;
    return false;
  };
  res.write = ((chunk: unknown) => pass(chunk)) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    if (chunk !== undefined && typeof chunk !== 'function') pass(chunk);
    if (!cut) end();
    return res;
  }) as typeof res.end;
}

export async function startVCenterFake(options: VCenterFakeOptions = {}): Promise<VCenterFake> {
  return new VCenterFake(options).start();
}
