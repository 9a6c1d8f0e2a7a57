/**
 * The ARM template of a packaging machine: a NIC in the chosen virtual network and subnet, a
 * managed disk imported from the packaging VHD page blob, and a Windows VM attaching both; every
 * resource tagged with the layer, version and task. The same template is uploaded for the portal's
 * Custom deployment (parameters pre-filled with the values elm checked) and deployed by `elm
 * machine deploy`. Resource names follow layout.ts resourceNames(). The location is the resource group's: the disk import needs the storage
 * account in that region, which preflight checks.
 */
import type { MachineParams } from './machineParams';

export interface TemplateInputs {
  params: MachineParams;
  /** The packaging disk's blob URL (no SAS: the import is authorised through storageAccountId). */
  sourceVhdUri: string;
  storageAccountId: string;
  tags: Record<string, string>;
}

const COMPUTE_API = '2024-03-01';
const DISK_API = '2023-04-02';
const NETWORK_API = '2023-09-01';

export function packagingMachineTemplate(inputs: TemplateInputs): Record<string, unknown> {
  const { params } = inputs;
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
    },
    variables: {
      location: '[resourceGroup().location]',
      nicName: "[concat(parameters('vmName'), '-nic')]",
      diskName: "[concat(parameters('vmName'), '-osdisk')]",
      subnetId:
        "[resourceId(parameters('virtualNetworkResourceGroup'), 'Microsoft.Network/virtualNetworks/subnets', parameters('virtualNetworkName'), parameters('subnetName'))]",
    },
    resources: [
      {
        type: 'Microsoft.Network/networkInterfaces',
        apiVersion: NETWORK_API,
        name: "[variables('nicName')]",
        location: "[variables('location')]",
        tags: "[parameters('resourceTags')]",
        properties: {
          ipConfigurations: [{ name: 'ipconfig1', properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: "[variables('subnetId')]" } } }],
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
          hyperVGeneration: 'V1',
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
    },
  };
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
  return Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }]));
}
