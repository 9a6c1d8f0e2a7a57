'use strict';
/**
 * What a script pays per call: `elm --help`, `elm --version` and `elm task list` (a home with a
 * connector, a layer and its finished task) against `node -e 0`, all four interleaved; each
 * figure is the ratio of the lower quartiles (bench/lib.js says why).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, cleanEnv, interleavedSamples, median, quantile, quartileRatio, ratioLine, samples } = require('../lib');

const TARGET = 1.15;

/** A small real state: one elm wrote, with a few tasks for task list to filter. */
function seedHome(tmpDir) {
  const home = path.join(tmpDir, 'startup-home');
  const env = cleanEnv({ ELM_HOME: home });
  const run = (args) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`elm ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  };
  const disk = path.join(tmpDir, 'startup-os.raw');
  // Zeros: a disk's first sectors are boot code, partition tables or zeros (os-layer import refuses text).
  fs.writeFileSync(disk, Buffer.alloc(1 << 20));
  run(['connector', 'add', 'fileshare', '--name', 'share']);
  run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', disk]);
  run(['layer', 'create', '--name', 'app', '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait']);
  return home;
}

async function run({ tmpDir }) {
  const node = process.execPath;
  const home = seedHome(tmpDir);
  const commands = [
    ['elm --help', [node, [BIN, '--help']]],
    ['elm --version', [node, [BIN, '--version']]],
    ['elm task list', [node, [BIN, 'task', 'list', '--all'], cleanEnv({ ELM_HOME: home })]],
  ];
  const [base, ...times] = interleavedSamples([[node, ['-e', '0']], ...commands.map(([, c]) => c)], { runs: 21 });
  const b = median(base);
  return commands.map(([label], k) => {
    const m = median(times[k]);
    const q = `${quantile(times[k], 0.25).toFixed(0)} ms vs ${quantile(base, 0.25).toFixed(0)} ms`;
    return ratioLine(`${label} vs node -e 0`, quartileRatio(base, times[k]), TARGET, `lower quartiles ${q} (medians ${m.toFixed(0)} vs ${b.toFixed(0)}) of ${times[k].length} runs; ${label} ${samples(times[k])} ms; node -e 0 ${samples(base)} ms`);
  });
}

module.exports = { run };
if (require.main === module) {
  const os = require('node:os');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  run({ tmpDir }).then((l) => console.log(l.join('\n'))).finally(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
}
