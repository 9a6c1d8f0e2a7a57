/*
 * Packaging disk figures: writing a 127 GiB fixed VHD from a sparse OS layer should cost about
 * what `cp --sparse=always` of the same file costs, and take about the same space.
 * Needs the built code: npx tsc -p tsconfig.build.json
 */
const { execFileSync } = require('node:child_process');
const { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { writePackagingDisk } = require('../../dist/disk/packagingDisk.js');
const { ratioLine, samples } = require('../lib');

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const RUNS = 3;

/** 127 GiB, ~256 MiB of data in 8 blocks of 32 MiB spread over the disk, holes elsewhere. */
function makeSource(path) {
  const fd = openSync(path, 'w');
  try {
    const block = Buffer.alloc(32 * MiB);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761) >>> 0, i);
    const offsets = [0, 1, 5, 20, 50, 80, 110, 126].map((g) => g * GiB + (g ? 12345 * 512 : 0));
    for (const offset of offsets) writeSync(fd, block, 0, block.length, offset);
  } finally {
    closeSync(fd);
  }
  execFileSync('truncate', ['-s', String(127 * GiB), path]);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const allocated = (path) => statSync(path).blocks * 512;

async function timed(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

async function run({ tmpDir }) {
  const dir = mkdtempSync(join(tmpDir, 'elm-bench-disk-'));
  try {
    const source = join(dir, 'oslayer.raw');
    makeSource(source);
    const cpTimes = [];
    const vhdTimes = [];
    for (let i = 0; i < RUNS; i++) {
      const copy = join(dir, 'copy.raw');
      cpTimes.push(await timed(async () => execFileSync('cp', ['--sparse=always', '--reflink=never', source, copy])));
      rmSync(copy);
      const vhd = join(dir, 'pack.vhd');
      vhdTimes.push(await timed(() => writePackagingDisk({ source, dest: vhd, format: 'vhd' })));
      if (i < RUNS - 1) rmSync(vhd);
    }
    const ratio = median(vhdTimes) / median(cpTimes);
    const overMiB = (allocated(join(dir, 'pack.vhd')) - allocated(source)) / MiB;
    return [
      ratioLine('packaging disk 127 GiB vhd time vs cp --sparse=always', ratio, 1.5, `vhd ${median(vhdTimes).toFixed(0)} ms, cp ${median(cpTimes).toFixed(0)} ms, median of ${RUNS}; vhd ${samples(vhdTimes)} ms; cp ${samples(cpTimes)} ms`),
      `${overMiB <= 1 ? 'PASS' : 'FAIL'} packaging disk allocated space vs source: ${overMiB.toFixed(2)} MiB over (target <= 1 MiB)`,
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };

if (require.main === module) {
  run({ tmpDir: process.env.TMPDIR || tmpdir() }).then(
    (lines) => console.log(lines.join('\n')),
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
