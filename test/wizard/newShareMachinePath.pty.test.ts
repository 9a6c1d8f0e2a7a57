/**
 * Issue 24 point 12: the wizard's "New file share connector" asks the machine's path of the share
 * (the path the packaging machine sees, a UNC path), as `connector add fileshare --machine-path`
 * takes it, and records it. Answered on TERM=dumb (numbered lists, answers typed ahead).
 */
import path from 'node:path';
import { elm, makeOsDisk, tempHome } from '../support/cli';
import { readState } from '../support/e2e';
import { PtySession } from '../support/pty';

jest.setTimeout(90_000);

test('a new file share connector in the wizard records the machine path of the share', async () => {
  const t = await tempHome('elm-newshare-');
  try {
    const os = path.join(t.dir, 'win11.raw');
    await makeOsDisk(os, 64 * 1024 * 1024);
    expect(await elm(['connector', 'add', 'fileshare', '--name', 'share'], { home: t.home })).toMatchObject({ code: 0 });
    expect(await elm(['os-layer', 'import', '--name', 'win11', '--version', '1', '--disk', os, '--ipv6', 'disabled'], { home: t.home })).toMatchObject({ code: 0 });

    const s = new PtySession(['layer', 'create'], { ELM_HOME: t.home, TERM: 'dumb' });
    try {
      // Layer details; OS layer 1; connector 2 (a new file share): its name, folder, machine path; then defaults.
      const answers = ['Share Layer', '', '', '', '', '1', '2', 'nas', t.dir, '\\\\files\\elm\\', '2', ...Array<string>(14).fill('')];
      s.write(answers.map((a) => `${a}\r`).join(''));
      expect((await s.exit).exitCode).toBe(0);
    } finally {
      s.kill();
    }
    expect(s.output).toContain("? The machine's path of the share");
    const state = await readState(t.home);
    expect(state.connectors.find((c: { name: string }) => c.name === 'nas')).toMatchObject({ type: 'fileshare', settings: { path: t.dir, machinePath: '\\\\files\\elm' } });
  } finally {
    await t.cleanup();
  }
});
