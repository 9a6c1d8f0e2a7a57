/**
 * The packaging machine's options beyond the seed's four parameters: the VM generation its disk
 * boots on (from the OS layer version), the security type, the Windows license and how the
 * operator reaches it (a public IP open to RDP from one address range, or nothing public).
 */
import type { HyperVGeneration } from '../../domain/vocabulary';
import type { DeployLinkRequest } from '../connector';

export type SecurityType = 'Standard' | 'TrustedLaunch';
export type LicenseType = 'Windows_Client' | 'Windows_Server';

export interface MachineOptions {
  generation: HyperVGeneration;
  securityType: SecurityType;
  /** null: no Azure Hybrid Benefit licence claimed (`--license-type none`, the default). */
  licenseType: LicenseType | null;
  /** The range RDP is admitted from, with a public IP; null: no public IP (VPN, peering or Bastion). */
  rdpFrom: string | null;
}

const SECURITY_TYPES: Record<string, SecurityType> = { standard: 'Standard', trustedlaunch: 'TrustedLaunch' };
const LICENSE_TYPES: Record<string, LicenseType | null> = { windows_client: 'Windows_Client', windows_server: 'Windows_Server', none: null };

/** The options, and one problem per bad flag (the caller reports them with the parameters'). */
export function machineOptions(req: DeployLinkRequest): { options: MachineOptions; problems: string[] } {
  const problems: string[] = [];
  const generation: HyperVGeneration = req.generation === 'V2' ? 'V2' : 'V1';

  const securityType = SECURITY_TYPES[(req.securityType ?? 'Standard').trim().toLowerCase()];
  if (!securityType) problems.push(`--security-type "${req.securityType}" must be Standard or TrustedLaunch`);
  else if (securityType === 'TrustedLaunch' && generation !== 'V2')
    problems.push(
      `--security-type TrustedLaunch needs a generation V2 (UEFI, GPT) disk, and this OS layer version boots as ${generation}; deploy it as Standard (leave out --security-type), or import the OS layer again with --generation V2 if its disk is GPT`,
    );

  const licenseKey = (req.licenseType ?? 'none').trim().toLowerCase();
  const licenseType = licenseKey in LICENSE_TYPES ? LICENSE_TYPES[licenseKey] : undefined;
  if (licenseType === undefined)
    problems.push(`--license-type "${req.licenseType}" must be Windows_Client (Windows 10/11, multi-session included), Windows_Server or none`);

  let rdpFrom: string | null = null;
  if (req.publicIp && !req.rdpFrom) problems.push('--public-ip needs --rdp-from CIDR (the address range allowed to RDP, e.g. 203.0.113.0/24)');
  else if (req.rdpFrom && !req.publicIp) problems.push('--rdp-from needs --public-ip (without a public IP, RDP goes through a VPN, peering or Bastion)');
  else if (req.rdpFrom) {
    const why = cidrProblem(req.rdpFrom.trim());
    if (why) problems.push(`--rdp-from "${req.rdpFrom}" ${why}`);
    else rdpFrom = normalizeCidr(req.rdpFrom.trim());
  }
  return { options: { generation, securityType: securityType ?? 'Standard', licenseType: licenseType ?? null, rdpFrom }, problems };
}

/**
 * The shortest prefix RDP may be opened to: a /8 is already 16.7 million addresses, and anything
 * wider (two /1 ranges are the whole internet) is scanned and brute-forced within hours.
 */
export const MIN_RDP_PREFIX = 8;

/** Why a value is not an IPv4 range RDP may be opened to, or null. */
export function cidrProblem(value: string): string | null {
  // The public IP elm creates is IPv4 (publicIPAddressVersion in the template): an IPv6 source would admit nobody.
  if (value.includes(':')) return 'is an IPv6 range, and the public IP elm creates is IPv4 only; give the IPv4 range you connect from (CIDR such as 203.0.113.0/24)';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(value);
  if (!m) return 'is not an IPv4 address or range (CIDR such as 203.0.113.0/24)';
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return 'is not an IPv4 address (each part is 0-255)';
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (bits > 32) return 'has a prefix length over 32';
  if (bits === 0) return 'would admit RDP from the whole internet; give the operator\'s own range';
  if (bits < MIN_RDP_PREFIX)
    return `is a /${bits}: ${2 ** (32 - bits)} addresses, a large part of the internet, which scans and brute-forces RDP within hours; give a prefix of /${MIN_RDP_PREFIX} or longer, ideally your own address range`;
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  if (address % size !== 0) return `has host bits set; the range is ${ipOf(address - (address % size))}/${bits}`;
  return null;
}

function normalizeCidr(value: string): string {
  return value.includes('/') ? value : `${value}/32`;
}

function ipOf(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** How the operator reaches the machine: said by deploy-link and in the task description. */
export function reachNote(options: MachineOptions, vnet: string, subnet: string): string {
  if (options.rdpFrom)
    return `RDP (port 3389) to the machine's public IP is admitted from ${options.rdpFrom} only (its network security group); the public IP and the group are deleted at finalize.`;
  return `The machine has no public IP: RDP to its private IP needs a VPN, virtual network peering or Azure Bastion into ${vnet}/${subnet} (or deploy with --public-ip --rdp-from CIDR).`;
}
