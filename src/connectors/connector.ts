/**
 * The connector abstraction (the README's How it is built): one folder per platform under src/connectors/<type>/.
 * Commands and tasks talk only to this interface; nothing here loads a platform SDK.
 */
import type { ConnectorType, DiskFormat, Firmware, HyperVGeneration } from '../domain/vocabulary';
import type { ConnectorConfig, DiskRef, IntegrityResult } from '../domain/state';

export interface CheckResult {
  name: string;
  /** true passed, false failed, null could not be verified from here (said plainly). */
  ok: boolean | null;
  detail: string;
}

/**
 * Reports progress of a long step: fraction in 0..1, an optional line for the operator, and the
 * bytes done of the bytes to move when the step moves bytes (the display shows rate and time left).
 */
export type ProgressSink = (fraction: number, message?: string, bytes?: { done: number; total: number }) => void;

export interface LayerRef {
  id: string;
  name: string;
  version: string;
}

export interface PackagingDiskRequest {
  layer: LayerRef;
  taskId: string;
  /** The OS layer version's disk, the content the packaging disk starts from. */
  osDisk: DiskRef;
  /** File name chosen on the Packaging Disk tab, without extension. */
  diskName: string;
  format: DiskFormat;
  /**
   * The Max Layer Size in bytes: the packaging disk's virtual size grows to it (never below the OS
   * disk's), so the machine has that room once the guest extends its partition.
   */
  minSizeBytes?: number;
  signal: AbortSignal;
  /**
   * Records the temporary files the write makes (a file share's `.partial`) before they exist,
   * so discardPackagingDisk after a killed or cancelled write deletes exactly those.
   */
  recordPartialFiles?(paths: string[]): Promise<void>;
}

export interface DiskLocation {
  /** Absolute path, or blob URL without any SAS. */
  location: string;
  format: DiskFormat;
  sizeBytes: number;
  /** The task description the operator reads when the disk is ready: where it is, what next. */
  description: string;
}

export interface DeployLinkRequest {
  layer: LayerRef;
  taskId: string;
  disk: DiskLocation;
  machineName?: string;
  size?: string;
  vnet?: string;
  subnet?: string;
  linkExpiryMs?: number;
  /** How the OS layer version boots (recorded at os-layer import): the packaging VM's firmware and guest OS. */
  os?: { firmware: Firmware; guestOs?: string };
  /** Extra ShutdownForFinalize.ps1 parameters (-PvsVersion, -KmsRearm, -ExpectIPv6) for instructions. */
  probeArguments?: string[];
  /** The VM generation the OS layer version's disk boots on (absent: V1, as before it was recorded). */
  generation?: HyperVGeneration;
  /** Machine options (Azure): security type, Windows license, a public IP open to RDP from one range. */
  securityType?: string;
  licenseType?: string;
  publicIp?: boolean;
  rdpFrom?: string;
}

export interface DeployLink {
  /** A URL for cloud connectors, instructions for the others. */
  link: string;
  parameters: Record<string, unknown>;
  /** What the operator must know to use the machine (Azure: how to reach it for RDP). */
  note?: string;
}

export interface MachineRef {
  name: string;
  /** Platform ids of everything created for the machine, recorded as soon as known. */
  resources: Record<string, unknown>;
}

export type MachineStatus = 'running' | 'stopped' | 'absent' | 'unknown';

export interface FinalizeRequest {
  layer: LayerRef;
  taskId: string;
  disk: DiskLocation;
  machine: MachineRef | null;
  /** Folder of the layer repository where the captured disk goes. */
  repositoryDir: string;
  keepMachine: boolean;
  signal: AbortSignal;
}

export interface LayerArtifact {
  location: string;
  format: DiskFormat;
  sizeBytes: number;
  /** null when the capture was a server-side copy that elm never read (cloud connectors). */
  sha256: string | null;
}

/** `layer publish` to an Azure Compute Gallery: what the image version is made of and named. */
export interface GalleryPublishRequest {
  layer: LayerRef;
  taskId: string;
  gallery: string;
  imageDefinition: string;
  imageVersion: string;
  /** The layer's VHD (a blob URL, never with a SAS). */
  sourceUri: string;
  generation: HyperVGeneration;
  trustedLaunch: boolean;
  replicaRegions: string[];
  storageAccountType: 'Standard_LRS' | 'Standard_ZRS' | 'Premium_LRS';
  signal?: AbortSignal;
}

export interface GalleryResult {
  /** The image version's resource id. */
  id: string;
  /** The resource ids this publish created (a gallery or definition that existed is not named). */
  created: { gallery?: string; definition?: string; version?: string };
}

