/**
 * Test fixtures for the Azure fakes: a fixed-VHD footer (what Azure checks on import) and a
 * packaging-machine ARM template of the shape the connector deploys (NIC in an existing subnet,
 * a managed disk imported from the packaging VHD, a VM attaching both; everything tagged).
 */
import { randomBytes } from 'node:crypto';

/** The 512-byte footer of a fixed VHD whose data part is `dataSize` bytes. */
export function vhdFooter(dataSize: number): Buffer {
  const f = Buffer.alloc(512);
  f.write('conectix', 0, 'latin1');
  f.writeUInt32BE(2, 8); // features: reserved bit
  f.writeUInt32BE(0x00010000, 12); // format version 1.0
  f.writeBigUInt64BE(0xffffffffffffffffn, 16); // data offset: none (fixed disk)
  f.writeUInt32BE(Math.floor((Date.now() - Date.UTC(2000, 0, 1)) / 1000), 24);
  f.write('elm ', 28, 'latin1');
  f.writeUInt32BE(0x00010000, 32);
  f.write('Wi2k', 36, 'latin1');
  f.writeBigUInt64BE(BigInt(dataSize), 40);
  f.writeBigUInt64BE(BigInt(dataSize), 48);
  const { cylinders, heads, sectors } = chs(dataSize / 512);
  f.writeUInt16BE(cylinders, 56);
  f.writeUInt8(heads, 58);
  f.writeUInt8(sectors, 59);
  f.writeUInt32BE(2, 60); // disk type: fixed
  randomBytes(16).copy(f, 68);
  let sum = 0;
  for (const b of f) sum += b;
  f.writeUInt32BE(~sum >>> 0, 64);
  return f;
}

/** A whole fixed VHD in memory (small sizes only): `dataSize` bytes of `fill` then the footer. */
export function makeFixedVhd(dataSize: number, fill: (data: Buffer) => void = () => undefined): Buffer {
  const data = Buffer.alloc(dataSize);
  fill(data);
  return Buffer.concat([data, vhdFooter(dataSize)]);
}

/** CHS geometry from the VHD specification. */
function chs(totalSectors: number): { cylinders: number; heads: number; sectors: number } {
  let total = Math.min(totalSectors, 65535 * 16 * 255);
  let sectors: number;
  let heads: number;
  let cylTimesHeads: number;
  if (total >= 65535 * 16 * 63) {
    sectors = 255;
    heads = 16;
    cylTimesHeads = Math.floor(total / sectors);
  } else {
    sectors = 17;
    cylTimesHeads = Math.floor(total / sectors);
    heads = Math.max(4, Math.floor((cylTimesHeads + 1023) / 1024));
    if (cylTimesHeads >= heads * 1024 || heads > 16) {
      sectors = 31;
      heads = 16;
      cylTimesHeads = Math.floor(total / sectors);
    }
    if (cylTimesHeads >= heads * 1024) {
      sectors = 63;
      heads = 16;
      cylTimesHeads = Math.floor(total / sectors);
    }
  }
  total = cylTimesHeads;
  return { cylinders: Math.floor(total / heads), heads, sectors };
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
