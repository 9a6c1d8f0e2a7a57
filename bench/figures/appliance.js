'use strict';
/*
 * Appliance figures, against the strict SOAP fake of test/support/appliance run in a process of
 * its own (bench/support/applianceFake.js: the timed commands run under spawnSync, which blocks
 * this process), through the real binary with `--appliance`:
 *
 * - the SOAP requests of one whole lifecycle (appliance add, appliance test, layer create --wait,
 *   disk status, machine deploy-link, verify, finalize --wait), counted by the fake, a line per
 *   command with the operations. The fake's tickets are ready at the first look (the packaging
 *   disk ActionRequired with its Azure link, the finalize Complete), so polls do not depend on the
 *   machine's speed. Target: no command logs in more than once, and no more requests than the
 *   commands need (MINIMUM: what each one must ask the API for what it prints; derived below).
 * - `elm layer list --appliance X --json` of 1,000 platform layers against a plain SOAP client
 *   getting the same answer (bench/support/soapLayerList.js: the same envelopes over Node's https,
 *   parsed with fast-xml-parser, 8 in flight like elm), interleaved, ratio of the lower quartiles
 *   (bench/lib.js says why). Both send the same 1,002 requests to the same fake, so the round trips
 *   dominate both; what the ratio shows is elm's start-up and its own work per request on top.
 *   Target 1.25x: between startup.js's 1.15x (pure start-up against `node -e 0`) and layerList.js's
 *   1.5x (a 10,000-layer state whose parse is cheap next to elm's objects and checks), since here
 *   the baseline already pays most of the cost (TLS, the fake's answers) that elm pays.
 * Needs `npm run build`.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { BIN, cleanEnv, interleavedSamples, median, quantile, quartileRatio, ratioLine, samples } = require('../lib');
const { startApplianceFakeProcess } = require('../support/applianceFake');

const PASSWORD_ENV = 'ELM_BENCH_APPLIANCE_PASSWORD';
const RUNS = 11;
const AZURE_LINK = 'https://portal.azure.com/#create/Microsoft.Template/uri/https%3A%2F%2Felmdisks.blob.core.windows.net%2Fpkg%2FAzure-tools.json';

const APPLIANCE = {
  users: { administrator: 'Unidesk1' },
  fileShares: [{ id: '1', name: 'Layers', path: '\\\\files01\\elm' }],
  connectors: [{ id: 'c1-guid', name: 'Azure West', type: 'Azure' }],
  osLayers: [{ id: '11', name: 'Windows 11', revisions: [{ id: '111', version: '1.0', state: 'Deployable' }] }],
  iconIds: ['196608'],
  createTicketSteps: [{ state: 'ActionRequired', status: `Deploy the packaging machine: ${AZURE_LINK}`, atMs: 0 }],
  finalizeTicketSteps: [{ state: 'Complete', status: 'The layer was finalized', atMs: 0 }],
};

/**
 * What each command must ask: a session (Login); appliance test its four checks; layer create the
 * shares, connector configurations, OS layers, icons, platform types, the connectors' disk
 * formats, the OS layer's versions, the create, one ticket poll and the version's state; disk
 * status, deploy-link and verify the layer by name, its versions, its packaging-disk ticket and
 * the disk's location; finalize the layer, its versions, the disk, the shares, the finalize, the
 * ended ticket (active list, then completed) and the state.
 */
const MINIMUM = { 'appliance add': 0, 'appliance test': 5, 'layer create': 11, 'disk status': 5, 'machine deploy-link': 5, verify: 5, 'finalize --wait': 9 };

