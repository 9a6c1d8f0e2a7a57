'use strict';
/**
 * The remote state (issue 13) on Azurite:
 * - `elm layer list --json` on 10,000 layers from the state blob, against a plain node process that
 *   downloads the same blob with the same SDK and parses it (target <= 1.5x);
 * - mutations per second with 8 concurrent writers (elm processes), against the same on the local
 *   file store (informational: the remote one pays a lease, a conditional read and two uploads).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, ROOT, cleanEnv, interleavedMedians, ratioLine } = require('../lib');
const { bigState } = require('./layerList');

const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

function startAzurite(cwd) {
  const bin = path.join(path.dirname(require.resolve('azurite/package.json', { paths: [ROOT] })), 'dist/src/blob/main.js');
  const args = [bin, '--inMemoryPersistence', '--blobHost', '127.0.0.1', '--blobPort', '0', '--silent', '--disableTelemetry', '--skipApiVersionCheck'];
  const child = spawn(process.execPath, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /listens on http:\/\/[^:\s]+:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`Azurite exited (${code}): ${out}`)));
  });
}

/** 8 writers x `each` mutations (connector add) through the binary; mutations per second. */
async function writersPerSecond(env, share, each) {
  const started = Date.now();
  const one = (i, j) =>
    new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, 'connector', 'add', 'fileshare', '--name', `w-${i}-${j}`, '--path', share], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr.on('data', (d) => (err += d));
      c.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}: ${err}`))));
    });
  await Promise.all(Array.from({ length: 8 }, async (_, i) => {
    for (let j = 0; j < each; j++) await one(i, j);
  }));
  return (8 * each) / ((Date.now() - started) / 1000);
}

async function run({ tmpDir }) {
  const dir = path.join(tmpDir, 'remote-state');
  fs.mkdirSync(path.join(dir, 'home'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'share'), { recursive: true });
  const { child, port } = await startAzurite(dir);
  try {
    const endpoint = `http://127.0.0.1:${port}/${ACCOUNT}`;
    const { BlobServiceClient, StorageSharedKeyCredential } = require(require.resolve('@azure/storage-blob', { paths: [ROOT] }));
    const service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(ACCOUNT, KEY));
    await service.getContainerClient('elm').create();
    const text = JSON.stringify(bigState(10_000), null, 1);
    await service.getContainerClient('elm').getBlockBlobClient('list/state.json').upload(text, Buffer.byteLength(text));
    const url = `${endpoint}/elm/list/state.json`;
    const env = cleanEnv({ ELM_HOME: path.join(dir, 'home'), ELM_STATE: url, ELM_STATE_ACCOUNT_KEY_ENV: 'BENCH_KEY', BENCH_KEY: KEY });
    // As in real use, the state is one elm wrote: one mutation through the binary rewrites it.
    const r = spawnSync(process.execPath, [BIN, 'connector', 'add', 'fileshare', '--name', 'bench', '--path', dir], { env });
    if (r.status !== 0) throw new Error(`seeding the remote state failed: ${r.stderr}`);
    const plain = `
      const { BlockBlobClient, StorageSharedKeyCredential } = require(${JSON.stringify(require.resolve('@azure/storage-blob', { paths: [ROOT] }))});
      new BlockBlobClient(${JSON.stringify(url)}, new StorageSharedKeyCredential(${JSON.stringify(ACCOUNT)}, process.env.BENCH_KEY))
        .downloadToBuffer().then((b) => JSON.parse(b.toString('utf8')));`;
    const [base, elm] = interleavedMedians(
      [
        [process.execPath, ['-e', plain], env],
        [process.execPath, [BIN, 'layer', 'list', '--json'], env],
      ],
      { runs: 9 },
    );
    const size = (await service.getContainerClient('elm').getBlockBlobClient('list/state.json').getProperties()).contentLength;
    const lines = [
      ratioLine('elm layer list --json (10,000 layers, remote state on Azurite) vs plain download+parse of the blob', elm / base, 1.5, `${elm.toFixed(0)} ms vs ${base.toFixed(0)} ms, ${(size / 2 ** 20).toFixed(1)} MiB blob`),
    ];
    const each = 5;
    const writersEnv = cleanEnv({ ...env, ELM_STATE: `${endpoint}/elm/writers/state.json`, ELM_LOCK_WAIT_MS: '120000' });
    // A change never creates a remote state (a missing blob is a lost state): make it first, as a team does.
    const init = spawnSync(process.execPath, [BIN, 'state', 'init'], { env: writersEnv });
    if (init.status !== 0) throw new Error(`elm state init failed: ${init.stderr}`);
    const remoteRate = await writersPerSecond(writersEnv, path.join(dir, 'share'), each);
    fs.mkdirSync(path.join(dir, 'local-home'));
    const localRate = await writersPerSecond(cleanEnv({ ELM_HOME: path.join(dir, 'local-home'), ELM_LOCK_WAIT_MS: '120000' }), path.join(dir, 'share'), each);
    lines.push(`remote state mutations with 8 concurrent writers: ${remoteRate.toFixed(1)}/s [local file store: ${localRate.toFixed(1)}/s; ${8 * each} elm processes each]`);
    return lines;
  } finally {
    child.kill('SIGTERM');
  }
}

module.exports = { run };
if (require.main === module) {
  const os = require('node:os');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  run({ tmpDir })
    .then((l) => console.log(l.join('\n')))
    .finally(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
}
