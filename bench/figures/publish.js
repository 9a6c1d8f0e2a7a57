'use strict';
/**
 * `elm layer publish --to SHARE --format vhdx --wait` of a finalized layer against `qemu-img
 * convert` of the same layer disk to VHDX (the conversion an operator would run by hand). elm's
 * publish is that conversion plus the SHA-256 file beside the image and a durable task.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, cleanEnv, median, ratioLine, samples: join } = require('../lib');
const { benchHome, readyLayer, timed } = require('./finalize');

const ROUNDS = 6;

function elm(home, args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: cleanEnv({ ELM_HOME: home }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`elm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

async function run({ tmpDir }) {
  if (spawnSync('qemu-img', ['--version']).status !== 0) return ['publish: skipped (qemu-img not installed)'];
  const { home, remove } = benchHome(tmpDir, 'pub');
  try {
    readyLayer(home, 'pub');
    elm(home, ['finalize', 'pub', '--wait', '--settle', '0s']);
    const disk = JSON.parse(elm(home, ['layer', 'show', 'pub', '--json']).stdout).versions[0].artifact.location;
    const elmMs = [];
    const qemuMs = [];
    for (let i = 0; i < ROUNDS; i++) {
      const out = path.join(tmpDir, `publish-${i}`);
      fs.mkdirSync(out);
      const runElm = () => {
        spawnSync('sync');
        elmMs.push(timed(() => elm(home, ['layer', 'publish', 'pub', '--to', 'share', '--out', out, '--format', 'vhdx', '--wait'])).ms);
      };
      const runQemu = () => {
        spawnSync('sync');
        qemuMs.push(timed(() => spawnSync('qemu-img', ['convert', '-f', 'vpc', '-O', 'vhdx', disk, path.join(out, 'by-hand.vhdx')])).ms);
      };
      // Alternating order: whichever runs second would otherwise pay for the first one's writes.
      if (i % 2 === 0) {
        runQemu();
        runElm();
      } else {
        runElm();
        runQemu();
      }
      fs.rmSync(out, { recursive: true, force: true });
    }
    const e = median(elmMs);
    const q = median(qemuMs);
    return [ratioLine('layer publish to a share as VHDX (1024 MiB of data) vs qemu-img convert of the same disk', e / q, 1.1, `${e.toFixed(0)} ms vs ${q.toFixed(0)} ms; elm ${join(elmMs)} ms, qemu-img ${join(qemuMs)} ms`)];
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
    remove();
  }
}

module.exports = { run };
