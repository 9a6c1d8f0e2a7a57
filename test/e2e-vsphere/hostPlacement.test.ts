/**
 * A VM goes on a datastore its host mounts and a network its host has: vCenter refuses the rest
 * (the fake too). The REST API lists neither per host, so connector test only finds each by name;
 * machine deploy then says which host must reach what, and leaves no VM behind.
 */
import type { VCenterFake } from '../support/vcenter';
import { expectCode, MiB, scratch, startFake, vsphereArgs, type Env } from './helpers';

jest.setTimeout(120_000);

describe('placement the host cannot reach', () => {
  let fake: VCenterFake;
  let s: Env;

  beforeAll(async () => {
    fake = await startFake();
    fake.inventory({ datastores: ['ds2'], hosts: [{ name: 'esx2.lab', datastores: ['ds2'], networks: ['Other Net'] }], networks: ['Other Net'] });
    s = await scratch(fake, 8 * MiB);
    expectCode(await s.run(['os-layer', 'import', '--name', 'win', '--version', '1', '--disk', s.osDisk, '--ipv6', 'disabled']), 0);
  });
  afterAll(async () => {
    fake?.tasks.release();
    await fake?.stop();
    await s?.cleanup();
  });

  async function deploy(connector: string, over: Record<string, string | null>, layer: string) {
    expectCode(await s.run(vsphereArgs(fake, connector, over)), 0);
    expectCode(await s.run(['layer', 'create', '--name', layer, '--version', '1', '--os-layer', 'win', '--connector', connector, '--disk-name', layer, '--wait']), 0);
    return s.run(['machine', 'deploy', layer]);
  }

  it('a datastore the host does not mount: refused, naming host and datastore, no VM made', async () => {
    const r = await deploy('nods', { '--host': 'esx2.lab', '--datastore': 'ds1', '--network': 'Other Net', '--template': null }, 'nods');
    expectCode(r, 1);
    expect(r.stderr).toContain("Datastore 'ds1' is not accessible from host 'esx2.lab'. The packaging machine runs on --host esx2.lab, which must mount --datastore ds1 and have --network Other Net");
    expect(fake.vms().filter((v) => v.name.startsWith('nods'))).toEqual([]);
  });

  it('a template clone onto a network the host lacks: refused with the same advice', async () => {
    const r = await deploy('nonet', { '--host': 'esx2.lab', '--datastore': 'ds2' }, 'nonet');
    expectCode(r, 1);
    expect(r.stderr).toContain("Network 'VM Network' is not available on host 'esx2.lab'. The packaging machine runs on --host esx2.lab");
  });
});
