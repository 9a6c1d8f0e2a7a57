/**
 * Datastore HTTP file access, as vCenter serves it:
 *   PUT    /folder/<path>?dcPath=<datacenter path>&dsName=<datastore>   upload (streamed; chunked
 *          or Content-Length) → 201 new file, 200 overwritten. The folder the file goes in must
 *          exist: a PUT is not a way to create folders (reports of 404/405 until the folder is
 *          there; the vSphere Web Services SDK creates folders with FileManager.MakeDirectory), so
 *          the fake refuses a PUT into a missing folder with 404.
 *   GET    /folder/<path>?dcPath=&dsName=   download (streamed; `Range: bytes=` → 206), a folder
 *          gives an HTML listing; HEAD gives the headers only
 *   DELETE /folder/<path>?dcPath=&dsName=   → 204 (a folder is removed with its content)
 * dcPath is the datacenter's inventory path (`Region/DC1` for a datacenter in a folder; see
 * Inventory.datacenterByPath). Unknown datacenter, datastore or file → 404 (text/plain), never a
 * vAPI error document. Authentication is checked by the
 * server (session header, `vmware_soap_session` cookie or HTTP Basic) before this runs.
 *
 * Bytes are kept on disk under a temp dir (disks can be hundreds of MiB), one folder per
 * datastore. A dropped upload leaves the partial file in place, as a real datastore does.
 */
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import * as fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Datastore, Inventory } from './inventory';

export interface DatastoreFileEntry {
  datacenter: string;
  datastore: string;
  /** Path inside the datastore, forward slashes, no leading slash. */
  path: string;
  /** `[datastore] path`, the notation VM disk backings use. */
  dsPath: string;
  size: number;
  /** Where the fake keeps the bytes (read it, or run `qemu-img info` on it). */
  localPath: string;
}

export class DatastoreFiles {
  constructor(private readonly root: string, private readonly inventory: Inventory) {}

  private dsDir(ds: Datastore): string {
    return path.join(this.root, ds.datacenter, ds.id);
  }

  /** Local path of `relPath` on a datastore; throws on an escape (`..`). */
  localPath(ds: Datastore, relPath: string): string {
    const clean = path.posix.normalize(relPath.replace(/\\/g, '/').replace(/^\/+/, ''));
    if (clean === '..' || clean.startsWith('../')) throw new Error(`bad datastore path ${relPath}`);
    return path.join(this.dsDir(ds), clean === '.' ? '' : clean);
  }

