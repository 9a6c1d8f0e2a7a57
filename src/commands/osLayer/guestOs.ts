import { UsageError } from '../../domain/errors';
import type { Firmware, HyperVGeneration } from '../../domain/vocabulary';

/**
 * The guest OS a packaging VM is created with (vSphere Automation API, Vcenter Vm GuestOS), per
 * Windows version. `--guest-os` takes one of these names or a GuestOS id as vSphere spells it.
 */
export const GUEST_OS_BY_WINDOWS = {
  win10: 'WINDOWS_9_64',
  win11: 'WINDOWS_11_64',
  ws2016: 'WINDOWS_9_SERVER_64',
  ws2019: 'WINDOWS_SERVER_2019',
  ws2022: 'WINDOWS_SERVER_2021',
  ws2025: 'WINDOWS_SERVER_2025',
} as const;

/** vSphere's "Windows Server 2016 or later (64-bit)": right for any server release when nothing says which. */
export const DEFAULT_GUEST_OS = GUEST_OS_BY_WINDOWS.ws2016;

/** The Windows version an OS layer's name gives away (`win2019`, `Windows 11`, `ws2022`), if any. */
function windowsFromName(name: string): keyof typeof GUEST_OS_BY_WINDOWS | undefined {
  const n = name.toLowerCase();
  for (const year of ['2016', '2019', '2022', '2025'] as const) if (n.includes(year)) return `ws${year}`;
  const client = /win(?:dows)?[\s_-]*(10|11)(?!\d)/.exec(n)?.[1];
  return client ? (`win${client}` as 'win10' | 'win11') : undefined;
}

/** --guest-os (an alias or a vSphere GuestOS id), else what the OS layer's name says, else DEFAULT_GUEST_OS. */
export function guestOsFromFlag(value: unknown, osLayerName: string): string {
  if (value === undefined) {
    const guessed = windowsFromName(osLayerName);
    return guessed ? GUEST_OS_BY_WINDOWS[guessed] : DEFAULT_GUEST_OS;
  }
  const v = String(value).trim();
  const alias = GUEST_OS_BY_WINDOWS[v.toLowerCase() as keyof typeof GUEST_OS_BY_WINDOWS];
  if (alias) return alias;
  if (/^WINDOWS_[A-Z0-9_]+$/.test(v.toUpperCase())) return v.toUpperCase();
  throw new UsageError(
    `--guest-os "${v}" is not a Windows version elm knows: use one of ${Object.keys(GUEST_OS_BY_WINDOWS).join(', ')}, or a vSphere guest OS id such as WINDOWS_SERVER_2019.`,
  );
}

/** The firmware the packaging VM boots the disk with: a generation 2 (GPT) disk needs EFI, else BIOS. */
export function firmwareOf(generation: HyperVGeneration): Firmware {
  return generation === 'V2' ? 'EFI' : 'BIOS';
}
