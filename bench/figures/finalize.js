'use strict';
/**
 * `elm finalize --wait` against a plain durable copy of the disk it imports (`cp` then `sync`),
 * and how many state reads per second the wait costs (it must not busy-poll).
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, cleanEnv, ratioLine } = require('../lib');

const DATA_MIB = 1024;

function elm(home, args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv({ ELM_HOME: home, ELM_WAIT_STATS: '1' }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`elm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** A layer whose packaging disk holds DATA_MIB of real data, verified clean and shut down. */
function readyLayer(dir, name) {
  const home = path.join(dir, `home-${name}`);
  const os = path.join(dir, `os-${name}.raw`);
  const fd = fs.openSync(os, 'w');
  const chunk = crypto.randomBytes(1 << 20);
  for (let i = 0; i < DATA_MIB; i++) fs.writeSync(fd, chunk, 0, chunk.length, i * chunk.length);
  fs.closeSync(fd);
  elm(home, ['connector', 'add', 'fileshare', '--name', 'share']);
  elm(home, ['os-layer', 'import', '--name', 'os', '--version', '1', '--disk', os]);
  elm(home, ['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'os', '--connector', 'share', '--wait']);
  const disk = JSON.parse(elm(home, ['disk', 'status', name, '--json']).stdout).disk.location;
  const report = { schema: 1, machine: 'PKG-01', at: new Date().toISOString(), blockers: [], shutdownRequested: true, details: {} };
  fs.writeFileSync(disk.replace(/\.vhd$/, '.integrity.json'), JSON.stringify(report));
  const past = new Date(Date.now() - 60_000);
  fs.utimesSync(disk, past, past);
  fs.rmSync(os);
  return { home, disk };
}

function timed(fn) {
  const t = process.hrtime.bigint();
  const out = fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}

async function run({ tmpDir }) {
  const elmMs = [];
  const cpMs = [];
  let stats = '';
  for (let i = 0; i < 3; i++) {
    const { home, disk } = readyLayer(tmpDir, `fin${i}`);
    const copy = path.join(tmpDir, `copy-${i}.vhd`);
    cpMs.push(timed(() => spawnSync('sh', ['-c', `cp "${disk}" "${copy}" && sync "${copy}"`])).ms);
    fs.rmSync(copy);
    const r = timed(() => elm(home, ['finalize', `fin${i}`, '--wait', '--settle', '0s']));
    elmMs.push(r.ms);
    stats = /wait-stats: (\d+) reads in ([\d.]+)s/.exec(r.out.stderr) ?? stats;
    fs.rmSync(home, { recursive: true, force: true });
  }
  const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
  const lines = [ratioLine(`finalize --wait (${DATA_MIB} MiB of data) vs cp + sync of the disk`, med(elmMs) / med(cpMs), 1.3, `${med(elmMs).toFixed(0)} ms vs ${med(cpMs).toFixed(0)} ms`)];
  if (stats) {
    const perSecond = Number(stats[1]) / Math.max(Number(stats[2]), 0.001);
    lines.push(`status reads per second while waiting: ${perSecond.toFixed(1)} (${stats[1]} reads in ${stats[2]}s; backoff 100 ms → 1 s plus file-change wake-ups, no busy polling)`);
  }
  return lines;
}

module.exports = { run };
if (require.main === module) {
  const os = require('node:os');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  run({ tmpDir }).then((l) => console.log(l.join('\n'))).finally(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
}