function elmSync(args, env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`elm ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return r.stdout;
}

/** "Login 1, QueryPlatformLayers 2, …" in the order first sent. */
function tally(requests) {
  const counts = new Map();
  for (const r of requests) counts.set(r.operation ?? `HTTP ${r.status}`, (counts.get(r.operation ?? `HTTP ${r.status}`) ?? 0) + 1);
  return counts;
}
const tallyText = (counts) => [...counts].map(([op, n]) => `${op} ${n}`).join(', ') || 'none';

async function lifecycleFigure(tmpDir) {
  const fake = await startApplianceFakeProcess({ ...APPLIANCE, platformLayers: [] });
  try {
    const env = cleanEnv({ ELM_HOME: path.join(tmpDir, 'appliance-lifecycle-home'), [PASSWORD_ENV]: 'Unidesk1', NO_COLOR: '1' });
    const layer = ['--appliance', 'corp', 'Azure tools'];
    const steps = [
      ['appliance add', ['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator', '--ca-file', fake.caCertPath, '--password-env', PASSWORD_ENV]],
      ['appliance test', ['appliance', 'test', 'corp']],
      ['layer create', ['layer', 'create', '--appliance', 'corp', '--name', 'Azure tools', '--version', '1.0', '--os-layer', 'Windows 11', '--connector', 'Azure West', '--wait']],
      ['disk status', ['disk', 'status', ...layer]],
      ['machine deploy-link', ['machine', 'deploy-link', ...layer]],
      ['verify', ['verify', ...layer]],
      ['finalize --wait', ['finalize', ...layer, '--wait']],
    ];
    const lines = [];
    let seen = 0;
    let total = 0;
    let worstLogins = 0;
    const all = new Map();
    for (const [name, args] of steps) {
      // The operator shut the packaging machine down: the appliance makes the version Finalizable.
      if (name === 'verify') await fake.ask('setState', { layer: 'Azure tools', version: '1.0', state: 'Finalizable' });
      elmSync(args, env);
      const requests = (await fake.ask('requests')).slice(seen);
      seen += requests.length;
      const bad = requests.find((r) => r.fault || r.refused || r.status !== 200);
      if (bad) throw new Error(`${name}: the fake answered ${bad.operation} with ${bad.fault ?? bad.refused ?? `HTTP ${bad.status}`}`);
      const counts = tally(requests);
      for (const [op, n] of counts) all.set(op, (all.get(op) ?? 0) + n);
      total += requests.length;
      worstLogins = Math.max(worstLogins, counts.get('Login') ?? 0);
      lines.push(`appliance requests: ${name} ${requests.length} (need ${MINIMUM[name]}) [${tallyText(counts)}]`);
    }
    const minimum = Object.values(MINIMUM).reduce((a, b) => a + b, 0);
    const verdict = total <= minimum && worstLogins <= 1 ? 'PASS' : 'FAIL';
    lines.push(`${verdict} appliance SOAP requests per lifecycle: ${total} (target <= ${minimum}, at most 1 Login per command; most in one command ${worstLogins}) [${tallyText(all)}]`);
    return lines;
  } finally {
    await fake.stop();
  }
}

function platformLayers(n) {
  return Array.from({ length: n }, (_, i) => ({
    id: String(100 + i),
    name: `Layer ${i}`,
    description: `Platform layer number ${i}`,
    iconId: '196608',
    revisions: [{ id: `${100 + i}1`, version: '1.0', state: 'Deployable' }, ...(i % 3 === 0 ? [{ id: `${100 + i}2`, version: '2.0', state: 'Editing' }] : [])],
  }));
}

async function listFigure(tmpDir) {
  const n = 1000;
  const fake = await startApplianceFakeProcess({ ...APPLIANCE, platformLayers: platformLayers(n) });
  try {
    const env = cleanEnv({ ELM_HOME: path.join(tmpDir, 'appliance-list-home'), [PASSWORD_ENV]: 'Unidesk1', NODE_EXTRA_CA_CERTS: fake.caCertPath });
    elmSync(['appliance', 'add', '--name', 'corp', '--server', fake.host, '--user', 'administrator', '--password-env', PASSWORD_ENV], env);
    const elmArgs = [BIN, 'layer', 'list', '--appliance', 'corp', '--json'];
    const baseArgs = [path.join(__dirname, '..', 'support', 'soapLayerList.js'), fake.host];
    // Both answer the same: the same layers, versions and states.
    const same = (out) => JSON.parse(out).map((l) => `${l.id} ${l.name} ${l.versions.map((v) => `${v.name}:${v.state}`).join(',')}`);
    const [a, b] = [elmArgs, baseArgs].map((args) => same(spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 }).stdout));
    if (a.length !== n || JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`elm listed ${a.length} layers, the plain client ${b.length}, not the same`);
    await fake.ask('reset');
    const [baseTimes, elmTimes] = interleavedSamples(
      [
        [process.execPath, baseArgs, env],
        [process.execPath, elmArgs, env],
      ],
      { runs: RUNS, warmup: 1 },
    );
    const perRun = (await fake.ask('requests')).length / (2 * (RUNS + 1));
    const q = `${quantile(elmTimes, 0.25).toFixed(0)} ms vs ${quantile(baseTimes, 0.25).toFixed(0)} ms`;
    return [
      ratioLine(
        `elm layer list --appliance --json (${n.toLocaleString('en-US')} layers) vs plain SOAP client`,
        quartileRatio(baseTimes, elmTimes),
        1.25,
        `lower quartiles ${q} (medians ${median(elmTimes).toFixed(0)} vs ${median(baseTimes).toFixed(0)}) of ${elmTimes.length} runs, ${perRun.toFixed(0)} requests a run; elm ${samples(elmTimes)} ms; plain ${samples(baseTimes)} ms`,
      ),
    ];
  } finally {
    await fake.stop();
  }
}

async function run({ tmpDir }) {
  const dir = fs.mkdtempSync(path.join(tmpDir, 'elm-bench-appliance-'));
  try {
    return [...(await lifecycleFigure(dir)), ...(await listFigure(dir))];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };
if (require.main === module) {
  const os = require('node:os');
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-bench-'));
  run({ tmpDir }).then((l) => console.log(l.join('\n'))).finally(() => fs.rmSync(tmpDir, { recursive: true, force: true }));
}
