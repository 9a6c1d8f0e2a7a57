/**
 * The PVS context verify evaluates a report with (src/integrity/versionContext.ts): from
 * the version's recipes, its platform types and the OS layer version it is bound to.
 */
import { integrityContext } from '../../src/integrity/versionContext';
import { STATE_SCHEMA_VERSION, type ConnectorConfig, type LayerVersion, type State } from '../../src/domain/state';
import { evaluateReport } from '../../src/integrity/evaluate';
import type { IntegrityReport } from '../../src/integrity/report';

const pvs = (name: string, licenseMode: string, versions: string[]): ConnectorConfig => ({
  id: name,
  name,
  type: 'pvs',
  createdAt: '2026-01-01T00:00:00Z',
  settings: { licenseMode, servers: versions.map((v, i) => ({ host: `pvs${i}`, version: v, agent: true, console: true })) },
});

function state(connectors: ConnectorConfig[]): State {
  const disk = { location: '/os.raw', format: 'raw' as const, sizeBytes: 1 };
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    nextId: 10,
    connectors: [{ id: 'v', name: 'vs', type: 'vsphere', createdAt: '', settings: {} }, ...connectors],
    osLayers: [
      {
        id: 'o',
        name: 'win',
        createdAt: '',
        versions: [
          { name: '1', disk, ipv6: 'enabled', createdAt: '' },
          { name: '2', disk, ipv6: 'disabled', createdAt: '' },
        ],
      },
    ],
    icons: [],
    layers: [],
    tasks: [],
  };
}

function version(over: Partial<LayerVersion>): LayerVersion {
  return {
    name: '1',
    description: '',
    state: 'Editing',
    maxSizeGiB: 10,
    osLayer: { name: 'win', version: '2' },
    connector: 'vs',
    platform: { purpose: 'publishing' },
    recipes: [],
    packagingDisk: { name: 'x', format: 'vmdk', location: null, sizeBytes: null },
    createTaskId: null,
    machine: null,
    integrity: null,
    artifact: null,
    createdAt: '',
    ...over,
  };
}

const report = (details: IntegrityReport['details']): IntegrityReport => ({ schema: 1, machine: 'M', at: '2026-01-01T00:00:00Z', blockers: [], shutdownRequested: false, details });

describe('integrityContext', () => {
  it('has nothing to check for a layer not published to PVS', () => {
    expect(integrityContext(state([]), version({ osLayer: { name: 'win', version: '1' } }))).toEqual({});
  });

  it('takes the server versions and the strictest license mode from every PVS recipe', () => {
    const s = state([pvs('pvs-a', 'mak', ['2203.0.0']), pvs('pvs-b', 'kms', ['2203.0.0', '2311.0.0'])]);
    expect(integrityContext(s, version({ recipes: ['vs', 'pvs-a', 'pvs-b'] }))).toEqual({
      expectIpv6Enabled: false,
      publishesToPvs: true,
      pvs: { serverVersions: ['2203.0.0', '2311.0.0'], licenseMode: 'kms' },
    });
  });

  it('does not block the IPv6 the machine inherits from an OS layer version that disabled it (what PVS needs)', () => {
    const s = state([pvs('pvs', 'kms', ['2203.0.0'])]);
    const ctx = integrityContext(s, version({ recipes: ['pvs'], osLayer: { name: 'win', version: '2' } }));
    expect(evaluateReport(report({ ipv6Enabled: false, pvsTargetDeviceVersion: '2203.0.0', kmsRearmed: true }), ctx)).toEqual({ ready: true, blockers: [] });
  });

  it('blocks a platform layer that disabled IPv6 itself: its OS layer version has IPv6 enabled', () => {
    const s = state([]);
    const ctx = integrityContext(s, version({ platform: { purpose: 'publishing', provisioning: 'pvs' }, osLayer: { name: 'win', version: '1' } }));
    expect(ctx).toEqual({ expectIpv6Enabled: true, publishesToPvs: true });
    expect(evaluateReport(report({ ipv6Enabled: false }), ctx).blockers.map((b) => b.id)).toEqual(['ipv6DisabledOnPlatformLayer']);
    // IPv6 on in the machine is on in its OS layer, whatever the layer declares: PVS needs it off there.
    expect(evaluateReport(report({ ipv6Enabled: true }), ctx).blockers.map((b) => b.id)).toEqual(['ipv6EnabledForPvs']);
  });

  it('names the server version when the target device software is missing, and both versions on a mismatch', () => {
    const ctx = integrityContext(state([pvs('pvs', 'none', ['2203.0.0'])]), version({ recipes: ['pvs'] }));
    expect(evaluateReport(report({ ipv6Enabled: false, pvsTargetDeviceVersion: null }), ctx).blockers[0].message).toBe(
      'The PVS Target Device software is not installed on the Packaging Machine - install version 2203.0.0, the version of the PVS server.',
    );
    expect(evaluateReport(report({ pvsTargetDeviceVersion: '1912.0.0' }), ctx).blockers[0].message).toBe(
      'The PVS Target Device software on the Packaging Machine is version 1912.0.0 but the PVS server is version 2203.0.0 - they must match.',
    );
  });
});
