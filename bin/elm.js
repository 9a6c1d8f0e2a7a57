#!/usr/bin/env node
'use strict';

function cli(args) {
  // `elm --version` and a piped `elm --help` answer without loading the CLI: scripts call them
  // often and they should cost no more than starting Node.
  if (args.length === 1 && args[0] === '--version') {
    process.stdout.write(`${require('../package.json').version}\n`);
  } else if (args.length === 1 && args[0] === '--help' && !process.stdout.isTTY && printBuiltHelp()) {
    // done: the help text npm run build rendered (scripts/postbuild.js)
  } else if (!fastCommands().runFast(process.argv)) {
    // Not a plain `task list` / `layer list` (src/cli/fastPath.ts): commander parses it.
    require('../dist/cli/main.js').main(process.argv);
  }
}

/** Prints dist/cli/help.txt if the build made it after the CLI it describes; false otherwise. */
function printBuiltHelp() {
  if (process.env.FORCE_COLOR || process.env.CLICOLOR_FORCE) return false;
  const fs = require('node:fs');
  const path = require('node:path');
  const cli = path.join(__dirname, '..', 'dist', 'cli');
  try {
    const help = path.join(cli, 'help.txt');
    if (fs.statSync(help).mtimeMs < fs.statSync(path.join(cli, 'program.js')).mtimeMs) return false;
    process.stdout.write(fs.readFileSync(help, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

/** dist/cli/fastPath.js, from the build's one-file bundle when it is there and current. */
function fastCommands() {
  const bundle = loadFastBundle();
  return bundle ? bundle.load('cli/fastPath.js') : require('../dist/cli/fastPath.js');
}

/**
 * dist/fast.js (scripts/bundleFast.js) compiled with the V8 code cache beside it; null if it is
 * missing or older than the modules it holds. A cache from another Node version is rejected by V8
 * and the file is simply compiled. `onScript` is for the build, which makes the cache.
 */
function loadFastBundle(onScript) {
  const fs = require('node:fs');
  const path = require('node:path');
  const file = path.join(__dirname, '..', 'dist', 'fast.js');
  let source;
  let cachedData;
  try {
    source = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    // compiled without it
  }
  const { Script } = require('node:vm');
  const wrapped = `(function (exports, require, module, __filename, __dirname, importPackage) {${source}\n})`;
  const script = new Script(wrapped, { filename: file, cachedData });
  onScript?.(script);
  const mod = { exports: {} };
  // import() of a package (chalk) runs here, in a module Node loaded: the bundle has no loader for it.
  script.runInThisContext()(mod.exports, require, mod, file, path.dirname(file), (specifier) => import(specifier));
  return mod.exports.fresh() ? mod.exports : null;
}

if (require.main === module) cli(process.argv.slice(2));
module.exports = { loadFastBundle };
