#!/usr/bin/env node
'use strict';
/**
 * Second half of `npm run build`, after tsc: what makes each call of `elm` start fast.
 *
 * 1. Relative dynamic imports become lazy requires. tsc (module node16, CommonJS out) keeps
 *    `import('./x.js')` as a real ES import, and the first one starts Node's ES module loader
 *    (resolver, CommonJS lexer): a fifth of a `node -e 0` per command, for files that are
 *    CommonJS anyway. Loading stays lazy: the require runs where the import ran. Packages
 *    (execa, chalk, ora, @inquirer/prompts: ESM only) keep their real import().
 * 2. `elm --help` is rendered once here into dist/cli/help.txt; bin/elm.js prints it for a plain
 *    `elm --help` whose output is not a terminal (a terminal gets commander's help at its own
 *    width), as long as it is newer than dist/cli/program.js (a bare `tsc` makes it stale).
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'dist');
const RELATIVE_IMPORT = /\bimport\((['"])(\.\.?\/[^'"]+)\1\)/g;

function jsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? jsFiles(p) : e.name.endsWith('.js') ? [p] : [];
  });
}

function rewriteRelativeImports() {
  let count = 0;
  for (const file of jsFiles(DIST)) {
    const text = fs.readFileSync(file, 'utf8');
    const out = text.replace(RELATIVE_IMPORT, (_m, q, spec) => {
      count++;
      return `Promise.resolve().then(() => require(${q}${spec}${q}))`;
    });
    if (out !== text) fs.writeFileSync(file, out);
  }
  return count;
}

function renderHelp() {
  const helpFile = path.join(DIST, 'cli', 'help.txt');
  fs.rmSync(helpFile, { force: true });
  const env = { ...process.env, NO_COLOR: '1' };
  for (const k of ['NODE_OPTIONS', 'FORCE_COLOR', 'CLICOLOR_FORCE']) delete env[k];
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'elm.js'), '--help'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.status !== 0 || !r.stdout) throw new Error(`elm --help failed while building: ${r.stderr}`);
  fs.writeFileSync(helpFile, r.stdout);
}

const rewritten = rewriteRelativeImports();
renderHelp();
const bundled = require('./bundleFast').bundleFast();
console.log(`postbuild: ${rewritten} relative imports made lazy requires; dist/cli/help.txt rendered; ${bundled} modules in dist/fast.js`);
