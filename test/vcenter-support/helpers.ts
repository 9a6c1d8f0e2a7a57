/** Plain HTTPS client helpers for the vCenter fake's own tests (trusting the fake's CA). */
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { VCenterFake, VCenterFakeOptions, startVCenterFake, vmfsDescriptor } from '../support/vcenter';

export const ADMIN = 'administrator@vsphere.local';
export const ADMIN_PW = 'Vc-Secret1!';
export const GUEST = 'Administrator';
export const GUEST_PW = 'Guest-Pw1!';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json<T = unknown>(): T;
}

export interface RequestOptions {
  method?: string;
  session?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a Readable is streamed (chunked unless a content-length header is given). */
  body?: unknown;
}

export function request(fake: VCenterFake, pathOrUrl: string, opts: RequestOptions = {}): Promise<Reply> {
  const url = new URL(pathOrUrl, fake.url);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.session) headers['vmware-api-session-id'] = opts.session;
  let payload: Buffer | undefined;
  let stream: Readable | undefined;
  if (opts.body !== undefined) {
    if (Buffer.isBuffer(opts.body)) payload = opts.body;
    else if (typeof opts.body === 'string') payload = Buffer.from(opts.body);
    else if (typeof (opts.body as Readable).pipe === 'function') stream = opts.body as Readable;
    else {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['content-type'] = 'application/json';
    }
  }
  if (payload) headers['content-length'] = String(payload.length);
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: opts.method ?? 'GET', headers, ca: fake.caPem, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete) return reject(new Error('response ended before it was complete'));
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T });
      });
    });
    req.on('error', reject);
    if (stream) stream.pipe(req);
    else req.end(payload);
  });
}

export function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

export async function login(fake: VCenterFake, user = ADMIN, password = ADMIN_PW): Promise<string> {
  const r = await request(fake, '/api/session', { method: 'POST', headers: basic(user, password) });
  if (r.status !== 201) throw new Error(`login failed: ${r.status} ${r.body.toString()}`);
  return r.json<string>();
}

export const guestCredentials = (user = GUEST, password = GUEST_PW) => ({
  interactive_session: false, type: 'USERNAME_PASSWORD', user_name: user, password,
});

/** A fake with one datacenter (DC1: ds1, esx1.lab, "VM Network", folder Packaging, template win2019-tpl). */
export async function standardFake(extra: VCenterFakeOptions = {}): Promise<VCenterFake> {
  return startVCenterFake({
    users: { [ADMIN]: ADMIN_PW },
    guestUsers: { [GUEST]: GUEST_PW },
    inventory: {
      datacenters: ['DC1'],
      datastores: ['ds1'],
      hosts: ['esx1.lab'],
      networks: ['VM Network'],
      folders: ['Packaging'],
      templates: ['win2019-tpl'],
    },
    ...extra,
  });
}

/** Looks an inventory object up by name and returns its id (the shape a connector uses). */
export async function idOf(fake: VCenterFake, session: string, kind: string, query: string): Promise<string> {
  const r = await request(fake, `/api/vcenter/${kind}?${query}`, { session });
  const list = r.json<Record<string, string>[]>();
  if (list.length !== 1) throw new Error(`${kind}?${query}: ${list.length} results`);
  return list[0][kind];
}

/** Puts an ESXi-style disk (createType "vmfs" descriptor + flat extent) on the datastore. */
export function putVmfsDisk(fake: VCenterFake, relPath: string, sizeBytes = 1024 * 1024): void {
  const stem = relPath.replace(/^.*\//, '').replace(/\.vmdk$/, '');
  const dir = relPath.includes('/') ? relPath.replace(/\/[^/]*$/, '/') : '';
  fake.putDatastoreFile('DC1', 'ds1', relPath, vmfsDescriptor(sizeBytes, `${stem}-flat.vmdk`));
  fake.putDatastoreFile('DC1', 'ds1', `${dir}${stem}-flat.vmdk`, Buffer.alloc(sizeBytes));
}

/** A minimal hosted sparse VMDK header (KDMV magic + embedded descriptor), as qemu-img writes. */
export function sparseVmdk(capacityBytes: number, createType = 'monolithicSparse'): Buffer {
  const buf = Buffer.alloc(3 * 512);
  buf.write('KDMV', 0, 'latin1');
  buf.writeUInt32LE(1, 4);
  buf.writeUInt32LE(createType === 'streamOptimized' ? 0x30003 : 3, 8);
  buf.writeBigUInt64LE(BigInt(capacityBytes / 512), 12);
  buf.writeBigUInt64LE(128n, 20);
  buf.writeBigUInt64LE(1n, 28);
  buf.writeBigUInt64LE(2n, 36);
  buf.write(`# Disk DescriptorFile\nversion=1\ncreateType="${createType}"\nRW ${capacityBytes / 512} SPARSE "x.vmdk"\n`, 512, 'latin1');
  return buf;
}
