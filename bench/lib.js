'use strict';
/** Shared timing helpers: medians of whole-process runs, so figures compare like with like. */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const BIN = path.join(ROOT, 'bin', 'elm.js');

function cleanEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

/** Median wall time (ms) of `runs` runs of a command. */
function medianMs(cmd, args, { runs = 15, env, warmup = 2 } = {}) {
  const times = [];
  for (let i = 0; i < runs + warmup; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? cleanEnv() });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i >= warmup) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

/**
 * Median times of several commands measured in alternation (A B C A B C ...), so a busy machine
 * slows baseline and subject alike and the ratio stays fair. interleavedSamples keeps every time.
 */
function interleavedMedians(commands, opts) {
  return interleavedSamples(commands, opts).map(median);
}

function interleavedSamples(commands, { runs = 15, warmup = 2 } = {}) {
  const times = commands.map(() => []);
  for (let i = 0; i < runs + warmup; i++) {
    // Each round starts with the next command: none always runs right after the same other one.
    const order = commands.map((_, k) => (k + i) % commands.length);
    order.forEach((k) => {
      const [cmd, args, env] = commands[k];
      const t = process.hrtime.bigint();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? cleanEnv() });
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
      if (i >= warmup) times[k].push(ms);
    });
  }
  return times;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** The value a fraction q of the samples stay at or below (q = 0.25: the lower quartile). */
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)];

/**
 * Process start-up figures: the ratio of the lower quartiles. This machine adds some tens of
 * milliseconds to a random part of all runs (`node -e 0` included), so medians swing with how
 * many runs of each command were hit; the faster quarter of each command's runs is what the
 * command itself costs. The medians are printed beside it.
 */
const quartileRatio = (base, subject) => quantile(subject, 0.25) / quantile(base, 0.25);

/** Whole milliseconds joined by "/", in the order measured: the spread is part of the figure. */
const samples = (xs) => xs.map((x) => Math.round(x)).join('/');

/** One figure: `PASS|FAIL <figure>: <ratio>x (target <= <t>x) [detail]`; run.js counts the FAILs. */
function ratioLine(figure, ratio, target, detail = '') {
  const verdict = ratio <= target ? 'PASS' : 'FAIL';
  return `${verdict} ${figure}: ${ratio.toFixed(2)}x (target <= ${target}x)${detail ? ` [${detail}]` : ''}`;
}

/**
 * `require('x.ts')` for the test support's fakes: types stripped with the TypeScript compiler's
 * transpileModule, CommonJS out (no ts-jest, no build step).
 */
function registerTypeScript() {
  if (require.extensions['.ts']) return;
  const ts = require('typescript');
  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: filename,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    module._compile(outputText, filename);
  };
}

module.exports = { ROOT, BIN, cleanEnv, registerTypeScript, medianMs, interleavedMedians, interleavedSamples, median, quantile, quartileRatio, samples, ratioLine };
