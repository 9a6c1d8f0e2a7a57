/**
 * The SOAP client and its XML library load only in commands that talk to an appliance: `elm
 * --help` and the local read commands never pay for them.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BIN, elm, ROOT, tempHome } from '../support/cli';

jest.setTimeout(120_000);

/** The modules a run of the binary loaded that belong to the appliance client or fast-xml-parser. */
async function applianceModulesLoaded(dir: string, home: string, args: string[]): Promise<string[]> {
  const hook = path.join(dir, 'loaded.js');
  const out = path.join(dir, `loaded-${Date.now()}.json`);
  await fs.writeFile(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))));\n`);
  const env: NodeJS.ProcessEnv = { ...process.env, ELM_HOME: home, NODE_OPTIONS: `--require ${hook}` };
  delete env.CI;
  spawnSync(process.execPath, [BIN, ...args], { env, cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const loaded: string[] = JSON.parse(await fs.readFile(out, 'utf8'));
  return loaded.filter((m) => m.includes(`${path.sep}fast-xml-parser${path.sep}`) || m.includes(`${path.sep}dist${path.sep}appliance${path.sep}`));
}

describe('lazy loading of the appliance client', () => {
  let t: { dir: string; home: string; cleanup(): Promise<void> };
  beforeAll(async () => {
    t = await tempHome('elm-appliance-lazy-');
    await elm(['appliance', 'add', '--name', 'corp', '--server', '127.0.0.1:9', '--user', 'u'], { home: t.home });
  });
  afterAll(() => t?.cleanup());

  it.each([[['--help']], [['layer', 'list']], [['connector', 'list', '--json']], [['appliance', 'list']]])('elm %j loads none of it', async (args) => {
    expect(await applianceModulesLoaded(t.dir, t.home, args)).toEqual([]);
  });

  it('a command that talks to the appliance does load it', async () => {
    const loaded = await applianceModulesLoaded(t.dir, t.home, ['layer', 'list', '--appliance', 'corp']);
    expect(loaded.some((m) => m.includes('fast-xml-parser'))).toBe(true);
  });
});
