#!/usr/bin/env node
'use strict';
/**
 * `npm run bench`: every speed and memory figure as a ratio against a baseline measured in the
 * same run, one line per figure: `PASS|FAIL <figure>: <ratio>x (target <= <t>x) [medians; samples]`,
 * each pair measured interleaved, then a count of the FAILs (exit 1 if any, or if a figure could
 * not be measured). Run after `npm run build`. Pass figure names to run some:
 * `npm run bench -- startup disk`.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const FIGURES = ['startup', 'layerList', 'disk', 'finalize', 'publish', 'azureUpload', 'remoteState', 'appliance'];

async function main() {
  const wanted = process.argv.slice(2);
  const names = wanted.length ? FIGURES.filter((f) => wanted.includes(f)) : FIGURES;
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  let failed = false;
  let verdicts = 0;
  let fails = 0;
  try {
    for (const name of names) {
      const file = path.join(__dirname, 'figures', `${name}.js`);
      if (!fs.existsSync(file)) continue;
      try {
        const lines = await require(file).run({ tmpDir });
        for (const line of lines) {
          console.log(line);
          if (/^(PASS|FAIL) /.test(line)) verdicts++;
          if (line.startsWith('FAIL ')) fails++;
        }
      } catch (e) {
        failed = true;
        console.log(`${name}: could not be measured: ${e.message.split('\n')[0]}`);
      }
    }
  } finally {
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  console.log(`${fails === 0 && !failed ? 'PASS' : 'FAIL'}: ${verdicts - fails} of ${verdicts} targets met${failed ? '; some figures could not be measured' : ''}`);
  if (failed || fails > 0) process.exitCode = 1;
}

main();
