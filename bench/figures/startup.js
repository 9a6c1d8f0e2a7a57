'use strict';
/** `elm --help` and `elm --version` against `node -e 0`: what a script pays per call. */
const { BIN, interleavedMedians, ratioLine } = require('../lib');

async function run() {
  const node = process.execPath;
  const [base, help, version] = interleavedMedians(
    [
      [node, ['-e', '0']],
      [node, [BIN, '--help']],
      [node, [BIN, '--version']],
    ],
    { runs: 21 },
  );
  return [
    ratioLine('elm --help vs node -e 0', help / base, 1.3, `${help.toFixed(0)} ms vs ${base.toFixed(0)} ms`),
    ratioLine('elm --version vs node -e 0', version / base, 1.3, `${version.toFixed(0)} ms vs ${base.toFixed(0)} ms`),
  ];
}

module.exports = { run };
if (require.main === module) run().then((l) => console.log(l.join('\n')));
