/**
 * Which server `--server` is, and its version, read before any login: the vSphere Web Services
 * (SOAP) `RetrieveServiceContent` on /sdk needs no session and answers the same on vCenter and on
 * ESXi (`about.apiType` VirtualCenter or HostAgent, `about.version`). elm needs vCenter 7.0
 * Update 2 or later: the REST API it uses lives under /api from 7.0 U2 on (guest file transfers
 * and processes included); ESXi serves none of it.
 */
import { connectionError, send, VsphereError, type Transport } from './http';

export interface ServerAbout {
  /** VirtualCenter or HostAgent (ESXi). */
  apiType: string;
  /** `7.0.3` */
  version: string;
  /** `VMware vCenter Server 7.0.3 build-20150588` */
  fullName: string;
  /** The vSphere API version it speaks (`8.0.2.0`): which guest OS ids it knows (guestOsForServer.ts). */
  apiVersion: string;
}

/** The oldest vCenter elm works with: 7.0 Update 2 reports version 7.0.2. */
export const MIN_VCENTER = [7, 0, 2] as const;

const REQUEST = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:vim25="urn:vim25">',
  '<soapenv:Body><vim25:RetrieveServiceContent><vim25:_this type="ServiceInstance">ServiceInstance</vim25:_this></vim25:RetrieveServiceContent></soapenv:Body>',
  '</soapenv:Envelope>',
].join('');

function field(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.trim();
}

export async function readServerAbout(t: Transport, signal?: AbortSignal): Promise<ServerAbout> {
  const what = `vCenter ${t.baseUrl.host}: POST /sdk (RetrieveServiceContent)`;
  const reply = await send(t, {
    method: 'POST',
    url: new URL('/sdk', t.baseUrl),
    body: Buffer.from(REQUEST),
    signal,
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'urn:vim25/7.0', accept: 'text/xml' },
  }).catch((e) => {
    throw connectionError(e, what, t.baseUrl.host);
  });
  const xml = reply.body.toString('utf8');
  const about = /<about\b[^>]*>([\s\S]*?)<\/about>/.exec(xml)?.[1];
  const apiType = about && field(about, 'apiType');
  const version = about && field(about, 'version');
  if (reply.status !== 200 || !apiType || !version)
    throw new VsphereError(`${what}: HTTP ${reply.status} without the server's version (is --server a vCenter Server?)`, reply.status);
  return { apiType, version, fullName: field(about, 'fullName') ?? `${apiType} ${version}`, apiVersion: field(about, 'apiVersion') ?? version };
}

/** Whether `version` (`7.0.3`) is at least MIN_VCENTER. */
export function isSupportedVersion(version: string): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < MIN_VCENTER.length; i++) {
    const have = parts[i] ?? 0;
    if (have !== MIN_VCENTER[i]) return have > MIN_VCENTER[i];
  }
  return true;
}

/** The `connector test` verdict on a server: passed, or why elm cannot work with it. */
export function judgeServer(about: ServerAbout): { ok: boolean; detail: string } {
  if (about.apiType !== 'VirtualCenter')
    return {
      ok: false,
      detail: `${about.fullName} is an ESXi host, not vCenter Server: elm needs vCenter Server 7.0 Update 2 or later (its REST API and guest operations); point --server at the vCenter that manages this host`,
    };
  if (!isSupportedVersion(about.version))
    return { ok: false, detail: `${about.fullName} is older than vCenter 7.0 Update 2, which elm needs (the REST API under /api and its guest operations); upgrade vCenter` };
  return { ok: true, detail: `${about.fullName} (7.0 Update 2 or later, as elm needs)` };
}
