/**
 * The state document (the README's How it is built) as zod schemas: validated on every read, so a hand-edited or
 * truncated file is reported instead of half-understood. Loaded only by code that touches state.
 */
import { z } from 'zod';
import {
  BROKERS,
  CONNECTOR_TYPES,
  DISK_FORMATS,
  HYPERVISORS,
  FIRMWARES,
  HYPERV_GENERATIONS,
  IMAGE_KINDS,
  IPV6_STATES,
  PARTITION_STYLES,
  PROVISIONING_SERVICES,
  PURPOSES,
  TASK_KINDS,
  TASK_STATES,
  VERSION_STATES,
} from './vocabulary';

import { STATE_SCHEMA_VERSION } from './stateVersion';

export { STATE_SCHEMA_VERSION };

const keysOf = <T extends Record<string, string>>(o: T) => Object.keys(o) as [keyof T & string, ...(keyof T & string)[]];

const isoDate = z.string();

export const diskRefSchema = z.object({
  /** Absolute local path or a blob URL (never with a SAS token). */
  location: z.string(),
  format: z.enum(DISK_FORMATS),
  sizeBytes: z.number().int().nonnegative(),
});

export const connectorConfigSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.enum(CONNECTOR_TYPES),
  createdAt: isoDate,
  /** Type-specific fields; secrets are referenced by environment variable name only. */
  settings: z.record(z.unknown()),
});

export const osLayerVersionSchema = z.object({
  name: z.string(),
  disk: diskRefSchema,
  ipv6: z.enum(IPV6_STATES),
  /** Read from the disk's first sector at import (absent in states written before it was). */
  partitionStyle: z.enum(PARTITION_STYLES).optional(),
  /** The VM generation the disk boots on: from the partition style, or --generation. */
  generation: z.enum(HYPERV_GENERATIONS).optional(),
  /** The firmware a VM boots the disk with (from the generation: V2 EFI, else BIOS). */
  firmware: z.enum(FIRMWARES).optional(),
  /** The guest OS id a vSphere packaging VM is created with (--guest-os). */
  guestOs: z.string().optional(),
  createdAt: isoDate,
});

export const osLayerSchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: isoDate,
  versions: z.array(osLayerVersionSchema),
});

export const iconSchema = z.object({
  id: z.string(),
  name: z.string(),
  format: z.enum(['png', 'jpg']),
  /** Path of the imported copy under ELM_HOME/icons. */
  file: z.string(),
  importedAt: isoDate,
});

export const auditEntrySchema = z.object({
  at: isoDate,
  user: z.string(),
  action: z.string(),
  comment: z.string(),
  version: z.string().optional(),
});

export const integrityResultSchema = z.object({
  at: isoDate,
  source: z.string(),
  ready: z.boolean(),
  blockers: z.array(z.object({ id: z.string(), message: z.string() })),
  shutdownRequested: z.boolean(),
  machine: z.string().optional(),
  reportSha256: z.string().optional(),
});

/** An image a publish made of a version (elm deletes it only when cancelling the publish that made it). */
export const publishedImageSchema = z.object({
  kind: z.enum(IMAGE_KINDS),
  /** The platform's id (a resource id, a VM id) or, for a file, the publish's own token. */
  id: z.string(),
  /** Where it is: an absolute path, a resource id, an inventory path. */
  location: z.string(),
  format: z.enum(DISK_FORMATS).optional(),
  sha256: z.string().optional(),
  /** The checksum file written beside an image file. */
  checksumFile: z.string().optional(),
  connector: z.string(),
  taskId: z.string(),
  publishedAt: isoDate,
});

/**
 * Where a version's files are in the layer repository: a folder of its own, named by a random
 * token when it is chosen (ids are counted per state, so a home holding two states would give
 * two versions one `<layer id>/<version>` folder), on the machine that chose it. Removal deletes
 * this folder and nothing else; another machine captures into it only when it reaches the same
 * folder (the repository's marker file holds `repositoryId`).
 */
export const versionRepositorySchema = z.object({
  /** Absolute path of the version's own folder, `<repository>/<token>`. */
  dir: z.string(),
  /** The machine it is on (hostName(): ELM_HOSTNAME, else the OS's name). */
  host: z.string(),
  /** The id in `<repository>/.elm-repository.json`, telling this repository from another at the same path. */
  repositoryId: z.string(),
});

