import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, UsageError } from '../../src/domain/errors';
import { FileStateStore } from '../../src/store/fileStateStore';

describe('FileStateStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-store-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  const addConnector = (store: FileStateStore, name: string) =>
    store.mutate((s) => {
      s.connectors.push({ id: String(s.nextId++), name, type: 'fileshare', createdAt: new Date().toISOString(), settings: { path: '/x' } });
    });

  test('writes mode 0600, keeps the previous good copy as .bak, and reads back what it wrote', async () => {
    const store = new FileStateStore(dir);
    await addConnector(store, 'a');
    await addConnector(store, 'b');
    const st = await fs.stat(path.join(dir, 'state.json'));
    expect(st.mode & 0o777).toBe(0o600);
    const bak = JSON.parse(await fs.readFile(path.join(dir, 'state.json.bak'), 'utf8'));
    expect(bak.connectors.map((c: { name: string }) => c.name)).toEqual(['a']);
    expect((await store.read()).connectors.map((c) => c.name)).toEqual(['a', 'b']);
  });

  test('a temp file left by a writer killed before its rename is overwritten, not left behind', async () => {
    const store = new FileStateStore(dir);
    await addConnector(store, 'a');
    await fs.writeFile(path.join(dir, 'state.json.tmp'), '{"half-written');
    await addConnector(store, 'b');
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect((await store.read()).connectors.map((c) => c.name)).toEqual(['a', 'b']);
  });

  test('a mutation that throws writes nothing', async () => {
    const store = new FileStateStore(dir);
    await addConnector(store, 'a');
    const before = await fs.readFile(path.join(dir, 'state.json'));
    await expect(
      store.mutate((s) => {
        s.connectors = [];
        throw new UsageError('no');
      }),
    ).rejects.toThrow('no');
    expect(await fs.readFile(path.join(dir, 'state.json'))).toEqual(before);
  });

  test('a hand-edited file is validated again: a wrong field is named, and the file is left alone', async () => {
    const store = new FileStateStore(dir);
    await addConnector(store, 'a');
    const file = path.join(dir, 'state.json');
    const doc = JSON.parse(await fs.readFile(file, 'utf8'));
    doc.connectors[0].type = 'floppy';
    const edited = JSON.stringify(doc);
    await fs.writeFile(file, edited);
    await expect(store.read()).rejects.toThrow(/is invalid at connectors\.0\.type/);
    await expect(addConnector(store, 'b')).rejects.toThrow(UsageError);
    expect(await fs.readFile(file, 'utf8')).toBe(edited);
  });

  test('an edit that keeps the length and the layout elm writes is still caught by the digest', async () => {
    const store = new FileStateStore(dir);
    await addConnector(store, 'a');
    const file = path.join(dir, 'state.json');
    const text = await fs.readFile(file, 'utf8');
    const edited = text.replace('"fileshare"', '"filesharf"');
    expect(edited.length).toBe(text.length);
    await fs.writeFile(file, edited);
    await expect(store.read()).rejects.toThrow(/is invalid at connectors\.0\.type/);
  });

  test('corrupt and newer-schema files are refused with the way out', async () => {
    const store = new FileStateStore(dir);
    const file = path.join(dir, 'state.json');
    await fs.writeFile(file, '{"schemaVersion": 1, "conn');
    await expect(store.read()).rejects.toThrow(/is corrupt .* elm will not overwrite it\. Restore the last good copy/);
    await fs.writeFile(file, JSON.stringify({ schemaVersion: 9 }));
    await expect(store.read()).rejects.toThrow(/schemaVersion 9, newer than this elm understands \(1\); upgrade elm/);
  });

  test('a lock held by a live process past the wait is a conflict; a dead holder is broken', async () => {
    const lock = path.join(dir, 'state.json.lock');
    await fs.writeFile(lock, JSON.stringify({ pid: process.pid, host: os.hostname(), at: new Date().toISOString() }));
    const store = new FileStateStore(dir, 300);
    await expect(addConnector(store, 'a')).rejects.toThrow(ConflictError);
    await fs.writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), at: new Date().toISOString() }));
    await addConnector(store, 'a');
    expect((await store.read()).connectors).toHaveLength(1);
  });
});
