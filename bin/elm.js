#!/usr/bin/env node
'use strict';
// `elm --version` answers without loading the CLI: scripts call it often and it should cost nothing.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  require('../dist/cli/main.js').main(process.argv);
}
