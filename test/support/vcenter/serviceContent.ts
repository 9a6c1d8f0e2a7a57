/**
 * The one SOAP call the fake answers: `RetrieveServiceContent` on POST /sdk, which needs no
 * session and tells vCenter from ESXi and the version (vSphere Web Services API reference,
 * ServiceInstance.RetrieveServiceContent → ServiceContent.about: AboutInfo, whose `apiType` is
 * "VirtualCenter" on vCenter and "HostAgent" on ESXi, and `version` is e.g. "7.0.2" for 7.0 U2).
 *
 * A server that is not vCenter 7.0 U2+ serves no /api: the "/api" endpoint of the vSphere
 * Automation API is new in vSphere 7.0 Update 2 (earlier vCenters have only /rest; ESXi has
 * neither), so the fake answers /api there with a plain HTML 404, as a web server does.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRaw } from './http';

export interface AboutSpec {
  /** VirtualCenter (default) or HostAgent (a plain ESXi host). */
  apiType?: 'VirtualCenter' | 'HostAgent';
  /** Default 8.0.2. */
  version?: string;
  /** AboutInfo.apiVersion; default the version with `.0` (`8.0.2.0`): which guest OS ids it knows (guestOsIds.ts). */
  apiVersion?: string;
  build?: string;
}

export function aboutOf(spec: AboutSpec = {}) {
  const apiType = spec.apiType ?? 'VirtualCenter';
  const version = spec.version ?? '8.0.2';
  const build = spec.build ?? '22385739';
  const name = apiType === 'VirtualCenter' ? 'VMware vCenter Server' : 'VMware ESXi';
  return { apiType, version, build, name, fullName: `${name} ${version} build-${build}`, apiVersion: spec.apiVersion ?? `${version}.0` };
}

/** Whether the fake plays a server that has the /api REST endpoint (vCenter 7.0.2 or later). */
export function servesApi(spec: AboutSpec = {}): boolean {
  const a = aboutOf(spec);
  if (a.apiType !== 'VirtualCenter') return false;
  const [maj, min, upd] = a.version.split('.').map((x) => Number(x) || 0);
  return maj > 7 || (maj === 7 && (min > 0 || (upd ?? 0) >= 2));
}

export async function handleSoap(req: IncomingMessage, res: ServerResponse, spec: AboutSpec = {}): Promise<void> {
  const body = (await readRaw(req)).toString('utf8');
  if (req.method !== 'POST' || !/RetrieveServiceContent/.test(body)) {
    const fault = '<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>vcenter fake: only RetrieveServiceContent is served on /sdk</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
    res.writeHead(500, { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(Buffer.byteLength(fault)) });
    res.end(fault);
    return;
  }
  const a = aboutOf(spec);
  const xml = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    '<soapenv:Body><RetrieveServiceContentResponse xmlns="urn:vim25"><returnval>',
    '<rootFolder type="Folder">group-d1</rootFolder>',
    `<about><name>${a.name}</name><fullName>${a.fullName}</fullName><vendor>VMware, Inc.</vendor><version>${a.version}</version><build>${a.build}</build>`,
    `<osType>linux-x64</osType><productLineId>${a.apiType === 'VirtualCenter' ? 'vpx' : 'embeddedEsx'}</productLineId><apiType>${a.apiType}</apiType><apiVersion>${a.apiVersion}</apiVersion></about>`,
    '</returnval></RetrieveServiceContentResponse></soapenv:Body></soapenv:Envelope>',
  ].join('');
  res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(Buffer.byteLength(xml)) });
  res.end(xml);
}

export function htmlNotFound(res: ServerResponse): void {
  const html = '<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>';
  res.writeHead(404, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(html)) });
  res.end(html);
}
