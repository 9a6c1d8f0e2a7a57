import { probeCommand } from '../../src/connectors/fileshare/deployInstructions';
import { probeArguments } from '../../src/integrity/probeArguments';

describe('the probe parameters printed into the file share instructions', () => {
  it('passes the PVS version, KMS rearm and IPv6 expectations so -Shutdown refuses what elm would', () => {
    expect(probeArguments({ pvs: { serverVersions: ['2203.0.0'], licenseMode: 'kms' }, expectIpv6Enabled: true })).toEqual([
      '-PvsVersion',
      '2203.0.0',
      '-KmsRearm',
      '-ExpectIPv6',
    ]);
    expect(probeArguments({})).toEqual([]);
    // Two server versions cannot both match: elm reports that itself.
    expect(probeArguments({ pvs: { serverVersions: ['2203', '2402'], licenseMode: 'mak' } })).toEqual([]);
  });

  it('appends them to the probe command', () => {
    expect(probeCommand('\\\\srv\\elm', '/share/app.vhd', ['-PvsVersion', '2203.0.0', '-KmsRearm'])).toBe(
      'powershell -ExecutionPolicy Bypass -File ShutdownForFinalize.ps1 -ReportPath \\\\srv\\elm\\app.integrity.json -Shutdown -PvsVersion 2203.0.0 -KmsRearm',
    );
  });
});
