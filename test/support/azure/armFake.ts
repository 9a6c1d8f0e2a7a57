/**
 * A local HTTPS fake of Azure Resource Manager and of the Microsoft Entra token endpoint, for
 * tests that drive the real Azure SDKs (there is no ARM emulator). One server, both roles:
 * point `authorityHost` (with disableInstanceDiscovery) and the ARM clients' `endpoint` at
 * `fake.url`, and trust `fake.caCertPath`. See the route modules under arm/ for what it answers.
 *
 *   const fake = await startArmFake({ azurite });
 *   fake.addClient('app', 'secret'); fake.addResourceGroup('rg', 'westeurope');
 *   …; fake.inventory(); fake.requests; await fake.stop();
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { galleryRoutes } from './arm/galleries';
import { apiVersionOf } from './arm/common';
import { checkRequestApiVersion } from './arm/apiVersions';
import { authenticate } from './arm/auth';
import { deploymentBody, deploymentRoutes } from './arm/deployments';
import { DISK_TYPE, diskRoutes } from './arm/disks';
import { genericRoutes } from './arm/generic';
import { makeVnet, networkRoutes } from './arm/network';
import { operationRoutes } from './arm/operations';
import { computeCatalogRoutes, type ComputeCatalog } from './arm/computeCatalog';
import { publicAccessRoutes } from './arm/publicAccess';
import type { RunCommandHandler, RunCommandRecord } from './arm/runCommand';
import { managedRunCommandRoutes, RUN_COMMAND_TYPE, type ManagedRunCommandRecord } from './arm/managedRunCommands';
import { makeStorageAccount, StorageAccountOptions, storageRoutes } from './arm/storage';
import { subscriptionRoutes } from './arm/subscriptions';
import { templateSpecRoutes, templateSpecVersionId } from './arm/templateSpecs';
import { VM_TYPE, virtualMachineRoutes } from './arm/virtualMachines';
import { MANAGED_DISKS_CONTAINER, StorageConnection } from './blobs';
import { testCerts } from './certs';
import { FakeCloud } from './cloud';
import { ArmError, defaultCodeForStatus } from './errors';
import type { DropFault, FailFault, OperationFault, PathMatcher } from './faults';
import { FakeRequest, FakeResponse, Router } from './http';
import { identityRouter, isIdentityPath } from './identity';
import type { InventoryItem, PowerState, ResourceGroup } from './inventory';
import type { LroConfig } from './lro';
import { makeAccessToken } from './tokens';

export interface ArmFakeOptions {
  subscriptionId?: string;
  tenantId?: string;
  /** The Azurite account managed disks live in (needed for disks and storage accounts). */
  azurite?: StorageConnection;
  /** Registered app registrations (client credentials). */
  clients?: Array<{ clientId: string; secret: string }>;
  /** Polls before an operation completes (default 1) and the Retry-After it advertises (default 0). */
  lro?: Partial<LroConfig>;
  /** Lifetime of issued access tokens (default 3599 s). */
  tokenLifetimeSeconds?: number;
}

export interface RequestLogEntry {
  kind: 'identity' | 'arm';
  method: string;
  /** Decoded URL path, without the query. */
  path: string;
  query: Record<string, string>;
  /** 0 when the connection was dropped. */
  status: number;
  fault?: 'fail' | 'drop';
  at: number;
}

