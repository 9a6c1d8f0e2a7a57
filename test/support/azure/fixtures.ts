/**
 * Test fixtures for the Azure fakes: a fixed-VHD footer (what Azure checks on import) and a
 * packaging-machine ARM template of the shape the connector deploys (NIC in an existing subnet,
 * a managed disk imported from the packaging VHD, a VM attaching both; everything tagged).
 */
import { buildFixedVhdFooter } from '../../../src/disk/vhd';

/** The 512-byte footer of a fixed VHD whose data part is `dataSize` bytes: elm's own writer. */
export function vhdFooter(dataSize: number): Buffer {
  return buildFixedVhdFooter({ sizeBytes: dataSize });
}

/** A whole fixed VHD in memory (small sizes only): `dataSize` bytes of `fill` then the footer. */
export function makeFixedVhd(dataSize: number, fill: (data: Buffer) => void = () => undefined): Buffer {
  const data = Buffer.alloc(dataSize);
  fill(data);
  return Buffer.concat([data, vhdFooter(dataSize)]);
}

/**
 * A packaging-machine template: parameters vmName, vmSize, virtualNetworkName, subnetName,
 * sourceVhdUri, storageAccountId, resourceTags (object); location = the resource group's.
 */
export function packagingVmTemplate(): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      vmName: { type: 'string', minLength: 1, maxLength: 15, metadata: { description: 'Packaging Machine Name' } },
      vmSize: { type: 'string', defaultValue: 'Standard_D2s_v3' },
      virtualNetworkName: { type: 'string' },
      subnetName: { type: 'string', defaultValue: 'default' },
      virtualNetworkResourceGroup: { type: 'string', defaultValue: '[resourceGroup().name]' },
      sourceVhdUri: { type: 'string' },
      storageAccountId: { type: 'string' },
      resourceTags: { type: 'object', defaultValue: {} },
    },
    variables: {
      location: '[resourceGroup().location]',
      nicName: "[concat(parameters('vmName'), '-nic')]",
      diskName: "[concat(parameters('vmName'), '-osdisk')]",
      subnetId: "[resourceId(parameters('virtualNetworkResourceGroup'), 'Microsoft.Network/virtualNetworks/subnets', parameters('virtualNetworkName'), parameters('subnetName'))]",
    },
    resources: [
      {
        type: 'Microsoft.Network/networkInterfaces',
        apiVersion: '2023-09-01',
        name: "[variables('nicName')]",
        location: "[variables('location')]",
        tags: "[parameters('resourceTags')]",
        properties: {
          ipConfigurations: [
            { name: 'ipconfig1', properties: { privateIPAllocationMethod: 'Dynamic', subnet: { id: "[variables('subnetId')]" } } },
          ],
        },
      },
      {
        type: 'Microsoft.Compute/disks',
        apiVersion: '2023-04-02',
        name: "[variables('diskName')]",
        location: "[variables('location')]",
        tags: "[parameters('resourceTags')]",
        sku: { name: 'Standard_LRS' },
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
        apiVersion: '2024-03-01',
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
            networkInterfaces: [
              { id: "[resourceId('Microsoft.Network/networkInterfaces', variables('nicName'))]", properties: { deleteOption: 'Detach' } },
            ],
          },
        },
      },
    ],
    outputs: {
      vmId: { type: 'string', value: "[resourceId('Microsoft.Compute/virtualMachines', parameters('vmName'))]" },
      diskId: { type: 'string', value: "[resourceId('Microsoft.Compute/disks', variables('diskName'))]" },
    },
  };
}
