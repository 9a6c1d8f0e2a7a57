'use strict';
/**
 * The baseline of the appliance's layer list: what a plain SOAP client does to get the same answer
 * as `elm layer list --appliance X --json`, with nothing of elm loaded. Login, QueryPlatformLayers,
 * then QueryPlatformLayerDetails of every layer, 8 in flight as elm's snapshot sends them, over
 * Node's own https (its default agent) with envelopes written as text; each answer parsed with
 * fast-xml-parser, the layers printed as JSON. Trusts the fake through NODE_EXTRA_CA_CERTS.
 * `node soapLayerList.js HOST` with the password in ELM_BENCH_APPLIANCE_PASSWORD.
 */
const https = require('node:https');
const { XMLParser } = require('fast-xml-parser');

const [host] = process.argv.slice(2);
const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: true });
const session = { token: '', cookie: '' };

const envelope = (operation, wrapper, inner) =>
  `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Body><${operation} xmlns="http://www.unidesk.com/"><${wrapper}>${inner}</${wrapper}></${operation}></s:Body></s:Envelope>`;

function call(operation, wrapper, inner) {
  const headers = { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: `"http://www.unidesk.com/${operation}"` };
  if (session.token) headers.UNIDESK_TOKEN = session.token;
  if (session.cookie) headers.Cookie = session.cookie;
  return new Promise((resolve, reject) => {
    const req = https.request(`https://${host}/Unidesk.Web/API.asmx`, { method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.headers['set-cookie']) session.cookie = res.headers['set-cookie'][0].split(';')[0];
        const result = parser.parse(Buffer.concat(chunks).toString('utf8')).Envelope?.Body?.[`${operation}Response`]?.[`${operation}Result`];
        if (res.statusCode !== 200 || !result || result.Error) reject(new Error(`${operation}: HTTP ${res.statusCode}`));
        else resolve(result);
      });
    });
    req.on('error', reject);
    req.end(envelope(operation, wrapper, inner));
  });
}

const list = (x) => (x === undefined ? [] : [].concat(x));

async function main() {
  const login = await call('Login', 'command', `<UserName>administrator</UserName><Password>${process.env.ELM_BENCH_APPLIANCE_PASSWORD}</Password><Culture>en-US</Culture><RememberMe>false</RememberMe>`);
  session.token = login.Token;
  const summaries = list((await call('QueryPlatformLayers', 'query', '<ResourceFarmId>0</ResourceFarmId><Filter></Filter>')).PlatformLayers?.LayerEntitySummary);
  const layers = new Array(summaries.length);
  let next = 0;
  const worker = async () => {
    while (next < summaries.length) {
      const i = next++;
      const d = await call('QueryPlatformLayerDetails', 'query', `<Id>${summaries[i].Id}</Id>`);
      const versions = list(d.Revisions?.PlatformLayerRevisionDetail).map((r) => ({ name: r.DisplayedVersion, state: r.State }));
      layers[i] = { id: summaries[i].Id, name: d.Name || summaries[i].Name, description: d.Description, icon: d.IconId, versions };
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, summaries.length) }, worker));
  process.stdout.write(`${JSON.stringify(layers, null, 2)}\n`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
