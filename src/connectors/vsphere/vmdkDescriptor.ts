/**
 * VMDK text descriptors for a flat extent (the disk's bytes as they are, in `<stem>-flat.vmdk`).
 *
 * Why flat (the packaging disk's representation on the datastore): ESXi powers on only its own
 * disk types. The single-file VMDKs qemu-img writes (monolithicSparse, streamOptimized) are
 * "hosted" types that ESXi refuses ("Unsupported or invalid disk type ... Ensure that the disk has
 * been imported") until converted with vmkfstools or the SOAP VirtualDiskManager, neither of which
 * the REST API offers; the Content Library OVF import would accept a streamOptimized disk but
 * needs update sessions, an OVF envelope and a second copy of the disk in the library. A `vmfs`
 * descriptor beside a flat extent, both uploaded through the datastore file endpoint, is a disk
 * ESXi runs as it is, and the same bytes come back at finalize with no conversion.
 * The cost: the flat extent is the disk's full virtual size. Holes are kept locally (the work file
 * and the repository copy are sparse), but the upload and the download carry every byte, zeros
 * included, and the datastore file is fully allocated on VMFS: a 127 GiB disk holding 20 GiB of
 * data moves 127 GiB each way.
 */

/** Sectors per track and heads ESXi writes for SCSI (lsilogic) disks. */
const HEADS = 255;
const SECTORS = 63;

function geometry(sectors: number): string[] {
  const cylinders = Math.max(1, Math.min(65535, Math.floor(sectors / (HEADS * SECTORS))));
  return [`ddb.geometry.cylinders = "${cylinders}"`, `ddb.geometry.heads = "${HEADS}"`, `ddb.geometry.sectors = "${SECTORS}"`];
}

function descriptor(createType: string, extentLine: string, sectors: number): string {
  return [
    '# Disk DescriptorFile',
    'version=1',
    'encoding="UTF-8"',
    'CID=fffffffe',
    'parentCID=ffffffff',
    `createType="${createType}"`,
    '',
    '# Extent description',
    extentLine,
    '',
    '# The Disk Data Base',
    '#DDB',
    '',
    'ddb.adapterType = "lsilogic"',
    ...geometry(sectors),
    'ddb.virtualHWVersion = "14"',
    '',
  ].join('\n');
}

function sectorsOf(capacityBytes: number): number {
  if (capacityBytes <= 0 || capacityBytes % 512 !== 0) throw new Error(`internal: a VMDK extent must be a whole number of sectors (got ${capacityBytes} bytes)`);
  return capacityBytes / 512;
}

/** The ESXi form (createType "vmfs"), uploaded to the datastore beside the flat extent. */
export function vmfsDescriptor(capacityBytes: number, extentName: string): string {
  const sectors = sectorsOf(capacityBytes);
  return descriptor('vmfs', `RW ${sectors} VMFS "${extentName}"`, sectors);
}

/** The hosted form (createType "monolithicFlat") for the layer repository: qemu-img and Workstation open it. */
export function monolithicFlatDescriptor(capacityBytes: number, extentName: string): string {
  const sectors = sectorsOf(capacityBytes);
  return descriptor('monolithicFlat', `RW ${sectors} FLAT "${extentName}" 0`, sectors);
}
