#!/usr/bin/env node
'use strict';
const args = process.argv.slice(2);
// `elm --version` and a piped `elm --help` answer without loading the CLI: scripts call them
// often and they should cost no more than starting Node.
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${require('../package.json').version}\n`);
} else if (args.length === 1 && args[0] === '--help' && !process.stdout.isTTY && printBuiltHelp()) {
  // done: the help text npm run build rendered (scripts/postbuild.js)
} else {
  require('../dist/cli/main.js').main(process.argv);
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
