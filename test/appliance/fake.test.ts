/**
 * The appliance fake's own rules, with hand-written envelopes: it must refuse what the appliance
 * refuses, or the client tests prove nothing.
 */
import https from 'node:https';
import { testCerts } from '../support/azure/certs';
import { ApplianceFake, API_PATH, startApplianceFake } from '../support/appliance/server';

interface Answer {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A CreatePlatformLayer command as the generated client orders it, with `extra` elements at its end and `info` inside LayerInfo. */
const create = (extra: string, info = '') =>
  `<command><OsLayerRevisionId>111</OsLayerRevisionId><LayerInfo><Name>L</Name>${info}</LayerInfo><RevisionInfo><Name>1</Name><LayerSizeMiB>10240</LayerSizeMiB></RevisionInfo>` +
  `<SelectedFileShare>1</SelectedFileShare><PackagingDiskFilename>L</PackagingDiskFilename><PackagingDiskFormat>VhdDiskFormat</PackagingDiskFormat><PlatformConnectorConfigId>c1</PlatformConnectorConfigId>${extra}</command>`;

const ENV = (op: string, inner: string, ns = 'http://www.unidesk.com/') =>
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><${op} xmlns="${ns}">${inner}</${op}></s:Body></s:Envelope>`;

describe('appliance fake', () => {
  let fake: ApplianceFake;
  beforeAll(async () => {
    fake = await startApplianceFake({ platformLayers: [{ id: '1', name: 'VDA' }] });
  });
  afterAll(() => fake.stop());

  const post = (body: string, headers: Record<string, string>, to: ApplianceFake = fake): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = https.request(`https://${to.host}${API_PATH}`, { method: 'POST', ca: testCerts().caPem, headers: { 'Content-Type': 'text/xml; charset=utf-8', ...headers } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const login = async (to: ApplianceFake = fake) => {
    const r = await post(ENV('Login', '<command><UserName>administrator</UserName><Password>Unidesk1</Password></command>'), { SOAPAction: 'http://www.unidesk.com/Login' }, to);
    return { token: /<Token>([^<]+)<\/Token>/.exec(r.body)?.[1] ?? '', r };
  };
  const query = '<query><ResourceFarmId>0</ResourceFarmId><Filter/></query>';

  it('answers a correct Login with a token and a session cookie', async () => {
    const { token, r } = await login();
    expect(r.status).toBe(200);
    expect(token).not.toBe('');
    expect(String(r.headers['set-cookie'])).toMatch(/^UMSESSIONID=/);
  });

  it('refuses every call but Login without the session token', async () => {
    const r = await post(ENV('QueryPlatformLayers', query), { SOAPAction: 'http://www.unidesk.com/QueryPlatformLayers' });
    expect(r.status).toBe(200);
    expect(r.body).toContain('<MessageId>NotAuthenticated</MessageId>');
    expect(r.body).not.toContain('VDA');
  });

  it('serves the call with the token, and refuses an expired one', async () => {
    const { token } = await login();
    const ok = await post(ENV('QueryPlatformLayers', query), { SOAPAction: 'http://www.unidesk.com/QueryPlatformLayers', UNIDESK_TOKEN: token });
    expect(ok.body).toContain('<Name>VDA</Name>');
    fake.expireSessions();
    const gone = await post(ENV('QueryPlatformLayers', query), { SOAPAction: 'http://www.unidesk.com/QueryPlatformLayers', UNIDESK_TOKEN: token });
    expect(gone.body).toContain('<MessageId>InvalidSession</MessageId>');
  });

  it.each([
    ['a misspelt element', ENV('QueryPlatformLayers', '<query><ResourceFarmID>0</ResourceFarmID></query>'), 'was not expected'],
    ['a wrong type', ENV('QueryPlatformLayers', '<query><ResourceFarmId>x</ResourceFarmId></query>'), 'is not a valid'],
    ['the wrong namespace', ENV('QueryPlatformLayers', query, 'http://www.unidesk.com'), 'was not expected'],
    ['a field outside the namespace', ENV('QueryPlatformLayers', '<query><Filter xmlns="">x</Filter></query>'), 'was not expected'],
    ['a missing required field', ENV('Login', '<command><UserName>administrator</UserName></command>'), 'required field Password'],
    ['a missing wrapper', ENV('QueryPlatformLayers', ''), 'has no &lt;query&gt;'],
    ['a body that is not XML', '<s:Envelope', 'unable to read request'],
    // CreatePlatformLayerCommand (elm_client.go): nested types are read as strictly as the top level.
    ['ctxal-sdk\'s OsLayerSwitching (an application layer\'s field)', ENV('CreatePlatformLayer', create('<OsLayerSwitching>BoundToOsLayer</OsLayerSwitching>')), '&lt;OsLayerSwitching xmlns=&apos;http://www.unidesk.com/&apos;&gt; was not expected'],
    ['a misspelt element inside LayerInfo', ENV('CreatePlatformLayer', create('', '<Nmae>x</Nmae>')), '&lt;Nmae xmlns'],
    ['a disk format outside the DiskFormat enumeration', ENV('CreatePlatformLayer', create('').replace('VhdDiskFormat', 'vhd')), "&apos;vhd&apos; is not a valid value for PackagingDiskFormat"],
    ['a size that is not an int', ENV('CreatePlatformLayer', create('').replace('10240', 'ten')), "&apos;ten&apos; is not a valid"],
    ['a missing nested required field', ENV('CreatePlatformLayer', create('').replace('<Name>1</Name>', '')), 'required field RevisionInfo.Name'],
  ])('%s is a SOAP fault (HTTP 500)', async (_what, body, said) => {
    const op = /<(Login|QueryPlatformLayers|CreatePlatformLayer) /.exec(body)?.[1] ?? 'QueryPlatformLayers';
    const r = await post(body, { SOAPAction: `http://www.unidesk.com/${op}` });
    expect(r.status).toBe(500);
    expect(r.body).toContain('<faultcode>soap:Client</faultcode>');
    expect(r.body).toContain(said);
  });

  it('a platform type it does not list, or a disk format the connector does not accept, is its refusal; what it lists is accepted', async () => {
    const strict = await startApplianceFake({
      osLayers: [{ id: '11', name: 'Win', revisions: [{ id: '111', version: '1', state: 'Deployable' }] }],
      connectors: [{ id: 'c1', name: 'vCenter', type: 'vSphere' }],
      fileShares: [{ id: '1', name: 'share', path: '\\\\fs\\elm' }],
      platformTypes: [{ id: 'vsphere', name: 'VMware vSphere', entityType: 'HypervisorPlatformType' }],
    });
    try {
      const { token } = await login(strict);
      const call = (op: string, inner: string) => post(ENV(op, inner), { SOAPAction: `http://www.unidesk.com/${op}`, UNIDESK_TOKEN: token }, strict);
      const listed = await call('QueryPlatformTypes', '<query/>');
      expect(listed.body).toContain('<PlatformTypeSummary><Id>vsphere</Id><Name>VMware vSphere</Name>');
      expect(listed.body).toContain('<EntityType>HypervisorPlatformType</EntityType>');
      const configs = await call('QueryPlatformConnectorConfig', '<query><Features>Create</Features></query>');
      expect(configs.body).toContain('<ValidDiskFormats><DiskFormat>VmdkDiskFormat</DiskFormat></ValidDiskFormats>');
      const vmdk = create('<HypervisorPlatformTypeId>vsphere</HypervisorPlatformTypeId>').replace('VhdDiskFormat', 'VmdkDiskFormat');
      const unlisted = await call('CreatePlatformLayer', vmdk.replace('>vsphere<', '>vmware<'));
      expect(unlisted.status).toBe(200);
      expect(unlisted.body).toContain('<MessageId>ItemNotFound</MessageId>');
      const vhd = await call('CreatePlatformLayer', vmdk.replace('VmdkDiskFormat', 'VhdDiskFormat'));
      expect(vhd.body).toContain('<MessageId>InvalidArgument</MessageId>');
      const ok = await call('CreatePlatformLayer', vmdk);
      expect(ok.body).toContain('<WorkTicketId>');
    } finally {
      await strict.stop();
    }
  });

  it('routes on SOAPAction: one that does not match the body, or an operation elm does not use, is a fault', async () => {
    const mismatch = await post(ENV('QueryPlatformLayers', query), { SOAPAction: 'http://www.unidesk.com/QueryOsLayers' });
    expect(mismatch.status).toBe(500);
    const unknown = await post(ENV('DeleteImage', '<command/>'), { SOAPAction: 'http://www.unidesk.com/DeleteImage' });
    expect(unknown.status).toBe(500);
    expect(unknown.body).toContain('did not recognize the value of HTTP Header SOAPAction');
  });
});
