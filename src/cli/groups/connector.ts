import type { Command } from 'commander';
import { collect, lazyAction } from '../action';

export function registerConnector(program: Command): void {
  const connector = program.command('connector').description('connector configurations: where packaging disks and machines live');
  const add = connector.command('add').description('add a connector configuration');

  add
    .command('fileshare')
    .description('a folder (local or a mounted network share) that receives packaging disks')
    .requiredOption('--name <name>', 'connector name')
    .option('--path <dir>', 'share folder (default: <home>/share)')
    .option('--machine-path <path>', 'the same folder as packaging machines see it, e.g. \\\\files\\elm')
    .action(lazyAction<Record<string, unknown>>(() => import('../../commands/connector/add.js').then((m) => ({ run: m.addConnector('fileshare') }))));

  add
    .command('azure')
    .description('Microsoft Azure: a storage account for disks, a resource group for machines')
    .requiredOption('--name <name>', 'connector name')
    .requiredOption('--subscription <id>', 'subscription id')
    .requiredOption('--tenant <id>', 'Microsoft Entra tenant id')
    .requiredOption('--storage-account <name>', 'storage account for packaging disks')
    .requiredOption('--resource-group <rg>', 'resource group for packaging machines')
    .requiredOption('--location <loc>', 'Azure region, e.g. westeurope')
    .option('--container <name>', 'blob container', 'elm')
    .option('--client-id <id>', 'service principal (app) id; default: DefaultAzureCredential')
    .option('--client-secret-env <var>', 'environment variable holding the client secret (never stored)')
    .option('--account-key-env <var>', 'environment variable holding a storage account key instead of Entra auth')
    .option('--cloud <name>', 'AzureCloud, AzureUSGovernment or AzureChinaCloud: sets the ARM, sign-in, blob and portal endpoints together')
    .option('--arm-endpoint <url>', 'Azure Resource Manager endpoint (sovereign clouds, Azure Stack)')
    .option('--authority-host <url>', 'Microsoft Entra authority host')
    .option('--blob-endpoint <url>', 'blob service endpoint of the storage account')
    .option('--machine-template-spec <id|file>', "the operator's ARM template for packaging machines: a template spec version id or a local template file")
    .action(lazyAction<Record<string, unknown>>(() => import('../../commands/connector/add.js').then((m) => ({ run: m.addConnector('azure') }))));

  add
    .command('vsphere')
    .description('VMware vSphere: a datastore for disks, a folder for packaging machines')
    .requiredOption('--name <name>', 'connector name')
    .requiredOption('--server <host>', 'vCenter server')
    .requiredOption('--user <user>', 'vCenter user')
    .option('--password-env <var>', 'environment variable holding the password (never stored)', 'ELM_VSPHERE_PASSWORD')
    .requiredOption('--datacenter <dc>', 'datacenter')
    .requiredOption('--datastore <ds>', 'datastore')
    .requiredOption('--host <host>', 'ESXi host')
    .requiredOption('--network <net>', 'network')
    .requiredOption('--folder <folder>', 'VM folder')
    .option('--template <template>', 'VM template for packaging machines')
    .option('--guest-user-env <var>', 'environment variable holding the guest OS user', 'ELM_GUEST_USER')
    .option('--guest-password-env <var>', 'environment variable holding the guest OS password', 'ELM_GUEST_PASSWORD')
    .action(lazyAction<Record<string, unknown>>(() => import('../../commands/connector/add.js').then((m) => ({ run: m.addConnector('vsphere') }))));

  add
    .command('pvs')
    .description('Citrix Provisioning (PVS): where layered images are published')
    .requiredOption('--name <name>', 'connector name')
    .requiredOption('--console <host>', 'PVS console host')
    .requiredOption('--user <user>', 'domain user, e.g. CORP\\\\svc-elm')
    .option('--password-env <var>', 'environment variable holding the password (never stored)', 'ELM_PVS_PASSWORD')
    .requiredOption('--site <site>', 'PVS site')
    .requiredOption('--store <store>', 'PVS store')
    .option('--store-path <dir>', "the store's folder as mounted here (layer publish writes vDisk files into it)")
    .option('--write-cache <type>', 'write cache type', 'cacheInDeviceRamWithOverflow')
    .option('--license-mode <mode>', 'kms, mak or none', 'none')
    .option('--server <host=version[,agent][,console]>', 'a PVS server, its version and what is installed (repeatable)', collect)
    .action(lazyAction<Record<string, unknown>>(() => import('../../commands/connector/add.js').then((m) => ({ run: m.addConnector('pvs') }))));

  connector.command('list').description('list connector configurations').action(lazyAction(() => import('../../commands/connector/list.js')));
  connector.command('show <name>').description('show one connector configuration').action(lazyAction(() => import('../../commands/connector/show.js')));
  connector
    .command('test <name>')
    .description('check that the connector works and its prerequisites hold')
    .option('--fix', 'also set up what can be set up (Azure: the Blob CORS rule the portal link needs, added to the existing rules)')
    .action(lazyAction(() => import('../../commands/connector/test.js')));
  connector
    .command('remove <name>')
    .description('remove a connector configuration no layer version needs')
    .option('--yes', 'remove without asking (needed without a terminal)')
    .action(lazyAction(() => import('../../commands/connector/remove.js')));
}