  /**
   * Resolves `[ds] path/file.vmdk`. Datastore names are unique per datacenter only, so the
   * caller passes the datacenter (id) whose datastores are searched.
   */
  resolveDsPath(dsPath: string, datacenterId: string): { ds: Datastore; relPath: string; localPath: string } | undefined {
    const m = /^\[([^\]]+)\]\s*(.*)$/.exec(dsPath.trim());
    if (!m) return undefined;
    const ds = this.inventory.datastores.find((d) => d.datacenter === datacenterId && d.name === m[1]);
    if (!ds) return undefined;
    const relPath = m[2].replace(/^\/+/, '');
    return { ds, relPath, localPath: this.localPath(ds, relPath) };
  }

  exists(localPath: string): boolean {
    try {
      return fs.statSync(localPath).isFile();
    } catch {
      return false;
    }
  }

  /** Test setup: put a file on a datastore (content, or a local file to copy). */
  put(dcName: string, dsName: string, relPath: string, content: Buffer | string | { fromFile: string }): string {
    const ds = this.inventory.datastoreByName(dcName, dsName);
    if (!ds) throw new Error(`vcenter fake: no datastore ${dsName} in ${dcName}`);
    const target = this.localPath(ds, relPath);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (typeof content === 'object' && 'fromFile' in content) fs.copyFileSync(content.fromFile, target);
    else fs.writeFileSync(target, content);
    return target;
  }

  list(): DatastoreFileEntry[] {
    const out: DatastoreFileEntry[] = [];
    for (const ds of this.inventory.datastores) {
      const base = this.dsDir(ds);
      const dc = this.inventory.datacenter(ds.datacenter);
      const walk = (dir: string) => {
        let entries: fs.Dirent[];
        try {
          entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          const full = path.join(dir, e.name);
          if (e.isDirectory()) walk(full);
          else if (e.isFile()) {
            const rel = path.relative(base, full).split(path.sep).join('/');
            out.push({ datacenter: dc?.name ?? ds.datacenter, datastore: ds.name, path: rel, dsPath: `[${ds.name}] ${rel}`, size: fs.statSync(full).size, localPath: full });
          }
        }
      };
      walk(base);
    }
    return out.sort((a, b) => (a.dsPath < b.dsPath ? -1 : 1));
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const dcPath = url.searchParams.get('dcPath');
    const dsName = url.searchParams.get('dsName');
    if (!dcPath || !dsName) return text(res, 400, 'dcPath and dsName query parameters are required');
    const dc = this.inventory.datacenterByPath(dcPath);
    if (!dc) return text(res, 404, `datacenter ${dcPath} not found (dcPath is the datacenter's inventory path)`);
    const ds = this.inventory.datastores.find((d) => d.datacenter === dc.id && d.name === dsName);
    if (!ds) return text(res, 404, `datastore ${dsName} not found in datacenter ${dcPath}`);
    await fsp.mkdir(this.dsDir(ds), { recursive: true }); // a datastore's root folder always exists
    let rel: string;
    let local: string;
    try {
      rel = url.pathname.replace(/^\/folder\/?/, '').split('/').map(decodeURIComponent).join('/');
      local = this.localPath(ds, rel);
    } catch {
      return text(res, 400, 'bad path');
    }
    const stat = await fsp.stat(local).catch(() => undefined);
    switch (req.method) {
      case 'GET':
      case 'HEAD':
        if (!stat) return text(res, 404, `file [${ds.name}] ${rel} not found`);
        if (stat.isDirectory()) return listing(res, local, url, req.method === 'HEAD');
        return sendFile(req, res, local, stat.size);
      case 'PUT': {
        if (stat?.isDirectory()) return text(res, 400, `[${ds.name}] ${rel} is a folder`);
        const parent = await fsp.stat(path.dirname(local)).catch(() => undefined);
        if (!parent?.isDirectory()) {
          req.resume();
          return text(res, 404, `folder [${ds.name}] ${path.posix.dirname(rel)} not found: create it first`);
        }
        await pipeline(req, createWriteStream(local));
        return text(res, stat ? 200 : 201, '');
      }
      case 'DELETE':
        if (!stat) return text(res, 404, `file [${ds.name}] ${rel} not found`);
        await fsp.rm(local, { recursive: true, force: true });
        res.writeHead(204);
        res.end();
        return;
      default:
        return text(res, 405, 'method not allowed');
    }
  }
}

function text(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

async function sendFile(req: IncomingMessage, res: ServerResponse, local: string, size: number): Promise<void> {
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = req.headers.range;
  if (range) {
    const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
    if (m && (m[1] || m[2])) {
      if (m[1]) {
        start = Number(m[1]);
        end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      } else {
        start = Math.max(0, size - Number(m[2]));
      }
      if (start >= size || start > end) {
        res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-length': '0' });
        res.end();
        return;
      }
      status = 206;
    }
  }
  const headers: Record<string, string> = {
    'content-type': 'application/octet-stream',
    'content-length': String(size === 0 ? 0 : end - start + 1),
    'accept-ranges': 'bytes',
  };
  if (status === 206) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(local, { start, end }), res);
}

async function listing(res: ServerResponse, local: string, url: URL, headOnly: boolean): Promise<void> {
  const entries = await fsp.readdir(local, { withFileTypes: true });
  const base = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  const rows = entries.map((e) => {
    const name = e.isDirectory() ? `${e.name}/` : e.name;
    return `<tr><td><a href="${base}${encodeURIComponent(e.name)}${url.search}">${name}</a></td></tr>`;
  });
  const html = `<html><body><table>${rows.join('')}</table></body></html>`;
  res.writeHead(200, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(html)) });
  res.end(headOnly ? undefined : html);
}