export interface ArmFake {
  /** https://127.0.0.1:PORT — ARM endpoint and authority host. */
  readonly url: string;
  readonly caCertPath: string;
  readonly caPem: string;
  readonly subscriptionId: string;
  readonly tenantId: string;
  /** Every request, in order (identity and ARM, polls included). */
  readonly requests: RequestLogEntry[];
  /** Requests no route answered (404/405): the fake lacks something the client needs. */
  readonly unhandled: RequestLogEntry[];
  /** Exceptions inside the fake (bugs), other than the ARM errors it answers with. */
  readonly internalErrors: Error[];
  /** Run commands received, in order. */
  readonly runCommands: RunCommandRecord[];
  /** Managed run commands started (PUT …/runCommands/{name}), in order, protectedParameters included. */
  readonly managedRunCommands: ManagedRunCommandRecord[];
  /** Managed run command resources that exist now (`vm/name`). */
  managedRunCommandNames(): string[];
  /** The files Run Command left in a VM's guest when it was last stopped: what a capture of its disk takes (arm/guestDownloads.ts). */
  guestFilesWhenStopped(vmName: string): string[] | undefined;
  /** The files Run Command has left in a VM's guest now (guestDownloads.ts). */
  guestFiles(vmName: string): string[];
  /** ARM responses whose body contains `text` (e.g. a secret that must never come back). */
  responsesContaining(text: string): RequestLogEntry[];
  countRequests(filter?: { kind?: 'identity' | 'arm'; method?: string; path?: PathMatcher }): number;
  /** Requests per `METHOD path` (ids normalised: GUIDs of operations become {id}), e.g. for a bench. */
  requestCounts(kind?: 'identity' | 'arm'): Record<string, number>;
  resetRequests(): void;

  addClient(clientId: string, secret: string): void;
  addResourceGroup(name: string, location: string, tags?: Record<string, string>): ResourceGroup;
  addStorageAccount(name: string, opts: StorageAccountOptions): InventoryItem;
  addVirtualNetwork(name: string, opts: { resourceGroup: string; location: string; subnets?: string[]; tags?: Record<string, string> }): InventoryItem;
  /** A template spec version holding mainTemplate; returns its id (what templateLink.id names). */
  addTemplateSpecVersion(resourceGroup: string, spec: string, version: string, mainTemplate: Record<string, unknown>): string;
  /** An access token as the identity endpoint would issue it (audience defaults to ARM). */
  issueToken(opts?: { clientId?: string; audience?: string; lifetimeSeconds?: number }): string;

  onRunCommand(vmName: string | '*', handler: RunCommandHandler): void;
  /** VM sizes offered per location, their restrictions and the vCPU quota (arm/computeCatalog.ts). */
  readonly catalog: ComputeCatalog;
  /** Sets a VM's power state directly (the operator shut the machine down from inside). */
  setPowerState(resourceGroup: string, vmName: string, state: PowerState): void;
  /** The guest's Azure VM Agent: 'NotReady' (not installed, or not running) refuses Run Command. */
  setVmAgent(resourceGroup: string, vmName: string, status: 'Ready' | 'NotReady'): void;
  /**
   * Run Command's time limit (default 90 minutes), shortened to test a run that is killed;
   * `unknownReads`: each managed run command's first N instance-view reads say `Unknown`.
   */
  configureRunCommand(config: { limitMs?: number; unknownReads?: number }): void;

  inventory(filter?: { resourceGroup?: string; type?: string; tag?: [string, string] }): InventoryItem[];
  resourceGroups(): ResourceGroup[];
  deployments(): Array<Record<string, unknown>>;
  /** Where a managed disk's bytes are in Azurite. */
  diskBlob(resourceGroup: string, diskName: string): { container: string; blobName: string; url: string };
  readDisk(resourceGroup: string, diskName: string, offset?: number, count?: number): Promise<Buffer>;
  /** Writes into a managed disk (512-aligned), standing in for the operator installing software. */
  writeDisk(resourceGroup: string, diskName: string, offset: number, data: Buffer): Promise<void>;

  fail(fault: FailFault): void;
  drop(fault: DropFault): void;
  failOperation(fault: OperationFault): void;
  clearFaults(): void;
  /** Faults not used up yet. */
  pendingFaults(): unknown[];
  configureLro(config: Partial<LroConfig>): void;

  stop(): Promise<void>;
}

