/**
 * The ARM template of a packaging machine: a NIC in the chosen virtual network and subnet, a
 * managed disk imported from the packaging VHD page blob, and a Windows VM attaching both; every
 * resource tagged with the layer, version and task. The disk and the VM boot the OS layer
 * version's generation (V1 BIOS/MBR, V2 UEFI/GPT: a GPT disk does not boot as V1), Trusted Launch
 * only when asked (V2 only); boot diagnostics on managed storage, so a disk that does not boot
 * shows its console screenshot in the portal. With `--public-ip`, a Standard public IP and a
 * network security group admitting RDP from one range only. apiVersions are at most two years
 * old, and every resource is valid against its schema (test/azure-connector/templateSchema.test.ts). The same template is uploaded for the portal's
 * Custom deployment (parameters pre-filled with the values elm checked) and deployed by `elm
 * machine deploy`. Resource names follow layout.ts resourceNames(). The location is the resource group's: the disk import needs the storage
 * account in that region, which preflight checks.
 */
import { NETWORK_API_VERSION } from './layout';
import type { MachineParams } from './machineParams';

export interface TemplateInputs {
  params: MachineParams;
  /** The packaging disk's blob URL (no SAS: the import is authorised through storageAccountId). */
  sourceVhdUri: string;
  storageAccountId: string;
  tags: Record<string, string>;
}

/** Microsoft.Compute's virtual machines (compute RP) and disks (disk RP) have their own versions. */
export const COMPUTE_API = '2025-04-01';
export const DISK_API = '2026-03-02';
export const NETWORK_API = NETWORK_API_VERSION;

const RDP_RULE = 'rdp-from-operator';

export function packagingMachineTemplate(inputs: TemplateInputs): Record<string, unknown> {
  const { params } = inputs;
  const o = params.options;
  const trustedLaunch = o.securityType === 'TrustedLaunch';
  const nicDepends = o.rdpFrom
    ? ["[resourceId('Microsoft.Network/publicIPAddresses', variables('publicIpName'))]", "[resourceId('Microsoft.Network/networkSecurityGroups', variables('nsgName'))]"]
    : [];
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: { description: 'elm packaging machine: a NIC, a managed disk imported from the packaging VHD, and the VM.' },
    parameters: {
      vmName: {
        type: 'string',
        minLength: 1,
        maxLength: 15,
        defaultValue: params.vmName,
        metadata: { description: 'Packaging Machine Name (a Windows computer name: 1-15 characters, not only digits, no trailing hyphen)' },
      },
      vmSize: { type: 'string', defaultValue: params.vmSize, metadata: { description: 'Size' } },
      virtualNetworkName: { type: 'string', defaultValue: params.virtualNetwork, metadata: { description: 'Virtual Network' } },
      subnetName: { type: 'string', defaultValue: params.subnet, metadata: { description: 'Subnet' } },
      virtualNetworkResourceGroup: {
        type: 'string',
        defaultValue: params.virtualNetworkResourceGroup ?? '[resourceGroup().name]',
        metadata: { description: 'Resource group of the virtual network' },
      },
      sourceVhdUri: { type: 'string', defaultValue: inputs.sourceVhdUri, metadata: { description: 'Packaging disk (fixed VHD page blob)' } },
      storageAccountId: { type: 'string', defaultValue: inputs.storageAccountId, metadata: { description: 'Storage account of the packaging disk' } },
      resourceTags: { type: 'object', defaultValue: inputs.tags, metadata: { description: 'Tags elm finds and removes the machine by' } },
      ...(o.rdpFrom
        ? { rdpSourceAddressPrefix: { type: 'string', defaultValue: o.rdpFrom, metadata: { description: 'The only address range (CIDR) admitted to RDP (3389) to the public IP' } } }
        : {}),
    },
    variables: {
      location: '[resourceGroup().location]',
      nicName: "[concat(parameters('vmName'), '-nic')]",
      diskName: "[concat(parameters('vmName'), '-osdisk')]",
      ...(o.rdpFrom ? { publicIpName: "[concat(parameters('vmName'), '-pip')]", nsgName: "[concat(parameters('vmName'), '-nsg')]" } : {}),
      subnetId:
        "[resourceId(parameters('virtualNetworkResourceGroup'), 'Microsoft.Network/virtualNetworks/subnets', parameters('virtualNetworkName'), parameters('subnetName'))]",
    },
    resources: [
      ...(o.rdpFrom ? publicAccessResources() : []),
      {
        type: 'Microsoft.Network/networkInterfaces',
        apiVersion: NETWORK_API,
        name: "[variables('nicName')]",
        location: "[variables('location')]",
        tags: "[parameters('resourceTags')]",
        ...(nicDepends.length ? { dependsOn: nicDepends } : {}),
        properties: {
          ipConfigurations: [
            {
              name: 'ipconfig1',
              properties: {
                privateIPAllocationMethod: 'Dynamic',
                subnet: { id: "[variables('subnetId')]" },
                ...(o.rdpFrom ? { publicIPAddress: { id: nicDepends[0] } } : {}),
              },
            },
          ],
          ...(o.rdpFrom ? { networkSecurityGroup: { id: nicDepends[1] } } : {}),
        },
      },
      {
        type: 'Microsoft.Compute/disks',
        apiVersion: DISK_API,
        name: "[variables('diskName')]",
        location: "[variables('location')]",
        tags: "[parameters('resourceTags')]",
        sku: { name: 'StandardSSD_LRS' },
        properties: {
          osType: 'Windows',
          hyperVGeneration: o.generation,
          // A Trusted Launch VM attaches only an OS disk created for Trusted Launch.
          ...(trustedLaunch ? { securityProfile: { securityType: 'TrustedLaunch' } } : {}),
          creationData: {
            createOption: 'Import',
            sourceUri: "[parameters('sourceVhdUri')]",
            storageAccountId: "[parameters('storageAccountId')]",
          },
        },
      },
      {
        type: 'Microsoft.Compute/virtualMachines',
        apiVersion: COMPUTE_API,
        name: "[parameters('vmName')]",
        location: "[variables('location')]",
        tags: "[parameters('resourceTags')]",
        dependsOn: [
          "[resourceId('Microsoft.Network/networkInterfaces', variables('nicName'))]",
          "[resourceId('Microsoft.Compute/disks', variables('diskName'))]",
        ],
        properties: {
          hardwareProfile: { vmSize: "[parameters('vmSize')]" },
          ...(o.licenseType ? { licenseType: o.licenseType } : {}),
          ...(trustedLaunch ? { securityProfile: { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } } } : {}),
          // Managed storage (no storageUri): the console screenshot and log, nothing to clean up.
          diagnosticsProfile: { bootDiagnostics: { enabled: true } },
          storageProfile: {
            osDisk: {
              osType: 'Windows',
              createOption: 'Attach',
              deleteOption: 'Detach',
              managedDisk: { id: "[resourceId('Microsoft.Compute/disks', variables('diskName'))]" },
            },
          },
          networkProfile: {
            networkInterfaces: [{ id: "[resourceId('Microsoft.Network/networkInterfaces', variables('nicName'))]", properties: { deleteOption: 'Detach' } }],
          },
        },
      },
    ],
    outputs: {
      vmId: { type: 'string', value: "[resourceId('Microsoft.Compute/virtualMachines', parameters('vmName'))]" },
      nicId: { type: 'string', value: "[resourceId('Microsoft.Network/networkInterfaces', variables('nicName'))]" },
      diskId: { type: 'string', value: "[resourceId('Microsoft.Compute/disks', variables('diskName'))]" },
      ...(o.rdpFrom
        ? {
            publicIpId: { type: 'string', value: nicDepends[0] },
            nsgId: { type: 'string', value: nicDepends[1] },
          }
        : {}),
    },
  };
}

