/**
 * Issue 12 point 4 for the upload: `layer create --wait` on the Azure connector (Azurite and the
 * ARM fake) uploading a packaging disk that takes seconds to read shows, in its plain progress
 * lines, bytes done of the disk, a rate and a time left that agree with each other.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { sparseDiskSizeFor } from '../support/diskSpeed';
import { expectConsistent, readings } from '../support/progressReadings';
import { Cloud, connectorFlags, Env, expectCode, scratch, startCloud } from './helpers';

jest.setTimeout(180_000);

let cloud: Cloud;
let e: Env;

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-azure-progress-');
});

afterAll(async () => {
  await cloud.stop();
  await e.cleanup();
});

test('the upload of the packaging disk shows bytes done, a rate and a time left', async () => {
  // A sparse raw OS disk: uploaded as a fixed VHD page blob, every range read to skip the zeros.
  const size = await sparseDiskSizeFor(5);
  const disk = path.join(e.dir, 'big.raw');
  await fs.writeFile(disk, '');
  await fs.truncate(disk, size);
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'big', '--version', '1', '--disk', disk]);
  const r = await e.run(['layer', 'create', '--name', 'bigplat', '--version', '1', '--os-layer', 'big', '--connector', 'az', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-format', 'vhd', '--yes', '--wait']);
  expectCode(r, 0);
  expect(r.stderr).toMatch(/Created layer "bigplat" 1/);
  // The page blob is the disk and its 512-byte footer.
  expectConsistent(readings(r.stderr), size + 512);
});
