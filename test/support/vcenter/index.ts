/**
 * A local HTTPS fake of vCenter (vSphere Automation REST API 7.0U2+, datastore /folder access,
 * guest operations) for the vsphere connector's tests.
 *
 *   const fake = await startVCenterFake({
 *     users: { 'administrator@vsphere.local': 'Secret1!' },
 *     guestUsers: { Administrator: 'GuestPw1!' },
 *     inventory: { datacenters: ['DC1'], datastores: ['ds1'], hosts: ['esx1.lab'], networks: ['VM Network'],
 *                  folders: ['Packaging'], templates: ['win2019-tpl'] },
 *   });
 *   fake.onGuestProcess('PKG-01', (path, args) => ({ exitCode: 0, writeFiles: { 'C:\\elm\\report.json': '{...}' } }));
 *   // spawn elm with NODE_EXTRA_CA_CERTS=fake.caCertPath and --server fake.host
 *   await fake.stop();
 */
export { VCenterFake, startVCenterFake } from './server';
export type { InventorySpec, RecordedRequest, VCenterFakeOptions } from './server';
export type { DropSpec, FailSpec } from './faults';
export type { GuestFilesView, GuestProcessHandler, GuestProcessInfo, GuestProcessRecord, GuestProcessResult } from './guestOps';
export type { DatastoreFileEntry } from './datastoreFiles';
export type { AboutSpec } from './serviceContent';
export type { DatastoreSpec, FolderSpec, FolderType, HostSpec, NetworkSpec, NetworkType } from './inventory';
export type { PowerState, VmSpec, VmView } from './vmRoutes';
export { ESXI_DISK_TYPES, inspectVmdk, vmfsDescriptor } from './vmdk';
export type { VmdkInfo } from './vmdk';
export { runMarkers, windowsGuest } from './windowsGuest';
export type { StepOutcome, WindowsGuestOptions } from './windowsGuest';
