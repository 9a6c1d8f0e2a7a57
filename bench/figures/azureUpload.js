'use strict';
/*
 * Azure figures, against Azurite and the ARM/identity fake of test/support/azure:
 *
 * - the packaging-disk upload: a sparse 4 GiB fixed VHD holding 64 MiB of data, uploaded as a page
 *   blob by elm's uploader (the built dist/connectors/azure/pageBlobUpload.js, in its own node
 *   process) and by AzCopy (`azcopy copy --from-to LocalBlob --blob-type PageBlob`), alternately
 *   in the same run; the ratio of the medians (target: elm no slower than AzCopy);
 * - the ARM requests of one whole lifecycle through the real binary (connector test, layer create,
 *   machine deploy, verify --shutdown, finalize --wait), counted by the fake.
 *
 * The fakes are TypeScript: they are loaded through bench/lib.js's require hook (registerTypeScript).
 * Needs `npm run build`.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ratioLine, registerTypeScript, samples } = require('../lib');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'elm.js');
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RUNS = 3;

function azcopyPath(tmpDir) {
  const { AzCopyExe } = require('@azure-tools/azcopy-linux');
  try {
    fs.chmodSync(AzCopyExe, 0o755);
    return AzCopyExe;
  } catch {
    const copy = path.join(tmpDir, 'azcopy');
    fs.copyFileSync(AzCopyExe, copy);
    fs.chmodSync(copy, 0o755);
    return copy;
  }
}

/** 4 GiB + 512: 16 blocks of 4 MiB data spread over the disk, holes elsewhere, the VHD footer. */
function makeSparseVhd(file) {
  const size = 4 * GiB;
  const fd = fs.openSync(file, 'w');
  try {
    const block = Buffer.alloc(4 * MiB);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    for (let k = 0; k < 16; k++) fs.writeSync(fd, block, 0, block.length, k * 256 * MiB + (k % 3) * 64 * MiB);
    const { buildFixedVhdFooter } = require(path.join(ROOT, 'dist', 'disk', 'vhd.js'));
    fs.writeSync(fd, buildFixedVhdFooter({ sizeBytes: size }), 0, 512, size);
  } finally {
    fs.closeSync(fd);
  }
  return size + 512;
}

