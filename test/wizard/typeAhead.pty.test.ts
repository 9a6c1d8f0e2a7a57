/**
 * Issue 24 point 12: keys typed before a question appears reach it. Two answers typed at once on a
 * real terminal: the first goes to Layer Name, the second to Version (it was dropped with the
 * first prompt before).
 */
import path from 'node:path';
import { elm, makeOsDisk, tempHome } from '../support/cli';
import { PtySession } from '../support/pty';

jest.setTimeout(60_000);

test('answers typed ahead go to the questions that follow', async () => {
  const t = await tempHome('elm-typeahead-');
  try {
    const os = path.join(t.dir, 'win11.raw');
    await makeOsDisk(os, 64 * 1024 * 1024);
    expect(await elm(['connector', 'add', 'fileshare', '--name', 'share'], { home: t.home })).toMatchObject({ code: 0 });
    expect(await elm(['os-layer', 'import', '--name', 'win11', '--version', '1', '--disk', os, '--ipv6', 'disabled'], { home: t.home })).toMatchObject({ code: 0 });
    const s = new PtySession(['layer', 'create'], { ELM_HOME: t.home });
    try {
      s.write('Typed Layer\r2.0\r');
      await s.waitFor(/✔ Layer Name Typed Layer/);
      await s.waitFor(/✔ Version 2\.0/);
      await s.waitFor(/Layer Description/);
    } finally {
      s.kill();
    }
  } finally {
    await t.cleanup();
  }
});
