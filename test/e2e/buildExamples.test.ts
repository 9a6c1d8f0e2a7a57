/**
 * The build specs in examples/ are valid: elm reads each one through (line-checked schema, script
 * files beside it) and stops only at what this scratch home lacks, never at the spec itself. An
 * example that copies installers from beside it is read from a copy with small stand-ins for them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elm, ROOT, tempHome } from '../support/cli';

test.each([
  ['azure-rdsh', /needs INSTALLER_SHARE_PASSWORD \(secret SharePassword\) set in the environment/, []],
  ['pvs-vsphere', /No OS layer named "Windows 10 Enterprise"/, ['VMware-tools-12.4.0-x86_64.exe', 'PVS_Device_x64_2402.exe', 'VDAWorkstationSetup_2402.exe']],
])('examples/%s/platform.yaml is a valid build spec', async (name, expected, installers) => {
  const t = await tempHome('elm-examples-');
  try {
    const dir = path.join(t.dir, name);
    await fs.cp(path.join(ROOT, 'examples', name), dir, { recursive: true });
    await fs.mkdir(path.join(dir, 'installers'), { recursive: true });
    for (const f of installers) await fs.writeFile(path.join(dir, 'installers', f), 'MZ stand-in');
    const r = await elm(['layer', 'build', '-f', path.join(dir, 'platform.yaml')], { home: t.home, env: { INSTALLER_SHARE_PASSWORD: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/Build spec .* line \d+|Build spec .*steps\./);
    expect(r.stderr).toMatch(expected);
  } finally {
    await t.cleanup();
  }
}, 60_000);
