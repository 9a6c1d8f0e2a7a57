/**
 * Azurite (npm `azurite`, the real Azure Storage emulator) as a child process: blob service
 * only, in memory, on a free port, optionally over HTTPS with `--oauth basic`.
 *
 * With `https: true` Azurite serves the test certificate of certs.ts (clients trust it through
 * `NODE_EXTRA_CA_CERTS` or tlsOptions, see sdkTrust.ts). Bearer tokens need HTTPS; with
 * `oauth: true` Azurite accepts Microsoft Entra tokens (it checks issuer `https://sts.windows.net/…`,
 * audience `https://storage.azure.com`, nbf/exp; it does not check the signature), so the
 * unsigned tokens of the ARM/identity fake work, and so do user-delegation keys and SAS.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { testCerts } from './certs';

export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/**
 * The newest SAS version Azurite 3.35 verifies (its API version). @azure/storage-blob 12.32 signs
 * user-delegation SAS with 2026-04-06 by default, which Azurite rejects (403): pin `version` to
 * this in SAS you mean to use against Azurite. Real Azure accepts it too.
 */
export const AZURITE_SAS_VERSION = '2025-11-05';

export interface AzuriteOptions {
  /** Serve HTTPS with the test certificate (default false: plain http). */
  https?: boolean;
  /** `--oauth basic`: accept bearer tokens (implies https). */
  oauth?: boolean;
  /** More storage accounts beside devstoreaccount1 (Azurite's AZURITE_ACCOUNTS). */
  extraAccounts?: Array<{ name: string; key: string }>;
  /** Milliseconds to wait for Azurite to listen (default 30000). */
  startTimeoutMs?: number;
}

export interface AzuriteAccount {
  accountName: string;
  accountKey: string;
  /** e.g. https://127.0.0.1:PORT/devstoreaccount1 (no trailing slash). */
  blobEndpoint: string;
  connectionString: string;
}

export interface Azurite extends AzuriteAccount {
  /** https://127.0.0.1:PORT */
  origin: string;
  port: number;
  https: boolean;
  oauth: boolean;
  /** The CA to trust when https (NODE_EXTRA_CA_CERTS). */
  caCertPath?: string;
  caPem?: string;
  /** Connection details of any account by name (devstoreaccount1 or an extra one). */
  account(name: string): AzuriteAccount;
  stop(): Promise<void>;
}

export async function startAzurite(opts: AzuriteOptions = {}): Promise<Azurite> {
  const useHttps = Boolean(opts.https || opts.oauth);
  const certs = useHttps ? testCerts() : undefined;
  const accounts = [{ name: AZURITE_ACCOUNT_NAME, key: AZURITE_ACCOUNT_KEY }, ...(opts.extraAccounts ?? [])];

  const bin = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/blob/main.js');
  const args = [bin, '--inMemoryPersistence', '--blobHost', '127.0.0.1', '--blobPort', '0', '--silent',
    '--disableTelemetry', '--skipApiVersionCheck'];
  if (certs) args.push('--cert', certs.certPath, '--key', certs.keyPath);
  if (opts.oauth) args.push('--oauth', 'basic');

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is not Azurite's business
  delete env.AZURITE_ACCOUNTS;
  // Azurite checks a copy source that carries a SAS by calling itself over HTTPS: trust our CA.
  if (certs) env.NODE_EXTRA_CA_CERTS = certs.caCertPath;
  if (opts.extraAccounts?.length) env.AZURITE_ACCOUNTS = accounts.map((a) => `${a.name}:${a.key}`).join(';');

  // Azurite may write debug files into its cwd: give it a scratch folder.
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'elm-azurite-'));
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let port: number;
  try {
    port = await waitForPort(child, opts.startTimeoutMs ?? 30000);
  } catch (err) {
    await killChild(child);
    fs.rmSync(cwd, { recursive: true, force: true });
    throw err;
  }
  // Keep draining the pipes so Azurite never blocks on a full stdout.
  child.stdout?.resume();
  child.stderr?.resume();

  const scheme = useHttps ? 'https' : 'http';
  const origin = `${scheme}://127.0.0.1:${port}`;
  const account = (name: string): AzuriteAccount => {
    const found = accounts.find((a) => a.name === name);
    if (!found) throw new Error(`Azurite has no account ${name}`);
    const blobEndpoint = `${origin}/${found.name}`;
    return {
      accountName: found.name,
      accountKey: found.key,
      blobEndpoint,
      connectionString: `DefaultEndpointsProtocol=${scheme};AccountName=${found.name};AccountKey=${found.key};BlobEndpoint=${blobEndpoint};`,
    };
  };

  let stopped: Promise<void> | undefined;
  return {
    ...account(AZURITE_ACCOUNT_NAME),
    origin,
    port,
    https: useHttps,
    oauth: Boolean(opts.oauth),
    caCertPath: certs?.caCertPath,
    caPem: certs?.caPem,
    account,
    stop() {
      stopped ??= killChild(child).then(() => fs.rmSync(cwd, { recursive: true, force: true }));
      return stopped;
    },
  };
}

function waitForPort(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => finish(new Error(`Azurite did not start within ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /successfully listens on https?:\/\/[^:\s]+:(\d+)/.exec(out);
      if (m) finish(undefined, Number(m[1]));
    };
    const onExit = (code: number | null) => finish(new Error(`Azurite exited (${code}) before listening:\n${out}`));
    function finish(err?: Error, port?: number) {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(port as number);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(hard);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve();
    });
    child.kill('SIGTERM');
  });
}
