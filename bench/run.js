#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: every speed and memory figure as a ratio against a baseline measured in the
 * same run, one line per figure: `<figure>: <ratio>x (target <= <t>x)`.
 * Run after `npm run build`. Pass figure names to run some: `npm run bench -- startup disk`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const FIGURES = ['startup', 'layerList', 'disk', 'finalize', 'azureUpload', 'remoteState'];

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? FIGURES.filter((f) => wanted.includes(f)) : FIGURES;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  let failed = false;
  try {
    for (const name of names) {
      const file = path.join(__dirname, 'figures', `${name}.js`);
      if (!fs.existsSync(file)) continue;
      try {
        const lines = await require(file).run({ tmpDir });
        for (const line of lines) console.log(line);
      } catch (e) {
        failed = true;
        console.log(`${name}: could not be measured: ${e.message.split('\n')[0]}`);
      }
    }
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  if (failed) process.exitCode = 1;
}

main();
