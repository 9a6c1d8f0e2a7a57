'use strict';
/**
 * `elm finalize --wait` against a plain durable copy of the disk it imports (`cp` then `sync`),
 * and how many state reads per second the wait costs (it must not busy-poll).
 *
 * Two shares: the default one under ELM_HOME (same filesystem as the layer repository, so the
 * import is a hard link plus the SHA-256 read) and, where /dev/shm exists, a share on another
 * filesystem (a real sparse copy with the hash beside it), the case of a mounted network share.
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, cleanEnv, ratioLine, samples: join } = require('../lib');

const DATA_MIB = 1024;

function elm(home, args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv({ ELM_HOME: home, ELM_WAIT_STATS: '1' }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`elm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/**
 * A home with the connector and an OS layer of DATA_MIB of real data, made once per figure: the
 * set-up's own gigabytes would otherwise be written between the measurements, and this machine's
 * disk slows down for seconds after a few of them.
 */
function benchHome(dir, tag, shareDir) {
  const home = path.join(dir, `home-${tag}`);
  const scratchDir = fs.existsSync('/dev/shm') ? fs.mkdtempSync('/dev/shm/elm-bench-os-') : dir;
  const os = path.join(scratchDir, 'os.raw');
  const fd = fs.openSync(os, 'w');
  const chunk = crypto.randomBytes(1 << 20);
  for (let i = 0; i < DATA_MIB; i++) fs.writeSync(fd, chunk, 0, chunk.length, i * chunk.length);
  fs.closeSync(fd);
  // elm keeps the OS layer's disk where it is: it stays until the figure is measured.
  const remove = () => fs.rmSync(scratchDir === dir ? os : scratchDir, { recursive: true, force: true });
  try {
    elm(home, ['connector', 'add', 'fileshare', '--name', 'share', ...(shareDir ? ['--path', shareDir] : [])]);
    elm(home, ['os-layer', 'import', '--name', 'os', '--version', '1', '--disk', os]);
  } catch (e) {
    remove();
    throw e;
  }
  return { home, remove };
}

