/**
 * A blob service that accepts connections and never answers (a frozen service, a black-holing
 * proxy): every state call ends at elm's own deadline with one line naming the host, exit 1,
 * through the real binary. Without it elm would wait for ever (the Storage SDK sets no client
 * timeout). The deadline is shortened with ELM_STATE_TIMEOUT_MS so the test does not wait 45 s.
 */
import net from 'node:net';
import { elm, expectCode, MiB, scratch, type Scratch } from '../support/e2e';

jest.setTimeout(300_000);

let server: net.Server;
const sockets = new Set<net.Socket>();
let host: string;
let s: Scratch;
beforeAll(async () => {
  // Accepts every connection, reads what is sent, answers nothing.
  server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  s = await scratch(2 * MiB);
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((r) => server?.close(r));
  await s?.cleanup();
});

test.each([
  ['a read', ['layer', 'list']],
  ['a change (the lease)', ['connector', 'add', 'fileshare', '--name', 'x', '--path', '/tmp']],
  ['state show', ['state', 'show', '--json']],
  ['state pull', ['state', 'pull']],
])('%s against a service that never answers: exit 1, one line naming the host, not "Cancelled."', async (_what, args) => {
  const env = {
    ELM_STATE: `http://${host}/devstoreaccount1/elm/state.json`,
    ELM_STATE_ACCOUNT_KEY_ENV: 'ELM_TEST_KEY',
    ELM_TEST_KEY: Buffer.from('not a real key').toString('base64'),
    ELM_STATE_TIMEOUT_MS: '2000',
  };
  // Generous: only a hang (today's behaviour) reaches this and is killed.
  const r = await elm(args, { home: s.home, env, timeoutMs: 120_000 });
  expectCode(r, 1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toBe(`error: The blob service ${host} of the elm state did not answer within 2 s. Check the service and the network, then retry.`);
  expect(r.stderr).not.toContain('Cancelled');
});