export const layerVersionSchema = z.object({
  name: z.string(),
  description: z.string(),
  state: z.enum(VERSION_STATES),
  maxSizeGiB: z.number().positive(),
  osLayer: z.object({ name: z.string(), version: z.string() }),
  connector: z.string(),
  platform: z.object({
    purpose: z.enum(PURPOSES),
    hypervisor: z.enum(keysOf(HYPERVISORS)).optional(),
    provisioning: z.enum(keysOf(PROVISIONING_SERVICES)).optional(),
    broker: z.enum(keysOf(BROKERS)).optional(),
  }),
  recipes: z.array(z.string()),
  packagingDisk: z.object({
    name: z.string(),
    format: z.enum(DISK_FORMATS),
    location: z.string().nullable(),
    sizeBytes: z.number().int().nonnegative().nullable(),
  }),
  createTaskId: z.string().nullable(),
  machine: z.record(z.unknown()).nullable(),
  integrity: integrityResultSchema.nullable(),
  artifact: z
    .object({ location: z.string(), sha256: z.string().nullable(), sizeBytes: z.number().int().nonnegative(), format: z.enum(DISK_FORMATS) })
    .nullable(),
  /** What `layer publish` made of this version (absent in states written before publish existed). */
  images: z.array(publishedImageSchema).optional(),
  /** The version's folder in the layer repository (absent before it was chosen, and in states older elms wrote). */
  repository: versionRepositorySchema.optional(),
  createdAt: isoDate,
});

export const layerSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  icon: z.string(),
  createdAt: isoDate,
  versions: z.array(layerVersionSchema),
  audit: z.array(auditEntrySchema),
});

export const taskStepSchema = z.object({
  name: z.string(),
  state: z.enum(['Running', 'Done', 'Failed', 'Undone']),
  startedAt: isoDate,
  endedAt: isoDate.nullable(),
  /** What the step produced (paths, resource ids), so a resumed task can clean up or skip it. */
  data: z.record(z.unknown()),
});

export const taskSchema = z.object({
  id: z.string(),
  kind: z.enum(TASK_KINDS),
  state: z.enum(TASK_STATES),
  description: z.string(),
  progress: z.number().min(0).max(100),
  /** Bytes done of the running step's bytes, while it moves bytes (copy, upload, hash): for rate and time left. */
  bytes: z.object({ done: z.number().min(0), total: z.number().min(0) }).nullable().optional(),
  layerId: z.string(),
  version: z.string(),
  startedAt: isoDate,
  endedAt: isoDate.nullable(),
  steps: z.array(taskStepSchema),
  /** Inputs the worker needs to (re)run the task; never secrets. */
  params: z.record(z.unknown()),
  worker: z.object({ pid: z.number().int(), host: z.string(), heartbeatAt: isoDate }).nullable(),
  error: z.string().nullable(),
  cancelRequested: z.boolean(),
});

/** An App Layering appliance elm talks to (`elm appliance add`): where and as whom; never its password. */
export const applianceSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** The API endpoint, https only: https://<host>[:port]/Unidesk.Web/API.asmx */
  url: z.string(),
  user: z.string(),
  /** The variable the password is read from at run time. */
  passwordEnv: z.string(),
  /** A PEM file of the CA (or the certificate) the appliance's HTTPS certificate is checked against. */
  caFile: z.string().nullable(),
  createdAt: isoDate,
});

export const stateSchema = z.object({
  schemaVersion: z.literal(STATE_SCHEMA_VERSION),
  nextId: z.number().int().positive(),
  connectors: z.array(connectorConfigSchema),
  osLayers: z.array(osLayerSchema),
  icons: z.array(iconSchema),
  layers: z.array(layerSchema),
  tasks: z.array(taskSchema),
  /** Absent in states written before appliances were known. */
  appliances: z.array(applianceSchema).optional(),
});

export type State = z.infer<typeof stateSchema>;
export type ConnectorConfig = z.infer<typeof connectorConfigSchema>;
export type OsLayer = z.infer<typeof osLayerSchema>;
export type OsLayerVersion = z.infer<typeof osLayerVersionSchema>;
export type Icon = z.infer<typeof iconSchema>;
export type Layer = z.infer<typeof layerSchema>;
export type LayerVersion = z.infer<typeof layerVersionSchema>;
export type AuditEntry = z.infer<typeof auditEntrySchema>;
export type Task = z.infer<typeof taskSchema>;
export type TaskStep = z.infer<typeof taskStepSchema>;
export type IntegrityResult = z.infer<typeof integrityResultSchema>;
export type DiskRef = z.infer<typeof diskRefSchema>;
export type PublishedImage = z.infer<typeof publishedImageSchema>;
export type Appliance = z.infer<typeof applianceSchema>;
export type VersionRepository = z.infer<typeof versionRepositorySchema>;