/**
 * A Standard public IP (Basic was retired in September 2025; Standard is static and closed to
 * inbound traffic unless a network security group admits it) and the group that admits RDP
 * from the operator's range only.
 */
function publicAccessResources(): Array<Record<string, unknown>> {
  return [
    {
      type: 'Microsoft.Network/publicIPAddresses',
      apiVersion: NETWORK_API,
      name: "[variables('publicIpName')]",
      location: "[variables('location')]",
      tags: "[parameters('resourceTags')]",
      sku: { name: 'Standard', tier: 'Regional' },
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    },
    {
      type: 'Microsoft.Network/networkSecurityGroups',
      apiVersion: NETWORK_API,
      name: "[variables('nsgName')]",
      location: "[variables('location')]",
      tags: "[parameters('resourceTags')]",
      properties: {
        securityRules: [
          {
            name: RDP_RULE,
            properties: {
              description: 'RDP to the packaging machine from the operator only (elm --rdp-from)',
              priority: 1000,
              direction: 'Inbound',
              access: 'Allow',
              protocol: 'Tcp',
              sourceAddressPrefix: "[parameters('rdpSourceAddressPrefix')]",
              sourcePortRange: '*',
              destinationAddressPrefix: '*',
              destinationPortRange: '3389',
            },
          },
        ],
      },
    },
  ];
}

/** The parameter values of a deployment through ARM (the same values the portal shows pre-filled). */
export function templateParameters(inputs: TemplateInputs): Record<string, { value: unknown }> {
  const { params } = inputs;
  const values: Record<string, unknown> = {
    vmName: params.vmName,
    vmSize: params.vmSize,
    virtualNetworkName: params.virtualNetwork,
    subnetName: params.subnet,
    sourceVhdUri: inputs.sourceVhdUri,
    storageAccountId: inputs.storageAccountId,
    resourceTags: inputs.tags,
  };
  if (params.virtualNetworkResourceGroup) values.virtualNetworkResourceGroup = params.virtualNetworkResourceGroup;
  if (params.options.rdpFrom) values.rdpSourceAddressPrefix = params.options.rdpFrom;
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
}
