'use strict';
/**
 * The appliance fake of test/support/appliance in a process of its own, so it answers while the
 * bench process is blocked in spawnSync (interleavedSamples): startApplianceFakeProcess(options)
 * forks this file and sends the options over IPC (a thousand layers are too long for argv); the
 * child starts the fake with them and answers its host and CA file.
 * The parent then asks it, one message at a time: `requests` (what the fake recorded: operation,
 * HTTP status, fault, refusal; never the bodies, which hold the login's password), `reset`,
 * `setState` (a version's state, as the operator's shutdown makes it Finalizable) and `stop`.
 */
const { fork } = require('node:child_process');
const path = require('node:path');
const { ROOT, cleanEnv, registerTypeScript } = require('../lib');

/** The parent's half: the fake's host and CA file, and `ask(op, args)` for the messages above. */
function startApplianceFakeProcess(options) {
  const child = fork(__filename, [], { env: cleanEnv(), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  let nextId = 0;
  const ask = (op, args = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, { resolve, reject });
      child.send({ id, op, ...args });
    });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', (code) => {
    for (const w of waiting.values()) w.reject(new Error(`the appliance fake exited ${code}`));
  });
  child.on('message', (m) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.error) w?.reject(new Error(m.error));
    else w?.resolve(m.value);
  });
  const stop = () => ask('stop').then(() => exited, () => child.kill());
  return ask('start', { options }).then(({ host, caCertPath }) => ({ host, caCertPath, ask, stop }), (e) => (child.kill(), Promise.reject(e)));
}

/** The child's half: the fake itself, started by the first message. */
function serve() {
  let fake;
  const handlers = {
    start: async ({ options }) => {
      registerTypeScript();
      const { startApplianceFake } = require(path.join(ROOT, 'test', 'support', 'appliance', 'server.ts'));
      fake = await startApplianceFake(options);
      return { host: fake.host, caCertPath: fake.caCertPath };
    },
    requests: () => fake.requests.map((r) => ({ operation: r.operation ?? null, status: r.status ?? null, fault: r.fault ?? null, refused: r.refused ?? null })),
    reset: () => void fake.requests.splice(0),
    setState: ({ layer, version, state }) => {
      const revision = (fake.opts.platformLayers ?? []).find((l) => l.name === layer)?.revisions?.find((r) => r.version === version);
      if (!revision) throw new Error(`the fake has no version ${version} of layer "${layer}"`);
      revision.state = state;
    },
    stop: () => fake.stop(),
  };
  process.on('message', async (m) => {
    try {
      const value = await handlers[m.op](m);
      process.send({ id: m.id, value }, () => m.op === 'stop' && process.disconnect());
    } catch (e) {
      process.send({ id: m.id, error: e.message });
    }
  });
}

module.exports = { startApplianceFakeProcess };

if (require.main === module) serve();
