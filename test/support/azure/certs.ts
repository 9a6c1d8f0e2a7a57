/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1 / localhost / ::1,
 * made with the `openssl` binary. Azure SDK clients refuse to send a bearer token over plain
 * http, so the ARM/identity fake and Azurite serve HTTPS with this certificate; clients trust it
 * through `NODE_EXTRA_CA_CERTS=<caCertPath>` (spawned processes) or `tlsSettings.ca` (in process,
 * see sdkTrust.ts).
 *
 * Made once and cached in the OS temp dir (shared by every jest worker and later runs) until it
 * is within two days of expiry. Concurrent workers each build into a private dir and rename it
 * into place; the loser of the race uses the winner's files.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface TestCerts {
  dir: string;
  /** The CA certificate to trust (NODE_EXTRA_CA_CERTS). */
  caCertPath: string;
  caPem: string;
  /** The server certificate (signed by the CA) and its private key, for HTTPS servers. */
  certPath: string;
  certPem: string;
  keyPath: string;
  keyPem: string;
}

const CACHE_DIR = path.join(os.tmpdir(), 'elm-azure-test-certs-v1');
const VALID_DAYS = 30;
const MIN_REMAINING_MS = 2 * 24 * 3600 * 1000;

let memo: TestCerts | undefined;

export function testCerts(dir: string = CACHE_DIR): TestCerts {
  if (memo && memo.dir === dir && stillValid(memo)) return memo;
  let certs = readCerts(dir);
  if (!certs || !stillValid(certs)) {
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    generate(tmp);
    fs.rmSync(dir, { recursive: true, force: true });
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another worker won the race
    }
    certs = readCerts(dir);
    if (!certs) throw new Error(`could not create test certificates in ${dir}`);
  }
  memo = certs;
  return certs;
}

function readCerts(dir: string): TestCerts | undefined {
  const caCertPath = path.join(dir, 'ca.pem');
  const certPath = path.join(dir, 'server.pem');
  const keyPath = path.join(dir, 'server.key');
  try {
    return {
      dir,
      caCertPath,
      caPem: fs.readFileSync(caCertPath, 'utf8'),
      certPath,
      certPem: fs.readFileSync(certPath, 'utf8'),
      keyPath,
      keyPem: fs.readFileSync(keyPath, 'utf8'),
    };
  } catch {
    return undefined;
  }
}

function stillValid(c: TestCerts): boolean {
  try {
    const validTo = Date.parse(new X509Certificate(c.certPem).validTo);
    return validTo - Date.now() > MIN_REMAINING_MS;
  } catch {
    return false;
  }
}

function generate(dir: string): void {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const days = String(VALID_DAYS);
  fs.writeFileSync(
    path.join(dir, 'server.ext'),
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
      '',
    ].join('\n'),
  );
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-days', days, '-subj', '/CN=elm test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr',
    '-subj', '/CN=localhost']);
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', days, '-extfile', 'server.ext']);
  for (const f of ['server.csr', 'server.ext', 'ca.srl', 'ca.key']) fs.rmSync(path.join(dir, f), { force: true });
}
