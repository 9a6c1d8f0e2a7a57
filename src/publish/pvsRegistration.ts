/**
 * What registering a vDisk file in a PVS store takes. PVS is administered through its PowerShell
 * snap-in on a Windows machine with the PVS console, so elm prints the commands instead of running
 * them: New-PvsDiskLocator adds the vDisk file already in the store folder (its name is the file's
 * stem; -VHDX for a VHDX file), Set-PvsDisk sets the write cache and license mode (Citrix
 * Provisioning PowerShell SDK: New-PvsDiskLocator, Set-PvsDisk; WriteCacheType numbers and
 * LicenseMode 0 none, 1 MAK, 2 KMS).
 */
import { psQuote } from '../layerBuild/handScript';

const WRITE_CACHE_NUMBERS: Record<string, number> = {
  private: 0,
  cacheOnServer: 1,
  cacheInDeviceRam: 3,
  cacheOnDeviceHardDisk: 4,
  cacheOnServerPersistent: 7,
  cacheInDeviceRamWithOverflow: 9,
  cacheOnDeviceHardDiskPersistent: 10,
};
const LICENSE_MODE_NUMBERS: Record<string, number> = { none: 0, mak: 1, kms: 2 };

export interface PvsRegistration {
  store: string;
  site: string;
  vdiskName: string;
  /** The PowerShell to run where the PVS console is installed. */
  powershell: string;
}

export function pvsRegistration(settings: Record<string, unknown>, fileName: string): PvsRegistration {
  const store = String(settings.store ?? '');
  const site = String(settings.site ?? '');
  const vdiskName = fileName.replace(/\.(vhdx|vhd)$/i, '');
  const vhdx = /\.vhdx$/i.test(fileName);
  const cache = WRITE_CACHE_NUMBERS[String(settings.writeCache ?? '')] ?? WRITE_CACHE_NUMBERS.cacheInDeviceRamWithOverflow;
  const license = LICENSE_MODE_NUMBERS[String(settings.licenseMode ?? 'none')] ?? 0;
  const names = `-Name ${psQuote(vdiskName)} -StoreName ${psQuote(store)} -SiteName ${psQuote(site)}`;
  const powershell = [
    'Add-PSSnapin Citrix.PVS.SnapIn',
    `New-PvsDiskLocator ${names}${vhdx ? ' -VHDX' : ''}`,
    `Set-PvsDisk ${names} -WriteCacheType ${cache} -LicenseMode ${license}`,
  ].join('\n');
  return { store, site, vdiskName, powershell };
}
