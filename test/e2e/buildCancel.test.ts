/**
 * Issue 19 point 5, through the real binary on the file share: `task cancel` of a build cancels
 * its packaging disk task with it (no part left Running, no `.partial` on the share), so `layer
 * remove` goes through; and removing a built version deletes the build's script and files folder,
 * by the paths the build recorded, and nothing else on the share.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { baseSetup, expectOk, findFiles, heldQemuImg, json, MiB, pidAlive, readState, scratch, waitFor, withQemu, writeData, type Scratch } from '../support/e2e';

jest.setTimeout(120_000);

async function spec(s: Scratch, name: string, text: string): Promise<string> {
  const file = path.join(s.dir, name);
  await fs.writeFile(file, text);
  return file;
}

/** Every file and folder under dir, relative to it, sorted. */
async function tree(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const p = path.join(rel, e.name);
    out.push(e.isDirectory() ? `${p}/` : p);
    if (e.isDirectory()) out.push(...(await tree(dir, p)));
  }
  return out.sort();
}

describe('task cancel of a build on the file share', () => {
  let s: Scratch;
  let heldQemu: string;
  beforeAll(async () => {
    s = await scratch(64 * MiB, 'elm-build-cancel-');
    await writeData(s.osDisk, 16 * MiB, 16 * MiB);
    await baseSetup(s);
    // The build is cancelled while its `.partial` exists, however fast the machine.
    heldQemu = await heldQemuImg(s.dir);
  });
  afterAll(() => s.cleanup());

  /** Starts a build (its own worker) and returns once the packaging disk's `.partial` is being written. */
  async function buildWriting(name: string): Promise<{ buildId: string; createId: string; pid: number }> {
    const f = await spec(s, `${name}.yaml`, `layer:\n  name: ${name}\n  version: "1"\n  osLayer: win\n  connector: share\n  hypervisor: acropolis\n  diskFormat: qcow2\nsteps:\n  - inline: Write-Host hi\n`);
    const r = await s.run(['layer', 'build', '-f', f, '--json'], { env: { ELM_QEMU_IMG: heldQemu } });
    expectOk(r);
    const buildId: string = json(r).task.id;
    const state = await readState(s.home);
    const createId: string = state.layers.find((l: { name: string }) => l.name === name).versions[0].createTaskId;
    const heartbeat = path.join(s.home, 'workers', `task-${buildId}.json`);
    const pid = await waitFor('the build to write the packaging disk', async () => {
      const rec = await fs.readFile(heartbeat, 'utf8').catch(() => null);
      const partial = (await findFiles(s.share, /\.partial/)).length > 0;
      return rec && partial ? (JSON.parse(rec) as { pid: number }).pid : null;
    });
    expect(json(await s.run(['task', 'show', createId, '--json'])).state).toBe('Running');
    return { buildId, createId, pid };
  }

  async function expectAllCancelled(name: string, buildId: string, createId: string): Promise<void> {
    expect(json(await s.run(['task', 'show', buildId, '--json'])).state).toBe('Canceled');
    const child = json(await s.run(['task', 'show', createId, '--json']));
    expect(child.state).toBe('Canceled');
    expect(await findFiles(s.share, /\.partial/)).toEqual([]);
    expect(await findFiles(s.share, new RegExp(`^${name}\\.qcow2`))).toEqual([]);
    const removed = await s.run(['layer', 'remove', name, '--yes']);
    expectOk(removed);
    expect(removed.stderr).toMatch(new RegExp(`Removed layer "${name}"`));
  }

  withQemu('with its worker running: the packaging disk task is Canceled too, no .partial stays, layer remove succeeds', async () => {
    const { buildId, createId } = await buildWriting('cancelled');
    const r = await s.run(['task', 'cancel', buildId, '--yes', '--json']);
    expectOk(r);
    const doc = json(r);
    expect(doc.state).toBe('Canceled');
    await expectAllCancelled('cancelled', buildId, createId);
    expect(doc.description).toContain(`Its part task ${createId} (CreatePackagingDisk) was cancelled too.`);
  });

  withQemu('after its worker died mid-write: the cancel undoes the part too, deleting the .partial the part recorded', async () => {
    const { buildId, createId, pid } = await buildWriting('died');
    const partials = await findFiles(s.share, /\.partial/);
    // The worker and its qemu-img (its process group: workers start detached) die at once.
    process.kill(-pid, 'SIGKILL');
    await waitFor('the worker to die', async () => !pidAlive(pid));
    expect(partials.every(existsSync)).toBe(true);
    const r = await s.run(['task', 'cancel', buildId, '--json']);
    expectOk(r);
    expect(json(r).state).toBe('Canceled');
    await expectAllCancelled('died', buildId, createId);
    // What went is what the part recorded making before it wrote a byte.
    const recorded = (await readState(s.home)).tasks.find((t: { id: string }) => t.id === createId).steps[0].data.partialFiles;
    expect(recorded).toEqual(expect.arrayContaining(partials));
  });
});