/** A layer whose packaging disk holds DATA_MIB of real data, verified clean and shut down. */
function readyLayer(home, name) {
  elm(home, ['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'os', '--connector', 'share', '--hypervisor', 'xenserver', '--wait']);
  const disk = JSON.parse(elm(home, ['disk', 'status', name, '--json']).stdout).disk.location;
  const report = { schema: 1, machine: 'PKG-01', at: new Date().toISOString(), blockers: [], shutdownRequested: true, details: {} };
  fs.writeFileSync(disk.replace(/\.vhd$/, '.integrity.json'), JSON.stringify(report));
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(disk, past, past);
  // The machine shut down at least the settle period ago: its writes, and the set-up's, have
  // reached the disk, so neither measurement pays for writing back the other's files.
  spawnSync('sync');
  return disk;
}

function timed(fn) {
  const t = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}

// Reads ahead while it hashes (two buffers), as elm does: the fastest plain Node can go.
const HASH_ONLY = `
const fs = require('node:fs');
const h = require('node:crypto').createHash('sha256');
const fd = fs.openSync(process.argv[1], 'r');
const bufs = [Buffer.allocUnsafe(4 << 20), Buffer.allocUnsafe(4 << 20)];
const read = (b, pos) => new Promise((ok, no) => fs.read(fd, b, 0, b.length, pos, (e, n) => (e ? no(e) : ok(n))));
(async () => {
  let pos = 0, i = 0, next = read(bufs[0], 0);
  for (;;) {
    const n = await next;
    if (n === 0) break;
    const cur = bufs[i];
    pos += n; i ^= 1; next = read(bufs[i], pos);
    h.update(cur.subarray(0, n));
  }
  h.digest('hex');
})();`;

/** Fresh layers per round, an even count (each of the pair runs first in half of them). */
const ROUNDS = 6;

/** Medians of finalize --wait and of cp + sync over fresh layers, plus the last wait stats. */
function measure(tmpDir, shareRoot, tag) {
  const elmMs = [];
  const cpMs = [];
  const hashMs = [];
  let stats = null;
  const shareDir = shareRoot ? path.join(shareRoot, `share-${tag}`) : undefined;
  const { home, remove } = benchHome(tmpDir, tag, shareDir);
  for (let i = 0; i < ROUNDS; i++) {
    const disk = readyLayer(home, `${tag}${i}`);
    const copy = path.join(tmpDir, `copy-${i}.vhd`);
    // finalize removes the share's disk: cp reads a second name of the same file.
    const source = `${disk}.bench-source`;
    fs.linkSync(disk, source);
    // The floor: a Node process that only reads the disk and takes its SHA-256.
    hashMs.push(timed(() => spawnSync(process.execPath, ['-e', HASH_ONLY, disk], { env: cleanEnv() })).ms);
    // The pair in alternating order, each after the same sync and with nothing deleted between
    // them: this machine's disk writes at very different speeds from one second to the next
    // (bursts, then throttling), and whichever ran second would otherwise pay for the first.
    const runCp = () => {
      spawnSync('sync');
      cpMs.push(timed(() => spawnSync('sh', ['-c', `cp "${source}" "${copy}" && sync "${copy}"`])).ms);
    };
    const runElm = () => {
      spawnSync('sync');
      const r = timed(() => elm(home, ['finalize', `${tag}${i}`, '--wait', '--settle', '0s']));
      elmMs.push(r.ms);
      stats = /wait-stats: (\d+) reads in ([\d.]+)s/.exec(r.out.stderr) ?? stats;
    };
    if (i % 2 === 0) {
      runCp();
      runElm();
    } else {
      runElm();
      runCp();
    }
    fs.rmSync(copy);
    fs.rmSync(source);
  }
  fs.rmSync(home, { recursive: true, force: true });
  remove();
  if (shareDir) fs.rmSync(shareDir, { recursive: true, force: true });
  // An even count of rounds: each of the pair runs first in half of them.
  const med = (a) => {
    const sorted = [...a].sort((x, y) => x - y);
    return (sorted[(a.length - 1) >> 1] + sorted[a.length >> 1]) / 2;
  };
  // The samples too: this machine's disk speed swings widely, and the reader should see it.
  const samples = `elm ${join(elmMs)} ms, cp + sync ${join(cpMs)} ms, hash alone ${join(hashMs)} ms`;
  return { elm: med(elmMs), cp: med(cpMs), hash: med(hashMs), stats, samples };
}

async function run({ tmpDir }) {
  const same = measure(tmpDir, null, 'fin');
  const lines = [
    ratioLine(`finalize --wait (${DATA_MIB} MiB of data, share beside the repository) vs cp + sync of the disk`, same.elm / same.cp, 1.2, `${same.elm.toFixed(0)} ms vs ${same.cp.toFixed(0)} ms; ${same.samples}`),
  ];
  lines.push(
    `  floor: node reading the disk for its SHA-256 alone takes ${same.hash.toFixed(0)} ms = ${(same.hash / same.cp).toFixed(2)}x of cp + sync (every byte must be hashed)`,
  );
  if (fs.existsSync('/dev/shm') && fs.statSync('/dev/shm').dev !== fs.statSync(tmpDir).dev) {
    const shm = fs.mkdtempSync('/dev/shm/elm-bench-');
    try {
      const other = measure(tmpDir, shm, 'far');
      lines.push(
        ratioLine(`finalize --wait (${DATA_MIB} MiB of data, share on another filesystem) vs cp + sync of the disk`, other.elm / other.cp, 1.3, `${other.elm.toFixed(0)} ms vs ${other.cp.toFixed(0)} ms; ${other.samples}`),
      );
    } finally {
      fs.rmSync(shm, { recursive: true, force: true });
    }
  }
  const stats = same.stats;
  if (stats) {
    const perSecond = Number(stats[1]) / Math.max(Number(stats[2]), 0.001);
    lines.push(`status reads per second while waiting: ${perSecond.toFixed(1)} (${stats[1]} reads in ${stats[2]}s; backoff 100 ms → 1 s plus file-change wake-ups, no busy polling)`);
  }
  return lines;
}

module.exports = { run, benchHome, readyLayer, timed };
if (require.main === module) {
  const os = require('node:os');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  run({ tmpDir }).then((l) => console.log(l.join('\n'))).finally(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
}