function timedProcess(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${path.basename(cmd)} exited ${code}: ${out.slice(-800)}`));
      else resolve({ ms, out });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The child that runs elm's uploader: shared-key auth, one fresh blob. */
const ELM_UPLOAD = `
const { BlobServiceClient, StorageSharedKeyCredential } = require('@azure/storage-blob');
const { uploadVhdAsPageBlob } = require(${JSON.stringify(path.join(ROOT, 'dist/connectors/azure/pageBlobUpload.js'))});
const { probeDiskImage } = require(${JSON.stringify(path.join(ROOT, 'dist/disk/probe.js'))});
const fs = require('node:fs');
(async () => {
  const [endpoint, account, key, file, blobName] = process.argv.slice(1);
  const service = new BlobServiceClient(endpoint, new StorageSharedKeyCredential(account, key));
  const blob = service.getContainerClient('bench').getPageBlobClient(blobName);
  const probe = await probeDiskImage(file);
  const footer = Buffer.alloc(512);
  const fd = fs.openSync(file, 'r'); fs.readSync(fd, footer, 0, 512, probe.fileSizeBytes - 512); fs.closeSync(fd);
  const r = await uploadVhdAsPageBlob(blob, { path: file, dataOffset: 0, dataLength: probe.dataLength, diskSize: probe.dataLength, footer }, { identity: blobName });
  console.log(JSON.stringify(r));
})().catch((e) => { console.error(e); process.exit(1); });
`;

async function uploadFigure(tmpDir, support) {
  const azurite = await support.startAzurite({ https: true });
  try {
    const file = path.join(tmpDir, 'sparse4g.vhd');
    const total = makeSparseVhd(file);
    const { BlobSASPermissions, generateBlobSASQueryParameters, StorageSharedKeyCredential } = require('@azure/storage-blob');
    const service = support.azuriteBlobService(azurite);
    await service.getContainerClient('bench').createIfNotExists();
    const key = new StorageSharedKeyCredential(azurite.accountName, azurite.accountKey);
    const azcopy = azcopyPath(tmpDir);
    const baseEnv = { ...process.env };
    delete baseEnv.NODE_OPTIONS;
    const azEnv = {
      ...baseEnv,
      SSL_CERT_FILE: azurite.caCertPath,
      AZCOPY_LOG_LOCATION: path.join(tmpDir, 'azcopy-logs'),
      AZCOPY_JOB_PLAN_LOCATION: path.join(tmpDir, 'azcopy-plans'),
      AZCOPY_DISABLE_SYSLOG: 'true',
    };
    const elmEnv = { ...baseEnv, NODE_EXTRA_CA_CERTS: azurite.caCertPath };
    const elmTimes = [];
    const azTimes = [];
    let elmResult;
    for (let i = 0; i < RUNS; i++) {
      const elmBlob = `elm-${i}.vhd`;
      const e = await timedProcess(process.execPath, ['-e', ELM_UPLOAD, azurite.blobEndpoint, azurite.accountName, azurite.accountKey, file, elmBlob], elmEnv);
      elmTimes.push(e.ms);
      elmResult = JSON.parse(e.out.trim().split('\n').pop());
      const azBlob = `azcopy-${i}.vhd`;
      const sas = generateBlobSASQueryParameters(
        { containerName: 'bench', blobName: azBlob, permissions: BlobSASPermissions.parse('racw'), expiresOn: new Date(Date.now() + 3600_000), version: support.AZURITE_SAS_VERSION },
        key,
      ).toString();
      const url = `${service.getContainerClient('bench').getBlobClient(azBlob).url}?${sas}`;
      const a = await timedProcess(azcopy, ['copy', file, url, '--from-to', 'LocalBlob', '--blob-type', 'PageBlob', '--log-level', 'ERROR', '--output-level', 'quiet'], azEnv);
      azTimes.push(a.ms);
      // Both results are the same disk.
      const [eProps, aProps] = await Promise.all(['elm-' + i, 'azcopy-' + i].map((n) => service.getContainerClient('bench').getBlobClient(`${n}.vhd`).getProperties()));
      if (eProps.contentLength !== total || aProps.contentLength !== total) throw new Error(`blob sizes ${eProps.contentLength} / ${aProps.contentLength}, expected ${total}`);
      await Promise.all(['elm-' + i, 'azcopy-' + i].map((n) => service.getContainerClient('bench').getBlobClient(`${n}.vhd`).deleteIfExists()));
    }
    const ratio = median(elmTimes) / median(azTimes);
    return ratioLine(
      'azure page-blob upload 4 GiB sparse vs AzCopy',
      ratio,
      1.0,
      `elm ${median(elmTimes).toFixed(0)} ms, AzCopy ${median(azTimes).toFixed(0)} ms, median of ${RUNS}; elm ${samples(elmTimes)} ms; AzCopy ${samples(azTimes)} ms; elm sent ${(elmResult.uploadedBytes / MiB).toFixed(0)} MiB, skipped ${elmResult.zeroRanges} zero ranges`,
    );
  } finally {
    await azurite.stop();
  }
}

function elmCli(args, home, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ELM_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`elm ${args.join(' ')} exited ${code}: ${err.trim().split('\n').pop()}`))));
  });
}

async function lifecycleFigure(tmpDir, support) {
  const azurite = await support.startAzurite({ oauth: true });
  const fake = await support.startArmFake({ azurite });
  try {
    fake.addResourceGroup('elm-rg', 'westeurope');
    fake.addStorageAccount('elmstore', { resourceGroup: 'elm-rg', location: 'westeurope' });
    fake.addVirtualNetwork('elm-vnet', { resourceGroup: 'elm-rg', location: 'westeurope', subnets: ['default'] });
    fake.onRunCommand('*', (_script, params, ctx) => {
      if (params.Shutdown === 'True') ctx.vm.shutdown();
      return JSON.stringify({ schema: 1, machine: 'PKG-01', at: new Date().toISOString(), blockers: [], shutdownRequested: params.Shutdown === 'True', details: {} });
    });
    const e = support.azureTestEnv(fake, azurite);
    const env = { ...process.env, ...e, NO_COLOR: '1' };
    delete env.NODE_OPTIONS;
    const home = path.join(tmpDir, 'azure-lifecycle-home');
    const disk = path.join(tmpDir, 'os.vhd');
    fs.writeFileSync(disk, support.makeFixedVhd(16 * MiB, (d) => d.fill(7, 0, MiB)));
    const m = ['--machine-name', 'pkg-01', '--size', 'Standard_D2s_v3', '--vnet', 'elm-vnet', '--subnet', 'default'];
    const run = (args) => elmCli(args, home, env);
    await run(['connector', 'add', 'azure', '--name', 'az', '--subscription', e.ELM_TEST_AZURE_SUBSCRIPTION_ID, '--tenant', e.ELM_TEST_AZURE_TENANT_ID,
      '--storage-account', 'elmstore', '--resource-group', 'elm-rg', '--location', 'westeurope', '--client-id', e.ELM_TEST_AZURE_CLIENT_ID,
      '--client-secret-env', 'ELM_TEST_AZURE_CLIENT_SECRET', '--arm-endpoint', e.ELM_TEST_AZURE_ARM_ENDPOINT, '--authority-host', e.ELM_TEST_AZURE_AUTHORITY_HOST,
      '--blob-endpoint', e.ELM_TEST_AZURE_BLOB_ENDPOINT]);
    await run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', disk]);
    fake.resetRequests();
    const phases = [];
    const phase = async (name, args) => {
      const before = fake.countRequests({ kind: 'arm' });
      await run(args);
      phases.push(`${name} ${fake.countRequests({ kind: 'arm' }) - before}`);
    };
    await phase('test', ['connector', 'test', 'az', '--fix']); // --fix: the portal's CORS rule, else the test exits 1
    await phase('create', ['layer', 'create', '--name', 'azplat', '--version', '1.0', '--os-layer', 'win', '--connector', 'az', '--purpose', 'packaging', '--hypervisor', 'azure', '--disk-format', 'vhd', '--wait']);
    await phase('deploy', ['machine', 'deploy', 'azplat', ...m]);
    await phase('verify', ['verify', 'azplat', '--shutdown']);
    await phase('finalize', ['finalize', 'azplat', '--wait']);
    const left = fake.inventory({ tag: ['elm-version', '1.0'] }).length;
    if (left) throw new Error(`${left} resources left after finalize`);
    const identity = fake.countRequests({ kind: 'identity' });
    return `ARM requests per lifecycle: ${fake.countRequests({ kind: 'arm' })} [${phases.join(', ')}; LRO polls included; plus ${identity} token requests]`;
  } finally {
    await fake.stop();
    await azurite.stop();
  }
}

async function run({ tmpDir }) {
  registerTypeScript();
  const support = require(path.join(ROOT, 'test', 'support', 'azure', 'index.ts'));
  const dir = fs.mkdtempSync(path.join(tmpDir, 'elm-bench-azure-'));
  try {
    execFileSync('test', ['-f', path.join(ROOT, 'dist', 'connectors', 'azure', 'pageBlobUpload.js')]);
    const upload = await uploadFigure(dir, support);
    const lifecycle = await lifecycleFigure(dir, support);
    return [upload, lifecycle];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };

if (require.main === module) {
  run({ tmpDir: process.env.TMPDIR || os.tmpdir() }).then(
    (lines) => console.log(lines.join('\n')),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
