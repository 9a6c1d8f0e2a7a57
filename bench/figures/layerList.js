'use strict';
/** `elm layer list --json` on 10,000 layers against reading and parsing that file in plain node. */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, cleanEnv, interleavedSamples, median, quantile, quartileRatio, ratioLine, samples } = require('../lib');

function bigState(n) {
  const at = '2026-11-21T10:00:00.000Z';
  const layers = [];
  for (let i = 0; i < n; i++) {
    layers.push({
      id: String(100 + i),
      name: `layer-${i}`,
      description: `Platform layer number ${i}`,
      icon: 'default',
      createdAt: at,
      versions: [
        {
          name: '1.0',
          description: '',
          state: i % 3 === 0 ? 'Deployable' : 'Editing',
          maxSizeGiB: 10,
          osLayer: { name: 'win11', version: '1' },
          connector: 'share',
          platform: { purpose: 'packaging', hypervisor: 'hyperv' },
          recipes: [],
          packagingDisk: { name: `layer-${i}`, format: 'vhd', location: `/srv/share/layer-${i}.vhd`, sizeBytes: 136365212160 },
          createTaskId: null,
          machine: null,
          integrity: null,
          artifact: null,
          createdAt: at,
        },
      ],
      audit: [{ at, user: 'ops', action: 'Create Layer', comment: 'bench', version: '1.0' }],
    });
  }
  return { schemaVersion: 1, nextId: 100 + n, connectors: [], osLayers: [], icons: [], layers, tasks: [] };
}

async function run({ tmpDir }) {
  const home = path.join(tmpDir, 'list-home');
  fs.mkdirSync(home, { recursive: true });
  const file = path.join(home, 'state.json');
  fs.writeFileSync(file, JSON.stringify(bigState(10_000), null, 1));
  // As in real use, the state is one elm wrote: one mutation through the binary rewrites it.
  const r = spawnSync(process.execPath, [BIN, 'connector', 'add', 'fileshare', '--name', 'bench', '--path', tmpDir], { env: cleanEnv({ ELM_HOME: home }) });
  if (r.status !== 0) throw new Error(`seeding the state failed: ${r.stderr}`);
  const [baseTimes, elmTimes] = interleavedSamples(
    [
      [process.execPath, ['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`]],
      [process.execPath, [BIN, 'layer', 'list', '--json'], cleanEnv({ ELM_HOME: home })],
    ],
    { runs: 15 },
  );
  const [base, elm] = [median(baseTimes), median(elmTimes)];
  const mib = (fs.statSync(file).size / 2 ** 20).toFixed(1);
  return [
    ratioLine('elm layer list --json (10,000 layers) vs plain node read+parse', quartileRatio(baseTimes, elmTimes), 1.5, `lower quartiles ${quantile(elmTimes, 0.25).toFixed(0)} ms vs ${quantile(baseTimes, 0.25).toFixed(0)} ms (medians ${elm.toFixed(0)} vs ${base.toFixed(0)}) of ${elmTimes.length} runs, ${mib} MiB state; elm ${samples(elmTimes)} ms; read+parse ${samples(baseTimes)} ms`),
  ];
}

module.exports = { run, bigState };
if (require.main === module) {
  const os = require('node:os');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  run({ tmpDir }).then((l) => console.log(l.join('\n'))).finally(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
}
