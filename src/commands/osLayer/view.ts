import type { OsLayer } from '../../domain/state';

export function osLayerView(os: OsLayer) {
  return {
    id: os.id,
    name: os.name,
    createdAt: os.createdAt,
    versions: os.versions.map((v) => ({ name: v.name, ipv6: v.ipv6, disk: v.disk, partitionStyle: v.partitionStyle ?? 'unknown', generation: v.generation ?? 'V1', firmware: v.firmware ?? (v.generation === 'V2' ? 'EFI' : 'BIOS'), guestOs: v.guestOs ?? null, createdAt: v.createdAt })),
  };
}
