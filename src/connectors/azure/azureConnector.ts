/**
 * The Azure connector (seed: Create a Platform Layer, Azure connector): the packaging disk is a
 * fixed VHD page blob in the customer's storage account; the packaging machine is deployed from an
 * ARM template, by the operator through the portal link or by elm through ARM; verify runs the
 * probe through Run Command; finalize deallocates, copies the OS disk server-side into the layer
 * repository container and deletes every resource the machine used.
 */
import type { ConnectorConfig } from '../../domain/state';
import type {
  CheckResult,
  Connector,
  ConnectorEnvironment,
  DeployLink,
  DeployLinkRequest,
  DiskLocation,
  FinalizeRequest,
  LayerArtifact,
  MachineRef,
  MachineScript,
  MachineScriptResult,
  MachineStatus,
  PackagingDiskRequest,
  ProgressSink,
} from '../connector';
import { DISK_FORMATS_BY_TYPE } from '../../domain/vocabulary';
import { createAzureClients } from './clients';
import { blobUrl, packagingBlobName, type AzureSettings } from './layout';

export function createAzureConnector(config: ConnectorConfig, envt: ConnectorEnvironment): Connector {
  const settings = config.settings as unknown as AzureSettings;
  const clients = createAzureClients(settings, envt.env);

  return {
    type: 'azure',
    diskFormats: DISK_FORMATS_BY_TYPE.azure,
    resumesPackagingDisk: true,

    async test(opts: { fix?: boolean } = {}): Promise<CheckResult[]> {
      const { testAzureConnector } = await import('./connectorTest.js');
      return testAzureConnector(clients, config.name, opts);
    },

    async preflight(machine?: DeployLinkRequest): Promise<void> {
      const { preflight } = await import('./preflight/checks.js');
      await preflight(clients, machine);
    },

    packagingDiskLocation(req) {
      return blobUrl(settings, packagingBlobName(req));
    },

    async createPackagingDisk(req: PackagingDiskRequest, progress: ProgressSink): Promise<DiskLocation> {
      const { createPackagingDisk } = await import('./packagingDisk.js');
      return createPackagingDisk(clients, envt.home, req, progress);
    },

    async discardPackagingDisk(location: string): Promise<void> {
      const { discardPackagingDisk } = await import('./packagingDisk.js');
      await discardPackagingDisk(clients, envt.home, location);
    },

    async publishToGallery(req, progress, record) {
      const { publishToGallery } = await import('./gallery.js');
      return publishToGallery(clients, req, progress, record);
    },

    async checkGalleryPublish(req) {
      const { checkGalleryPublish } = await import('./gallery.js');
      return checkGalleryPublish(clients, req);
    },

    async removeGalleryResources(created, taskId) {
      const { removeGalleryResources } = await import('./gallery.js');
      return removeGalleryResources(clients, created, taskId);
    },

    async deployLink(req: DeployLinkRequest): Promise<DeployLink> {
      const { deployLink } = await import('./deployLink.js');
      return deployLink(clients, req);
    },

    async deployMachine(req: DeployLinkRequest, progress: ProgressSink, record?: (machine: MachineRef) => Promise<void>): Promise<MachineRef> {
      const { deployMachine } = await import('./deploy.js');
      return deployMachine(clients, req, progress, record);
    },

    async machineStatus(ref: MachineRef | null, disk: DiskLocation): Promise<MachineStatus> {
      const { findMachine, layerOfDiskLocation, powerState, statusOfPower } = await import('./machine.js');
      const layer = layerOfDiskLocation(clients, disk.location);
      const m = ref?.name ? await findMachine(clients, ref, layer ?? { id: '', version: '' }) : layer ? await findMachine(clients, null, layer) : null;
      if (!m) return 'absent';
      return statusOfPower(await powerState(clients, m));
    },

    async discoverMachine(disk: DiskLocation): Promise<MachineRef | null> {
      const { findMachine, layerOfDiskLocation } = await import('./machine.js');
      const layer = layerOfDiskLocation(clients, disk.location);
      const m = layer ? await findMachine(clients, null, layer) : null;
      if (!m) return null;
      return { name: m.vmName, resources: { resourceGroup: m.resourceGroup, vmId: m.vmId, nicId: m.nicId, diskId: m.diskId, publicIpId: m.publicIpId, nsgId: m.nsgId, deploymentName: m.deploymentName, tags: m.tags } };
    },

    async probeIntegrity(ref: MachineRef, opts: { expediteNgen: boolean; shutdown: boolean }): Promise<string> {
      const { runProbe } = await import('./runCommand.js');
      return runProbe(clients, ref, opts);
    },

    async runOnMachine(ref: MachineRef, req: MachineScript): Promise<MachineScriptResult> {
      const { runStepOnMachine } = await import('./guestScript.js');
      return runStepOnMachine(clients, ref, req);
    },

    async stopMachineScripts(ref: MachineRef): Promise<string[]> {
      const [{ deleteRunCommand, stepRunCommands }, { machineResources }] = await Promise.all([import('./managedRunCommand.js'), import('./machine.js')]);
      const m = machineResources(clients, ref);
      const names = await stepRunCommands(clients, m);
      for (const name of names) await deleteRunCommand(clients, m, name);
      return names;
    },

    async restartMachine(ref: MachineRef, signal?: AbortSignal): Promise<void> {
      const { restartMachine } = await import('./guestScript.js');
      await restartMachine(clients, ref, signal);
    },

    async finalize(req: FinalizeRequest, progress: ProgressSink): Promise<LayerArtifact> {
      const { captureDisk } = await import('./capture.js');
      return captureDisk(clients, req, progress);
    },

    async cleanup(req: FinalizeRequest, progress: ProgressSink): Promise<void> {
      const { cleanupAfterFinalize } = await import('./cleanup.js');
      await cleanupAfterFinalize(clients, req, progress);
    },
  };
}
