import type { Command } from 'commander';
import { collect, lazyAction } from '../action';
import { waitOptions } from '../waitOptions';

/** The flags of the Create Platform Layer wizard, shared by `layer create` and `layer version add`. */
function wizardFlags(cmd: Command): Command {
  return cmd
    .option('--description <text>', 'Layer Description')
    .option('--version-description <text>', 'Version Description')
    .option('--max-size <GiB>', 'Max Layer Size in GiB (default 10); when given, the packaging disk grows to it (extend the partition in the guest)')
    .option('--os-layer <name[@version]>', 'OS layer (and version; default its newest)')
    .option('--connector <name>', 'connector configuration where the layer is packaged')
    .option('--purpose <purpose>', 'packaging (create and update layers) or publishing (publish layered images)')
    .option('--hypervisor <id>', 'azure, vsphere, hyperv, xenserver, acropolis, aws, otherHypervisor')
    .option('--provisioning <id>', 'mcs, pvs, viewcomposer, otherProvisioning, or none (publishing layers)')
    .option('--broker <id>', 'xenapp, xendesktop, azurerdsh, rds, view, otherBroker, or none (publishing layers)')
    .option('--recipe <connector>', 'connector the layered image is published to (repeatable)', collect)
    .option('--disk-name <file>', 'Packaging Disk file name (default: the layer name)')
    .option('--disk-format <format>', 'vhd, vhdx, vmdk, qcow2 or raw, as the connector accepts')
    .option('--icon <id|file>', 'icon id, or a PNG/JPG file to import')
    .option('--comment <text>', 'comment for the audit history')
    .option('--yes', 'skip the final confirmation');
}

export function registerLayer(program: Command): void {
  const layer = program.command('layer').description('platform layers and their versions');
  waitOptions(wizardFlags(
    layer
      .command('create')
      .description('create a platform layer and its packaging disk (a wizard on a terminal)')
      .option('-f, --file <spec.yaml>', 'YAML spec with the same fields as the flags, in camelCase')
      .option('--name <name>', 'Layer Name')
      .option('--version <version>', 'Version'),
  ), 'default on a terminal').action(lazyAction(() => import('../../commands/layer/create.js')));
  layer
    .command('build')
    .description('build a platform layer unattended from a build spec: packaging disk, steps on the machine, finalize')
    .requiredOption('-f, --file <platform.yaml>', 'build spec: layer fields, machine, secrets (env var names), steps')
    .option('--wait', 'wait until the build ends or needs action')
    .option('--keep-machine-on-failure', 'leave the packaging machine for inspection when a step fails')
    .action(lazyAction(() => import('../../commands/layer/build.js')));
  waitOptions(
    layer
      .command('publish <layer>')
      .description('publish a Deployable version as an image the platform boots (an image file, a PVS vDisk, an Azure Compute Gallery image version, a vSphere template or content library item)')
      .option('--version <version>', 'the Deployable version to publish (default: the newest Deployable one)')
      .requiredOption('--to <connector>', 'where the image goes: a fileshare, pvs, azure or vsphere connector')
      .option('--format <format>', 'image file format: vhdx (default), vhd, vmdk or qcow2; a PVS vDisk: vhdx or vhd')
      .option('--out <dir>', 'folder for the image file (fileshare; default the share folder)')
      .option('--name <name>', 'image file name without extension (default: <layer>-<version>)')
      .option('--comment <text>', 'comment for the audit history')
      .option('--gallery <name>', 'Azure Compute Gallery (azure connectors)')
      .option('--image-definition <name>', 'gallery image definition (azure connectors)')
      .option('--image-version <x.y.z>', 'gallery image version (azure connectors)')
      .option('--regions <r,...>', 'replicate the image version to these regions too, comma-separated (azure connectors)')
      .option('--replica-region <region>', 'also replicate the image version to this region (azure connectors; repeatable)', collect)
      .option('--storage-account-type <type>', 'Standard_LRS (default), Standard_ZRS or Premium_LRS (azure connectors)')
      .option('--template-name <name>', 'VM template (or library item) name (vsphere connectors; default: <layer>-<version>)')
      .option('--library <name>', 'a VM template item in this local content library instead of a template VM in the folder (vsphere connectors)')
      .option('--replace', 'replace the template or item of that name an earlier elm publish made (vsphere connectors)'),
    'off by default',
  ).action(lazyAction(() => import('../../commands/layer/publish.js')));
  layer.command('list').description('list platform layers').action(lazyAction(() => import('../../commands/layer/list.js')));
  layer
    .command('show <layer>')
    .description('a layer, its versions and audit history')
    .action(lazyAction(() => import('../../commands/layer/show.js')));
  layer
    .command('remove <layer>')
    .description('remove a layer and all its versions, with the disks elm made for them')
    .option('--yes', 'remove without asking (needed without a terminal)')
    .action(lazyAction(() => import('../../commands/layer/remove.js')));
  const version = layer.command('version').description('layer versions');
  waitOptions(wizardFlags(
    version
      .command('add <layer>')
      .description('add a version to a layer, with a new packaging disk')
      .option('-f, --file <spec.yaml>', 'YAML spec')
      .option('--version <version>', 'Version'),
  ), 'default on a terminal').action(lazyAction(() => import('../../commands/layer/versionAdd.js')));
  version
    .command('remove <layer>')
    .description('remove one version of a layer, with the disks elm made for it')
    .requiredOption('--version <version>', 'the version to remove')
    .option('--comment <text>', 'comment for the audit history')
    .option('--yes', 'remove without asking (needed without a terminal)')
    .action(lazyAction(() => import('../../commands/layer/versionRemove.js')));
}