describe('removing a version built on the file share', () => {
  let s: Scratch;
  beforeAll(async () => {
    s = await scratch(16 * MiB, 'elm-build-remove-');
    await baseSetup(s);
    await fs.writeFile(path.join(s.dir, 'step.ps1'), 'exit 0');
    await fs.writeFile(path.join(s.dir, 'tools.zip'), 'tools');
  });
  afterAll(() => s.cleanup());

  const steps = 'steps:\n  - script: step.ps1\n  - file:\n      source: tools.zip\n      destination: C:\\Install\\tools.zip\n';

  /** Builds and returns the recorded script and files folder. */
  async function build(file: string, text: string): Promise<{ script: string; filesDir: string; disk: string }> {
    const r = await s.run(['layer', 'build', '-f', await spec(s, file, text), '--wait', '--json']);
    expectOk(r);
    const doc = json(r);
    expect(doc.task.state).toBe('ActionRequired');
    const task = (await readState(s.home)).tasks.find((t: { id: string }) => t.id === doc.task.id);
    const handOver = task.steps.find((st: { name: string }) => st.name === 'handOver');
    const disk = doc.task.description.match(/Packaging disk ready at (\S+)\./)[1];
    expect(existsSync(handOver.data.script)).toBe(true);
    expect(existsSync(path.join(handOver.data.filesDir, '2-tools.zip'))).toBe(true);
    return { script: handOver.data.script, filesDir: handOver.data.filesDir, disk };
  }

  /** Files with names like the build's own, which elm did not write: they must survive. */
  async function decoys(script: string, filesDir: string): Promise<void> {
    await fs.writeFile(`${script}.orig`, 'operator copy');
    await fs.writeFile(script.replace(/\.build\.ps1$/, '-old.build.ps1'), 'another build');
    await fs.mkdir(`${filesDir}-old`, { recursive: true });
    await fs.writeFile(path.join(`${filesDir}-old`, 'notes.txt'), 'keep');
  }

  const rel = (s: Scratch, p: string) => path.relative(s.share, p);

  test('layer version remove deletes that version\'s build script and files folder; layer remove the rest; nothing else goes', async () => {
    const v1 = await build('one.yaml', `layer:\n  name: Kept\n  version: "1"\n  osLayer: win\n  connector: share\n  hypervisor: xenserver\n${steps}`);
    const v2 = await build('two.yaml', `layerVersionOf: Kept\nlayer:\n  version: "2"\n${steps}`);
    expect(v2.script).not.toBe(v1.script);
    await decoys(v1.script, v1.filesDir);
    await decoys(v2.script, v2.filesDir);
    const before = await tree(s.share);

    const r = await s.run(['layer', 'version', 'remove', 'Kept', '--version', '2', '--yes']);
    expectOk(r);
    const gone2 = [rel(s, v2.script), `${rel(s, v2.filesDir)}/`, rel(s, v2.disk)];
    const after2 = await tree(s.share);
    expect(after2).toEqual(before.filter((p) => !gone2.includes(p) && !p.startsWith(`${rel(s, v2.filesDir)}/`)));
    expect(r.stderr).toContain(`Deleted the build script ${v2.script}.`);
    expect(r.stderr).toContain(`Deleted the build files folder ${v2.filesDir}.`);

    const j = await s.run(['layer', 'remove', 'Kept', '--yes', '--json']);
    expectOk(j);
    expect(json(j).deleted).toEqual(expect.arrayContaining([`build script ${v1.script}`, `build files folder ${v1.filesDir}`]));
    const gone1 = [rel(s, v1.script), `${rel(s, v1.filesDir)}/`, rel(s, v1.disk)];
    expect(await tree(s.share)).toEqual(after2.filter((p) => !gone1.includes(p) && !p.startsWith(`${rel(s, v1.filesDir)}/`)));
    // The look-alikes are all still there.
    for (const v of [v1, v2]) {
      expect(existsSync(`${v.script}.orig`)).toBe(true);
      expect(existsSync(v.script.replace(/\.build\.ps1$/, '-old.build.ps1'))).toBe(true);
      expect(existsSync(path.join(`${v.filesDir}-old`, 'notes.txt'))).toBe(true);
    }
  });
});
