/**
 * The Custom deployment parameters of the seed: Packaging Machine Name (Azure's Windows VM name
 * rules), Size, Virtual Network and Subnet — checked before anything is uploaded or deployed, so a
 * bad value is exit 2 naming the flag instead of a failed deployment in the portal.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../../domain/errors';
import type { DeployLinkRequest, LayerRef } from '../connector';
import { machineOptions, type MachineOptions } from './machineOptions';

export interface MachineParams {
  vmName: string;
  vmSize: string;
  virtualNetwork: string;
  /** The virtual network's resource group (`--vnet RG/NAME`); default: the connector's. */
  virtualNetworkResourceGroup: string | null;
  subnet: string;
  options: MachineOptions;
}

const FORBIDDEN = ' ~!@#$%^&*()=+_[]{}\\|;:.\'",<>/?';

/** true, or why the name is not a Windows computer / Azure VM name. */
export function windowsVmNameRule(name: string): true | string {
  if (name.length < 1 || name.length > 15) return `must be 1 to 15 characters (got ${name.length})`;
  const bad = [...new Set([...name].filter((c) => FORBIDDEN.includes(c) || c.charCodeAt(0) < 0x20 || c.charCodeAt(0) > 0x7e))];
  if (bad.length) return `must not contain ${bad.map((c) => (c === ' ' ? 'spaces' : `"${c}"`)).join(', ')}`;
  if (/^\d+$/.test(name)) return 'must not be only digits';
  if (name.endsWith('-')) return 'must not end with a hyphen';
  return true;
}

/**
 * A default machine name unique per layer version: up to 8 letters, digits and hyphens of the
 * layer name, then 6 hex digits of the layer id and version (15 characters at most, a Windows
 * computer name). One name for every version made version 2's deploy land on version 1's machine.
 */
export function defaultVmName(layer: LayerRef): string {
  const stem = layer.name.replace(/[^A-Za-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 8).replace(/-+$/, '');
  const suffix = createHash('sha256').update(`${layer.id}\n${layer.version}`).digest('hex').slice(0, 6);
  return `${stem || 'elm'}-${suffix}`;
}

const AZURE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,78}[A-Za-z0-9_]$|^[A-Za-z0-9]$/;

/** Validates every parameter at once; one UsageError names each missing flag and each bad value. */
export function machineParams(req: DeployLinkRequest): MachineParams {
  const missing: string[] = [];
  const problems: string[] = [];
  const vmName = req.machineName?.trim() || defaultVmName(req.layer);
  const nameOk = windowsVmNameRule(vmName);
  if (nameOk !== true) problems.push(`--machine-name "${vmName}" (Packaging Machine Name) ${nameOk}`);
  const vmSize = req.size?.trim() ?? '';
  if (!vmSize) missing.push('--size (Size, e.g. Standard_D2s_v3)');
  else if (!/^[A-Za-z0-9_-]{1,64}$/.test(vmSize)) problems.push(`--size "${vmSize}" is not an Azure VM size such as Standard_D2s_v3`);
  const vnetFlag = req.vnet?.trim() ?? '';
  let virtualNetwork = vnetFlag;
  let virtualNetworkResourceGroup: string | null = null;
  if (!vnetFlag) missing.push('--vnet (Virtual Network)');
  else {
    const parts = vnetFlag.split('/');
    if (parts.length === 2) [virtualNetworkResourceGroup, virtualNetwork] = parts;
    if (parts.length > 2 || !AZURE_NAME.test(virtualNetwork) || (virtualNetworkResourceGroup !== null && !/^[-\w._()]{1,90}$/.test(virtualNetworkResourceGroup)))
      problems.push(`--vnet "${vnetFlag}" is not a virtual network name (NAME, or RESOURCE-GROUP/NAME for one in another resource group)`);
  }
  const subnet = req.subnet?.trim() ?? '';
  if (!subnet) missing.push('--subnet (Subnet)');
  else if (!AZURE_NAME.test(subnet)) problems.push(`--subnet "${subnet}" is not a subnet name`);
  const { options, problems: optionProblems } = machineOptions(req);
  problems.push(...optionProblems);
  if (missing.length || problems.length) {
    const parts = [];
    if (missing.length) parts.push(`missing ${missing.join(', ')}`);
    parts.push(...problems);
    throw new UsageError(`The packaging machine parameters are not complete: ${parts.join('; ')}.`);
  }
  return { vmName, vmSize, virtualNetwork, virtualNetworkResourceGroup, subnet, options };
}
