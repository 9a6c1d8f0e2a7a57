/**
 * The build specs in examples/ are valid: elm reads each one through (line-checked schema, script
 * files beside it) and stops only at what this scratch home lacks, never at the spec itself.
 */
import path from 'node:path';
import { elm, ROOT, tempHome } from '../support/cli';

test.each([
  ['azure-rdsh', /needs INSTALLER_SHARE_PASSWORD \(secret SharePassword\) set in the environment/],
  ['pvs-vsphere', /No OS layer named "Windows 10 Enterprise"/],
])('examples/%s/platform.yaml is a valid build spec', async (name, expected) => {
  const t = await tempHome('elm-examples-');
  try {
    const r = await elm(['layer', 'build', '-f', path.join(ROOT, 'examples', name, 'platform.yaml')], { home: t.home, env: { INSTALLER_SHARE_PASSWORD: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/Build spec .* line \d+|Build spec .*steps\./);
    expect(r.stderr).toMatch(expected);
  } finally {
    await t.cleanup();
  }
}, 60_000);
