/**
 * The state behind the fake: one subscription in one tenant, registered clients, the
 * inventory, deployments, long-running operations, faults, run-command scripts, and the Azurite
 * account managed disks live in. Route modules read and change it; armFake.ts exposes it.
 */
import { DiskBlobs, StorageConnection } from './blobs';
import { Faults } from './faults';
import { Inventory } from './inventory';
import { LroConfig, LroEngine } from './lro';
import type { AccessTokenClaims } from './tokens';
import type { DeploymentRecord } from './arm/deployments';
import { RUN_COMMAND_LIMIT_MS, type RunCommandHandler, type RunCommandRecord } from './arm/runCommand';
import { ComputeCatalog } from './arm/computeCatalog';
import type { ManagedRunCommandRecord } from './arm/managedRunCommands';
import type { TemplateSpecVersionRecord } from './arm/templateSpecs';

export interface CloudOptions {
  subscriptionId: string;
  tenantId: string;
  lro: LroConfig;
  tokenLifetimeSeconds: number;
  azurite?: StorageConnection;
  caPem: string;
}

export class FakeCloud {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly tokenLifetimeSeconds: number;
  readonly caPem: string;
  baseUrl = '';
  readonly clients = new Map<string, { secret: string }>();
  readonly issuedTokens = new Map<string, AccessTokenClaims>();
  readonly inventory: Inventory;
  readonly deployments = new Map<string, DeploymentRecord>();
  /** Template spec versions by lowercased id (arm/templateSpecs.ts). */
  readonly templateSpecVersions = new Map<string, TemplateSpecVersionRecord>();
  readonly faults = new Faults();
  readonly lro: LroEngine;
  readonly runCommandHandlers = new Map<string, RunCommandHandler>();
  readonly runCommandLog: RunCommandRecord[] = [];
  /** Managed run commands started (PUT), with their protected parameters as the guest got them. */
  readonly managedRunCommandLog: ManagedRunCommandRecord[] = [];
  /** Per VM (lower-case name): the files Run Command downloaded into the guest, path → script (arm/guestDownloads.ts). */
  readonly guestFiles = new Map<string, Map<string, string>>();
  /** Per VM: the guest files its disk held when it was last stopped (what a capture takes). */
  readonly guestFilesWhenStopped = new Map<string, string[]>();
  /** How long a Run Command may run before Azure kills it (90 min; tests shorten it). */
  runCommandLimitMs = RUN_COMMAND_LIMIT_MS;
  /** How many reads of a managed run command's instance view say Unknown before the real state (0). */
  managedUnknownReads = 0;
  /** VM sizes offered, their restrictions and the vCPU quota (arm/computeCatalog.ts). */
  readonly catalog = new ComputeCatalog();
  readonly azurite?: StorageConnection;
  readonly diskBlobs?: DiskBlobs;

  constructor(opts: CloudOptions) {
    this.subscriptionId = opts.subscriptionId;
    this.tenantId = opts.tenantId;
    this.tokenLifetimeSeconds = opts.tokenLifetimeSeconds;
    this.caPem = opts.caPem;
    this.inventory = new Inventory(opts.subscriptionId);
    this.lro = new LroEngine({ baseUrl: () => this.baseUrl, subscriptionId: opts.subscriptionId, config: opts.lro, faults: this.faults });
    this.azurite = opts.azurite;
    if (opts.azurite) this.diskBlobs = new DiskBlobs(opts.azurite, opts.caPem);
  }

  requireDiskBlobs(): DiskBlobs {
    if (!this.diskBlobs) throw new Error('the ARM fake was started without `azurite`, so managed disks have no storage');
    return this.diskBlobs;
  }
}
