/**
 * Issue 24 point 12: on TERM=dumb (a terminal that cannot move the cursor) the wizard asks on
 * plain lines, lists numbered and answered by number, and the progress is plain lines: not one
 * escape sequence is written. Every answer is typed before its question appears (typed ahead),
 * and each reaches its question.
 */
import path from 'node:path';
import { elm, makeOsDisk, tempHome } from '../support/cli';
import { PtySession } from '../support/pty';

jest.setTimeout(90_000);

test('TERM=dumb: numbered questions, no escape sequence at all, answers typed ahead are kept', async () => {
  const t = await tempHome('elm-dumb-');
  try {
    const os = path.join(t.dir, 'win11.raw');
    await makeOsDisk(os, 64 * 1024 * 1024);
    expect(await elm(['connector', 'add', 'fileshare', '--name', 'share'], { home: t.home })).toMatchObject({ code: 0 });
    expect(await elm(['os-layer', 'import', '--name', 'win11', '--version', '1', '--disk', os, '--ipv6', 'disabled'], { home: t.home })).toMatchObject({ code: 0 });

    const s = new PtySession(['layer', 'create'], { ELM_HOME: t.home, TERM: 'dumb' });
    try {
      // Name, version, descriptions, size; OS layer 1; the share; purpose 2 (publishing); then every default.
      const answers = ['Dumb Layer', '', '', '', '', '1', '', '2', ...Array<string>(14).fill('')];
      s.write(answers.map((a) => `${a}\r`).join(''));
      expect((await s.exit).exitCode).toBe(0);
    } finally {
      s.kill();
    }
    expect(s.output).not.toContain('\u001b');
    expect(s.output).toMatch(/^ {2}1\) win11 - 1 version, newest 1\r?$/m);
    expect(s.output).toMatch(/Number \(1-\d\) \[1\]: /);
    expect(s.output).toMatch(/Created layer "Dumb Layer" 1\.0/);
    expect(JSON.parse((await elm(['layer', 'list', '--json'], { home: t.home })).stdout)).toEqual([expect.objectContaining({ name: 'Dumb Layer' })]);
  } finally {
    await t.cleanup();
  }
});
