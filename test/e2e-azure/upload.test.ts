/**
 * An interrupted packaging-disk upload: the worker is killed (SIGKILL) in the middle of the page
 * blob upload; `task resume` keeps the partial blob and sends only the ranges it does not hold
 * yet (Get Page Ranges), and the result is byte for byte the OS disk.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeFixedVhd } from '../support/azure';
import { Cloud, connectorFlags, Doc, Env, expectCode, MiB, pageRanges, readBlob, scratch, startCloud } from './helpers';

let cloud: Cloud;
let e: Env;

beforeAll(async () => {
  cloud = await startCloud({ oauth: true });
  e = await scratch(cloud, 'elm-e2e-azure-upload-');
});

afterAll(async () => {
  await cloud.stop();
  await e.cleanup();
});

const CHUNKS = 48; // 4 MiB ranges with data, one every 8 MiB

test('SIGKILL of the worker mid-upload: task resume uploads only the ranges not there yet', async () => {
  const dataSize = CHUNKS * 8 * MiB;
  const vhd = makeFixedVhd(dataSize, (d) => {
    for (let i = 0; i < CHUNKS; i++) d.fill((i % 250) + 1, i * 8 * MiB, i * 8 * MiB + 4 * MiB);
  });
  const file = path.join(e.dir, 'big.vhd');
  await fs.writeFile(file, vhd);
  await e.json(connectorFlags(cloud, 'az', ['--client-id', cloud.env.ELM_TEST_AZURE_CLIENT_ID, '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET']));
  await e.json(['os-layer', 'import', '--name', 'big', '--version', '1', '--disk', file]);
  const created = await e.json(['layer', 'create', '--name', 'bigplat', '--version', '1', '--os-layer', 'big', '--connector', 'az', '--disk-format', 'vhd']);
  const id = created.task.id;
  const blobUrl = `${cloud.azurite.blobEndpoint}/elm/packaging/${created.layer.id}/1/bigplat.vhd`;

  // Kill the worker once part of the disk is up.
  let killedWith = 0;
  const deadline = Date.now() + 30_000;
  while (!killedWith && Date.now() < deadline) {
    const task = JSON.parse(readFileSync(path.join(e.home, 'state.json'), 'utf8')).tasks.find((t: Doc) => t.id === id);
    const ranges = await pageRanges(cloud.azurite, blobUrl).catch(() => []);
    if (task.worker?.pid && ranges.length >= 4) {
      process.kill(task.worker.pid, 'SIGKILL');
      killedWith = ranges.length;
    } else await new Promise((r) => setTimeout(r, 10));
  }
  expect(killedWith).toBeGreaterThan(0);
  await new Promise((r) => setTimeout(r, 300)); // requests already sent land
  const present = await pageRanges(cloud.azurite, blobUrl);
  const presentBytes = present.reduce((n, [s, end]) => n + end - s, 0);
  expect(presentBytes).toBeLessThan(CHUNKS * 4 * MiB); // really interrupted
  expect(JSON.parse(readFileSync(path.join(e.home, 'state.json'), 'utf8')).tasks.find((t: Doc) => t.id === id).state).toBe('Running');

  const resumed = await e.run(['task', 'resume', id, '--verbose']);
  expectCode(resumed, 0);
  const m = /Uploaded ([\d.]+) MiB to .*; ([\d.]+) MiB were already there \(resumed upload\)/.exec(resumed.stderr);
  expect(m).not.toBeNull();
  const [uploaded, already] = [Number(m![1]), Number(m![2])];
  expect(already * MiB).toBeGreaterThanOrEqual(presentBytes - 1);
  // Every data range once, plus the footer (the log rounds to 0.1 MiB).
  expect(Math.abs((uploaded + already) * MiB - (CHUNKS * 4 * MiB + 512))).toBeLessThan(0.1 * MiB);
  expect(resumed.stderr).toMatch(/keeping partial packaging disk/);

  const task = await e.json(['task', 'show', id]);
  expect(task.state).toBe('ActionRequired');
  expect(Buffer.compare(await readBlob(cloud.azurite, blobUrl), vhd)).toBe(0);
});
