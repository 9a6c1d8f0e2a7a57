import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * The size of a sparse disk that elm needs about `targetSeconds` to read through (finalize hashes
 * every byte, an upload scans every range for zeros; holes included). Reading a sparse file is
 * measured here, so a fast machine gets a bigger (still sparse, so free) disk and a test of
 * progress sees more than one sample everywhere. Whole GiB, from `minGiB` to 32 GiB.
 */
export async function sparseDiskSizeFor(targetSeconds: number, minGiB = 2): Promise<number> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-speed-'));
  const probe = path.join(dir, 'speed.raw');
  try {
    await fs.writeFile(probe, '');
    await fs.truncate(probe, 4 * GiB);
    const fh = await fs.open(probe, 'r');
    const buf = Buffer.alloc(4 * MiB);
    const hash = createHash('sha256');
    const started = Date.now();
    let read = 0;
    try {
      while (Date.now() - started < 750 && read < 4 * GiB) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, read);
        hash.update(buf.subarray(0, bytesRead));
        read += bytesRead;
      }
    } finally {
      await fh.close();
    }
    const perSecond = read / ((Date.now() - started) / 1000);
    return Math.min(32, Math.max(minGiB, Math.ceil((perSecond * targetSeconds) / GiB))) * GiB;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