export async function startArmFake(opts: ArmFakeOptions = {}): Promise<ArmFake> {
  const certs = testCerts();
  const lroConfig: LroConfig = { polls: opts.lro?.polls ?? 1, retryAfterSeconds: opts.lro?.retryAfterSeconds ?? 0 };
  const cloud = new FakeCloud({
    subscriptionId: opts.subscriptionId ?? '00000000-0000-4000-8000-0000000000e1',
    tenantId: opts.tenantId ?? '00000000-0000-4000-8000-00000000a11d',
    lro: lroConfig,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3599,
    azurite: opts.azurite,
    caPem: certs.caPem,
  });
  for (const c of opts.clients ?? []) cloud.clients.set(c.clientId, { secret: c.secret });

  const identity = identityRouter(cloud);
  const arm = new Router();
  operationRoutes(cloud, arm);
  subscriptionRoutes(cloud, arm);
  storageRoutes(cloud, arm);
  deploymentRoutes(cloud, arm);
  templateSpecRoutes(cloud, arm);
  virtualMachineRoutes(cloud, arm);
  managedRunCommandRoutes(cloud, arm);
  diskRoutes(cloud, arm);
  galleryRoutes(cloud, arm);
  networkRoutes(cloud, arm);
  computeCatalogRoutes(cloud, arm);
  publicAccessRoutes(cloud, arm);
  genericRoutes(cloud, arm);

  const requests: RequestLogEntry[] = [];
  const unhandled: RequestLogEntry[] = [];
  const internalErrors: Error[] = [];
  const responseTexts: Array<{ entry: RequestLogEntry; text: string }> = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Collapse repeated slashes in the path (`getById` sends `//subscriptions/…`, ARM accepts it).
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const url = new URL((q < 0 ? raw : raw.slice(0, q)).replace(/\/{2,}/g, '/') + (q < 0 ? '' : raw.slice(q)), 'https://fake');
    const path = safeDecode(url.pathname);
    const body = await readBody(req);
    const kind = isIdentityPath(url.pathname) ? 'identity' : 'arm';
    const entry: RequestLogEntry = {
      kind,
      method: req.method ?? 'GET',
      path,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      at: Date.now(),
    };
    requests.push(entry);

    const fault = cloud.faults.takeRequestFault(entry.method, path);
    if (fault?.kind === 'drop') {
      entry.fault = 'drop';
      req.socket.destroy();
      return;
    }
    let response: FakeResponse;
    if (fault?.kind === 'fail') {
      entry.fault = 'fail';
      const dflt = defaultCodeForStatus(fault.status);
      response = {
        status: fault.status,
        body: { error: { code: fault.code ?? dflt.code, message: fault.message ?? dflt.message } },
        headers: fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {},
      };
    } else {
      response = await route(kind, entry, {
        method: entry.method,
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        params: {},
      });
    }
    entry.status = response.status;
    if (kind === 'arm' && response.body !== undefined) responseTexts.push({ entry, text: typeof response.body === 'string' ? response.body : JSON.stringify(response.body) });
    send(req, res, response);
  }

  async function route(kind: 'identity' | 'arm', entry: RequestLogEntry, req: FakeRequest): Promise<FakeResponse> {
    try {
      const router = kind === 'identity' ? identity : arm;
      if (kind === 'arm') {
        authenticate(cloud, req);
        const sub = /^\/subscriptions\/([^/]+)/i.exec(req.path)?.[1];
        if (sub && sub.toLowerCase() !== cloud.subscriptionId.toLowerCase()) {
          throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
        }
        checkRequestApiVersion(cloud, req, apiVersionOf(req));
      }
      const match = router.match(req.method, req.path);
      if (match === 'wrong-method') {
        unhandled.push(entry);
        throw new ArmError(405, 'MethodNotAllowed', `The requested resource does not support http method '${req.method}'. (ARM fake)`);
      }
      if (!match) {
        unhandled.push(entry);
        throw new ArmError(404, 'NotFound', `The ARM fake has no route for ${req.method} ${req.path}.`);
      }
      return await match.handler({ ...req, params: match.params });
    } catch (err) {
      if (err instanceof ArmError) return { status: err.status, body: err.toBody(), headers: err.headers };
      const e = err instanceof Error ? err : new Error(String(err));
      internalErrors.push(e);
      return { status: 500, body: { error: { code: 'InternalServerError', message: `The ARM fake failed: ${e.message}` } } };
    }
  }

  const server = https.createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    handle(req, res).catch((err) => {
      internalErrors.push(err instanceof Error ? err : new Error(String(err)));
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cloud.baseUrl = `https://127.0.0.1:${port}`;

  const requireDisk = (rg: string, name: string) => {
    const disk = cloud.inventory.find(rg, DISK_TYPE, name);
    if (!disk?.disk) throw new Error(`no managed disk ${rg}/${name}`);
    return disk.disk;
  };

  return {
    url: cloud.baseUrl,
    caCertPath: certs.caCertPath,
    caPem: certs.caPem,
    subscriptionId: cloud.subscriptionId,
    tenantId: cloud.tenantId,
    requests,
    unhandled,
    get internalErrors() {
      return [...internalErrors, ...cloud.lro.internalErrors];
    },
    runCommands: cloud.runCommandLog,
    managedRunCommands: cloud.managedRunCommandLog,
    managedRunCommandNames: () => cloud.inventory.list({ type: RUN_COMMAND_TYPE }).map((r) => r.name),
    guestFilesWhenStopped: (vmName) => cloud.guestFilesWhenStopped.get(vmName.toLowerCase()),
    guestFiles: (vmName) => [...(cloud.guestFiles.get(vmName.toLowerCase())?.keys() ?? [])],
    responsesContaining: (text) => responseTexts.filter((r) => r.text.includes(text)).map((r) => r.entry),
    catalog: cloud.catalog,
    countRequests(filter = {}) {
      return requests.filter(
        (r) =>
          (!filter.kind || r.kind === filter.kind) &&
          (!filter.method || r.method.toUpperCase() === filter.method.toUpperCase()) &&
          (!filter.path ||
            (typeof filter.path === 'string' ? r.path.toLowerCase().includes(filter.path.toLowerCase()) : filter.path.test(r.path))),
      ).length;
    },
    requestCounts(kind) {
      const counts: Record<string, number> = {};
      for (const r of requests) {
        if (kind && r.kind !== kind) continue;
        const key = `${r.method} ${r.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?=\/|$)/gi, (m) =>
          m.toLowerCase() === cloud.subscriptionId.toLowerCase() || m.toLowerCase() === cloud.tenantId.toLowerCase() ? m : '{id}',
        )}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    resetRequests() {
      requests.length = 0;
      responseTexts.length = 0;
      unhandled.length = 0;
    },
    addClient(clientId, secret) {
      cloud.clients.set(clientId, { secret });
    },
    addResourceGroup(name, location, tags) {
      return cloud.inventory.putResourceGroup(name, location.replace(/\s+/g, '').toLowerCase(), tags);
    },
    addStorageAccount(name, o) {
      requireGroup(cloud, o.resourceGroup);
      const account = cloud.inventory.put(makeStorageAccount(cloud, name, o));
      return cloud.inventory.snapshot().find((i) => i.id === account.id) as InventoryItem;
    },
    addVirtualNetwork(name, o) {
      requireGroup(cloud, o.resourceGroup);
      const vnet = cloud.inventory.put(
        makeVnet(cloud, {
          resourceGroup: o.resourceGroup,
          name,
          location: o.location,
          tags: o.tags,
          properties: { subnets: (o.subnets ?? ['default']).map((s) => ({ name: s })) },
        }),
      );
      return cloud.inventory.snapshot().find((i) => i.id === vnet.id) as InventoryItem;
    },
    addTemplateSpecVersion(resourceGroup, spec, version, mainTemplate) {
      requireGroup(cloud, resourceGroup);
      const group = cloud.inventory.getResourceGroup(resourceGroup)!;
      const id = templateSpecVersionId(cloud, group.name, spec, version);
      cloud.templateSpecVersions.set(id.toLowerCase(), { id, resourceGroup: group.name, spec, version, location: group.location, mainTemplate: structuredClone(mainTemplate) });
      return id;
    },
    issueToken(o = {}) {
      const { token, claims } = makeAccessToken({
        tenantId: cloud.tenantId,
        clientId: o.clientId ?? 'elm-test-client',
        audience: o.audience ?? 'https://management.azure.com/',
        lifetimeSeconds: o.lifetimeSeconds ?? cloud.tokenLifetimeSeconds,
      });
      cloud.issuedTokens.set(token, claims);
      return token;
    },
    onRunCommand(vmName, handler) {
      cloud.runCommandHandlers.set(vmName.toLowerCase(), handler);
    },
    setPowerState(rg, vmName, state) {
      const vm = cloud.inventory.find(rg, VM_TYPE, vmName);
      if (!vm?.vm) throw new Error(`no VM ${rg}/${vmName}`);
      vm.vm.powerState = state;
    },
    setVmAgent(rg, vmName, status) {
      const vm = cloud.inventory.find(rg, VM_TYPE, vmName);
      if (!vm?.vm) throw new Error(`no VM ${rg}/${vmName}`);
      vm.vm.agentNotReady = status === 'NotReady';
    },
    configureRunCommand(config) {
      if (config.limitMs !== undefined) cloud.runCommandLimitMs = config.limitMs;
      if (config.unknownReads !== undefined) cloud.managedUnknownReads = config.unknownReads;
    },
    inventory(filter = {}) {
      return cloud.inventory
        .snapshot()
        .filter(
          (r) =>
            (!filter.resourceGroup || r.resourceGroup.toLowerCase() === filter.resourceGroup.toLowerCase()) &&
            (!filter.type || r.type.toLowerCase() === filter.type.toLowerCase()) &&
            (!filter.tag || r.tags[filter.tag[0]] === filter.tag[1]),
        );
    },
    resourceGroups: () => cloud.inventory.listResourceGroups(),
    deployments: () => [...cloud.deployments.values()].map(deploymentBody),
    diskBlob(rg, name) {
      const d = requireDisk(rg, name);
      return { container: MANAGED_DISKS_CONTAINER, blobName: d.blobName, url: cloud.requireDiskBlobs().blobUrl(d.blobName) };
    },
    readDisk: (rg, name, offset, count) => cloud.requireDiskBlobs().read(requireDisk(rg, name).blobName, offset, count),
    writeDisk: (rg, name, offset, data) => cloud.requireDiskBlobs().write(requireDisk(rg, name).blobName, offset, data),
    fail: (f) => cloud.faults.fail(f),
    drop: (f) => cloud.faults.drop(f),
    failOperation: (f) => cloud.faults.failOperation(f),
    clearFaults: () => cloud.faults.clear(),
    pendingFaults: () => cloud.faults.pending(),
    configureLro(config) {
      Object.assign(lroConfig, config);
    },
    stop() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function requireGroup(cloud: FakeCloud, name: string): void {
  if (!cloud.inventory.getResourceGroup(name)) throw new Error(`add the resource group ${name} first`);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(req: IncomingMessage, res: ServerResponse, response: FakeResponse): void {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': String(req.headers['x-ms-correlation-request-id'] ?? randomUUID()),
    'Cache-Control': 'no-cache',
    ...response.headers,
  };
  let payload: Buffer | undefined;
  if (response.body !== undefined && req.method !== 'HEAD') {
    if (typeof response.body === 'string') {
      payload = Buffer.from(response.body);
      headers['Content-Type'] ??= 'text/plain; charset=utf-8';
    } else {
      payload = Buffer.from(JSON.stringify(response.body));
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }
  }
  headers['Content-Length'] = String(payload?.length ?? 0);
  res.writeHead(response.status, headers);
  res.end(payload);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
