/** Test support for the Azure connector: Azurite, the ARM/identity fake, certificates, env. */
export * from './certs';
export * from './azurite';
export * from './sdkTrust';
export * from './armFake';
export * from './env';
export type { FailFault, DropFault, OperationFault, PathMatcher } from './faults';
export type { InventoryItem, PowerState, ResourceGroup } from './inventory';
export type { RunCommandHandler, RunCommandContext, RunCommandOutput, RunCommandRecord } from './arm/runCommand';
export { RUN_COMMAND_OUTPUT_LIMIT } from './arm/runCommand';
export { MANAGED_OUTPUT_LIMIT, type ManagedRunCommandRecord } from './arm/managedRunCommands';
export type { StorageAccountOptions } from './arm/storage';
export { MANAGED_DISKS_CONTAINER } from './blobs';
export { makeFixedVhd, packagingVmTemplate } from './fixtures';
export * from './sdkClients';
export * from './scenario';
