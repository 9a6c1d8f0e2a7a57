import { formatBytes } from '../domain/units';

/**
 * What the operator must do when the packaging disk was grown to the Max Layer Size: the disk is
 * larger, but the OS partition inside still ends where the OS layer's did, and only the guest can
 * move that end (elm does not touch partitions it did not make). '' when the disk did not grow.
 */
export function grownDiskNote(virtualSizeBytes: number, osDiskBytes: number): string {
  // The OS disk's recorded size may include a VHD footer (512 bytes): only whole MiB count as growth.
  if (virtualSizeBytes <= osDiskBytes + 1024 * 1024) return '';
  return (
    ` Its virtual size is the Max Layer Size, ${formatBytes(virtualSizeBytes)} (the OS layer disk is ${formatBytes(osDiskBytes)}):` +
    ' on the machine, extend the OS partition into the free space before installing' +
    ' (Disk Management: Extend Volume, or elevated PowerShell:' +
    ' Resize-Partition -DriveLetter C -Size (Get-PartitionSupportedSize -DriveLetter C).SizeMax).'
  );
}
