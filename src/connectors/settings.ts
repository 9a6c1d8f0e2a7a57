/**
 * Per-type connector settings: turned from flags into what is stored (never a secret, only the
 * name of the environment variable that holds it) and described for `connector show`.
 */
import type { ConnectorType } from '../domain/vocabulary';

export interface SettingsModule {
  /** Validates flags (UsageError naming the flag) and returns the settings to store. */
  fromFlags(flags: Record<string, unknown>, home: string): Promise<Record<string, unknown>>;
}

export async function loadSettingsModule(type: ConnectorType): Promise<SettingsModule> {
  switch (type) {
    case 'fileshare':
      return import('./fileshare/settings.js');
    case 'azure':
      return import('./azure/settings.js');
    case 'vsphere':
      return import('./vsphere/settings.js');
    case 'pvs':
      return import('./pvs/settings.js');
  }
}