export interface Connector {
  readonly type: ConnectorType;
  readonly diskFormats: readonly DiskFormat[];
  /** `fix`: also set up what the test can set up itself (Azure: the portal's Blob CORS rule). */
  test(opts?: { fix?: boolean }): Promise<CheckResult[]>;
  /**
   * Checks that must hold before anything is created on the platform (e.g. Azure: resource group
   * location equals storage account location); throws UsageError (exit 2) naming the fix. With
   * `machine`, the packaging machine parameters (deploy-link, deploy) are checked too.
   */
  preflight?(machine?: DeployLinkRequest): Promise<void>;
  /** Where createPackagingDisk will put the disk; recorded before writing so a resumed task can clean up. */
  packagingDiskLocation(req: Omit<PackagingDiskRequest, 'signal'>): string;
  createPackagingDisk(req: PackagingDiskRequest, progress: ProgressSink): Promise<DiskLocation>;
  /**
   * True when createPackagingDisk resumes a partial disk left by a killed worker (Azure: the page
   * ranges already uploaded), so the interrupted step keeps it instead of discarding it.
   */
  readonly resumesPackagingDisk?: boolean;
  /**
   * Removes a (possibly partial) packaging disk: undo of an interrupted or cancelled write, with
   * the temporary files that write recorded making (recordPartialFiles).
   */
  discardPackagingDisk(location: string, partialFiles?: string[]): Promise<void>;
  deployLink(req: DeployLinkRequest): Promise<DeployLink>;
  /** Azure: an Azure Compute Gallery image version of the layer's VHD; `record` persists each resource id before or as it is made. */
  publishToGallery?(req: GalleryPublishRequest, progress: ProgressSink, record: (created: GalleryResult['created']) => Promise<void>): Promise<GalleryResult>;
  /** Azure: refuses (UsageError) an existing definition that cannot hold the disk, or an image version number that is taken. */
  checkGalleryPublish?(req: Omit<GalleryPublishRequest, 'taskId' | 'signal'>): Promise<void>;
  /** Azure: deletes what a publish recorded creating, only while it carries the task's tag; returns the ids removed. */
  removeGalleryResources?(created: GalleryResult['created'], taskId: string): Promise<string[]>;
  /**
   * Deploys the packaging machine. `record` persists what exists so far (deployment, NIC, disk,
   * VM ids) as soon as each is known, so a killed task never orphans a resource.
   */
  deployMachine?(req: DeployLinkRequest, progress: ProgressSink, record?: (machine: MachineRef) => Promise<void>): Promise<MachineRef>;
  machineStatus(ref: MachineRef | null, disk: DiskLocation): Promise<MachineStatus>;
  probeIntegrity?(ref: MachineRef, opts: { expediteNgen: boolean; shutdown: boolean }): Promise<string>;
  /** Runs a PowerShell script on the running machine (Azure: Run Command); secrets reach it as $env:NAME, never logged. */
  runOnMachine?(ref: MachineRef, req: MachineScript): Promise<MachineScriptResult>;
  /** Stops what elm runs on the machine (Azure: deletes the build steps' managed run commands); the names of what was stopped. */
  stopMachineScripts?(ref: MachineRef): Promise<string[]>;
  /** Restarts the machine through the platform and returns once it can run scripts again. */
  restartMachine?(ref: MachineRef, signal?: AbortSignal): Promise<void>;
  /**
   * Copies a local file into the running machine by the platform's own transfer (vSphere: guest
   * file transfer), any size. Without it a build sends a local file inside a script (Run Command).
   */
  copyToMachine?(ref: MachineRef, source: string, destination: string, signal?: AbortSignal): Promise<void>;
  /** What a build that runs its steps on the machine needs, checked before anything is created (exit 2). */
  preflightBuild?(): Promise<void>;
  /** Finds a packaging machine elm did not record (deployed by hand from the deploy link). */
  discoverMachine?(disk: DiskLocation): Promise<MachineRef | null>;
  /**
   * What keeps the capture from reading the disk the machine wrote (vSphere: a snapshot moved the
   * disk to a child file), each a sentence; finalize refuses with them (exit 3) before its task.
   */
  captureBlockers?(ref: MachineRef | null, disk: DiskLocation): Promise<string[]>;
  /** Captures the machine's disk into the layer repository (the import). Safe to run again. */
  finalize(req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact>;
  /** After the capture: deletes the packaging machine and disk. Idempotent: gone is done. */
  cleanup(req: FinalizeRequest, progress: ProgressSink): Promise<void>;
}

export interface MachineScript {
  /** What the operator calls the script (a build step's name), for messages. */
  label?: string;
  script: string;
  /** Name → value, set as $env:NAME for the script only; never written anywhere by elm. */
  secrets: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /**
   * A local file written at `destination` before the script runs, for a connector without
   * copyToMachine (Azure: inside the Run Command script, its bytes base64-encoded once).
   */
  file?: { destination: string; bytes: Buffer };
}

export interface MachineScriptResult {
  exitCode: number;
  /** What the script printed (stdout, then stderr), as much as the platform returns. */
  output: string;
}

/** Environment and paths a connector may need beyond its own settings. */
export interface ConnectorEnvironment {
  home: string;
  env: NodeJS.ProcessEnv;
}

export type ConnectorFactory = (config: ConnectorConfig, envt: ConnectorEnvironment) => Promise<Connector>;

export type { IntegrityResult };
