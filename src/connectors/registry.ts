import { UsageError } from '../domain/errors';
import type { ConnectorConfig } from '../domain/state';
import type { Connector, ConnectorEnvironment } from './connector';

/** Loads only the connector folder a configuration needs (the Azure SDK stays unloaded for a file share). */
export async function loadConnector(config: ConnectorConfig, envt: ConnectorEnvironment): Promise<Connector> {
  switch (config.type) {
    case 'fileshare':
      return (await import('./fileshare/fileshareConnector.js')).createFileshareConnector(config, envt);
    case 'vsphere':
      return (await import('./vsphere/vsphereConnector.js')).createVsphereConnector(config, envt);
    case 'azure':
      return (await import('./azure/azureConnector.js')).createAzureConnector(config, envt);
    case 'pvs':
      throw new UsageError(
        `Connector "${config.name}" is a PVS connector: layered images are published to it, layers are not packaged there. Use it with --recipe, and package with a vsphere or fileshare connector.`,
      );
  }
}
