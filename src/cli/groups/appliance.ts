import type { Command } from 'commander';
import { lazyAction } from '../action';

export function registerAppliance(program: Command): void {
  const appliance = program.command('appliance').description('App Layering appliances (ELM) elm works on with --appliance NAME');
  appliance
    .command('add')
    .description('record an appliance: where it is and as whom elm logs in (the password is never stored)')
    .requiredOption('--name <name>', 'appliance name, as --appliance takes it')
    .requiredOption('--server <host|host:port|url>', 'the appliance: elm01.corp.local, elm01:8443 or https://elm01.corp.local')
    .requiredOption('--user <user>', 'the management console user, e.g. administrator')
    .option('--password-env <var>', 'environment variable holding the password (never stored)', 'ELM_APPLIANCE_PASSWORD')
    .option('--ca-file <file>', "PEM file of the appliance's certificate or its CA (default: Node's CA store and NODE_EXTRA_CA_CERTS)")
    .action(lazyAction(() => import('../../commands/appliance/add.js')));
  appliance.command('list').description('list the appliances elm knows').action(lazyAction(() => import('../../commands/appliance/list.js')));
  appliance.command('show <name>').description('show one appliance').action(lazyAction(() => import('../../commands/appliance/show.js')));
  appliance
    .command('test <name>')
    .description('log in, read the version, and list the file shares, platform connector configurations and OS layers the flow needs')
    .action(lazyAction(() => import('../../commands/appliance/test.js')));
  appliance
    .command('remove <name>')
    .description("forget an appliance (nothing on the appliance changes)")
    .option('--yes', 'remove without asking (needed without a terminal)')
    .action(lazyAction(() => import('../../commands/appliance/remove.js')));
}
