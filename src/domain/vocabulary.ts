/**
 * The words of the ELM console (the README's Command reference) as plain constants: light enough for the CLI wiring
 * and the wizard, and the single source the zod schemas are built from.
 */
export const VERSION_STATES = ['Editing', 'Finalizable', 'Finalizing', 'Deployable', 'Broken', 'Deleting'] as const;
export type VersionState = (typeof VERSION_STATES)[number];

export const TASK_STATES = ['Pending', 'Running', 'ActionRequired', 'Complete', 'Failed', 'Canceling', 'Canceled'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TERMINAL_TASK_STATES: readonly TaskState[] = ['Complete', 'Failed', 'Canceled'];

export const TASK_KINDS = ['CreatePackagingDisk', 'Finalize', 'DeployMachine', 'LayerBuild', 'Publish'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const DISK_FORMATS = ['vhd', 'vhdx', 'vmdk', 'qcow2', 'raw'] as const;
export type DiskFormat = (typeof DISK_FORMATS)[number];

/**
 * What a publish makes of a Deployable version: an image file on a share, a PVS vDisk file in a
 * store, an Azure Compute Gallery image version, a vSphere VM template, a VM template item in a
 * vSphere content library.
 */
export const IMAGE_KINDS = ['file', 'pvsVdisk', 'azureGalleryImageVersion', 'vsphereTemplate', 'vsphereLibraryItem'] as const;
export type ImageKind = (typeof IMAGE_KINDS)[number];

export const CONNECTOR_TYPES = ['fileshare', 'azure', 'vsphere', 'pvs'] as const;
export type ConnectorType = (typeof CONNECTOR_TYPES)[number];

/** Disk formats each connector type accepts, without loading the connector. */
export const DISK_FORMATS_BY_TYPE = {
  fileshare: ['vhd', 'vhdx', 'vmdk', 'qcow2', 'raw'],
  azure: ['vhd'],
  vsphere: ['vmdk'],
  pvs: [],
} as const;

export const PURPOSES = ['packaging', 'publishing'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** The partition style of an OS layer disk: GPT boots only on UEFI, MBR on BIOS (unknown: a blank disk or a blob). */
export const PARTITION_STYLES = ['gpt', 'mbr', 'unknown'] as const;
export type PartitionStyle = (typeof PARTITION_STYLES)[number];

/** Hyper-V (and Azure) VM generation: V1 boots BIOS/MBR disks, V2 boots UEFI/GPT disks. */
export const HYPERV_GENERATIONS = ['V1', 'V2'] as const;
export type HyperVGeneration = (typeof HYPERV_GENERATIONS)[number];
/** The firmware a VM boots an OS layer's disk with: EFI for a GPT (generation 2) disk, else BIOS. */
export const FIRMWARES = ['BIOS', 'EFI'] as const;
export type Firmware = (typeof FIRMWARES)[number];

export const IPV6_STATES = ['enabled', 'disabled'] as const;
export type Ipv6State = (typeof IPV6_STATES)[number];

/** The Platform Types tab's dropdowns, with the labels the console shows. */
export const HYPERVISORS = {
  azure: 'Microsoft Azure',
  vsphere: 'VMware vSphere',
  hyperv: 'Microsoft Hyper-V',
  xenserver: 'Citrix Hypervisor (XenServer)',
  acropolis: 'Nutanix AHV (Acropolis)',
  aws: 'Amazon Web Services',
  otherHypervisor: 'Other hypervisor',
} as const;
export const PROVISIONING_SERVICES = {
  mcs: 'Citrix Machine Creation Services (MCS)',
  pvs: 'Citrix Provisioning (PVS)',
  viewcomposer: 'VMware View Composer',
  otherProvisioning: 'Other provisioning service',
} as const;
export const BROKERS = {
  xenapp: 'Citrix XenApp',
  xendesktop: 'Citrix XenDesktop',
  azurerdsh: 'Azure Remote Desktop Session Host',
  rds: 'Microsoft RDS',
  view: 'VMware Horizon View',
  otherBroker: 'Other connection broker',
} as const;
export type HypervisorId = keyof typeof HYPERVISORS;
export type ProvisioningId = keyof typeof PROVISIONING_SERVICES;
export type BrokerId = keyof typeof BROKERS;
