import { promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, diskStatus, expectOk, findFiles, heldQemuImg, json, MARKER, MARKER_OFFSET, MiB, pidAlive, scratch, waitFor, withQemu, writeData, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

let s: Scratch;
let heldQemu: string;
beforeAll(async () => {
  s = await scratch(64 * MiB);
  await writeData(s.osDisk, 16 * MiB, 16 * MiB);
  await baseSetup(s);
  // The worker is killed while its `.partial` exists, however fast the machine.
  heldQemu = await heldQemuImg(s.dir);
});
afterAll(() => s.cleanup());

withQemu('a packaging disk whose worker was killed mid-write is finished by task resume: no partial file, the OS bytes in place', async () => {
  const started = json(await s.run(['layer', 'create', '--name', 'killed', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'acropolis', '--disk-format', 'qcow2', '--json'], { env: { ELM_QEMU_IMG: heldQemu } }));
  const taskId: string = started.task.id;
  const heartbeat = path.join(s.home, 'workers', `task-${taskId}.json`);
  const worker = await waitFor('the worker to start writing', async () => {
    const rec = await fs.readFile(heartbeat, 'utf8').catch(() => null);
    const partial = (await findFiles(s.share, /\.partial/)).length > 0;
    return rec && partial ? (JSON.parse(rec) as { pid: number }) : null;
  });
  // The worker and its qemu-img (its process group: workers start detached) die at once, as in a crash.
  process.kill(-worker.pid, 'SIGKILL');
  await waitFor('the worker to die', async () => !pidAlive(worker.pid));

  const stuck = json(await s.run(['task', 'show', taskId, '--json']));
  expect(stuck.state).toBe('Running');
  expect(stuck.steps).toEqual([expect.objectContaining({ name: 'writeDisk', state: 'Running' })]);

  const resumed = await s.run(['task', 'resume', taskId, '--json']);
  expectOk(resumed);
  expect(json(resumed)).toMatchObject({ id: taskId, kind: 'CreatePackagingDisk', state: 'ActionRequired' });

  const status = await diskStatus(s, 'killed');
  expect(status.disk).toMatchObject({ format: 'qcow2', location: path.join(s.share, 'killed.qcow2') });
  expect(await findFiles(s.home, /\.partial|\.tmp$/)).toEqual([]);
  expect(await findFiles(s.share, /\.partial/)).toEqual([]);
  // The OS layer's bytes are in the finished image (read back through qemu-img as raw).
  const { execFileSync } = await import('node:child_process');
  const raw = path.join(s.dir, 'check.raw');
  execFileSync('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', status.disk.location, raw]);
  const fh = await fs.open(raw, 'r');
  const buf = Buffer.alloc(MARKER.length);
  await fh.read(buf, 0, buf.length, MARKER_OFFSET);
  await fh.close();
  expect(buf.toString()).toBe(MARKER);
});
