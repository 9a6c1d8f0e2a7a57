/**
 * Issue 12, "Terminals and output": the real binary in a real pseudo-terminal, as an operator
 * runs it: a command told everything asks nothing, colour follows each stream, a terminal with no
 * width (or TERM=dumb) gets plain progress lines.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { elm, makeOsDisk, tempHome } from '../support/cli';
import { KEY, plain, PtySession } from '../support/pty';

jest.setTimeout(90_000);

const ESC = '\u001b[';

async function home(osBytes = 64 * 1024 * 1024) {
  const t = await tempHome('elm-term-');
  const os = path.join(t.dir, 'win11.raw');
  await makeOsDisk(os, osBytes);
  for (const args of [
    ['connector', 'add', 'fileshare', '--name', 'share'],
    ['os-layer', 'import', '--name', 'win11', '--version', '1', '--disk', os, '--ipv6', 'disabled'],
  ]) {
    const r = await elm(args, { home: t.home });
    expect(r).toMatchObject({ code: 0 });
  }
  return t;
}

/** The README quickstart's layer create, word for word. */
const QUICKSTART = ['layer', 'create', '--name', 'Citrix VDA', '--version', '1.0', '--os-layer', 'win11', '--connector', 'share', '--purpose', 'publishing', '--hypervisor', 'hyperv', '--provisioning', 'mcs', '--broker', 'xendesktop', '--comment', 'first platform layer', '--wait'];

describe('a command given every required value (point 1)', () => {
  test('the quickstart on a terminal asks only "Create Layer?", after the summary', async () => {
    const t = await home();
    const s = new PtySession(QUICKSTART, { ELM_HOME: t.home });
    try {
      const screen = await s.waitFor(/Create Layer\?/);
      expect(screen).toMatch(/Layer Name\s+Citrix VDA/);
      // None of the optional questions the wizard would ask.
      for (const q of ['Layer Description', 'Version Description (optional)', 'Max Layer Size (GiB)', 'Disk format', 'Packaging Disk file name', 'Comment (']) expect(screen).not.toContain(`? ${q}`);
      await s.answer('');
      await s.waitFor(/packaging disk is ready/, 60_000);
      expect((await s.exit).exitCode).toBe(0);
      expect(s.output).not.toMatch(/\? (Layer Description|Max Layer Size|Icon|Comment)/);
    } finally {
      s.kill();
    }
    await t.cleanup();
  });

  test('with --yes nothing at all is asked; only required values missing open the wizard', async () => {
    const t = await home();
    const s = new PtySession([...QUICKSTART, '--yes'], { ELM_HOME: t.home });
    try {
      expect((await s.exit).exitCode).toBe(0);
      expect(s.output).not.toMatch(/\?\s/);
      expect(s.output).toMatch(/Created layer "Citrix VDA"/);
    } finally {
      s.kill();
    }
    const w = new PtySession(['layer', 'create', '--name', 'Other', '--os-layer', 'win11', '--connector', 'share', '--hypervisor', 'xenserver'], { ELM_HOME: t.home });
    try {
      await w.waitFor(/Version/); // the one required value not given
      w.write(KEY.ctrlC);
      expect((await w.exit).exitCode).toBe(130);
    } finally {
      w.kill();
    }
    await t.cleanup();
  });
});

describe('colour per stream (point 2)', () => {
  test('stdout redirected to a file has no escape codes while stderr on the terminal is coloured', async () => {
    const t = await home();
    const out = path.join(t.dir, 'list.txt');
    const s = new PtySession([], { ELM_HOME: t.home }, { shell: `$ELM os-layer list > '${out}'; $ELM layer show nope` });
    try {
      await s.exit;
      const file = await fs.readFile(out, 'utf8');
      expect(file).toMatch(/win11/);
      expect(file).not.toContain('\u001b');
      expect(s.output).toContain(`${ESC}31merror:`); // stderr is the terminal: red
    } finally {
      s.kill();
    }
    await t.cleanup();
  });

  test('stderr redirected keeps colour on stdout (a terminal) and none in the file', async () => {
    const t = await home();
    const err = path.join(t.dir, 'err.txt');
    const s = new PtySession([], { ELM_HOME: t.home }, { shell: `$ELM os-layer list; $ELM layer show nope 2> '${err}'` });
    try {
      await s.exit;
      expect(s.output).toContain(`${ESC}2m`); // the table header is dimmed on the terminal
      const file = await fs.readFile(err, 'utf8');
      expect(file).toMatch(/^error: /);
      expect(file).not.toContain('\u001b');
    } finally {
      s.kill();
    }
    for (const env of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
      const p = new PtySession(['os-layer', 'list'], { ELM_HOME: t.home, ...env });
      await p.exit;
      expect(p.output).toMatch(/win11/);
      expect(p.output).not.toContain(`${ESC}2m`);
      p.kill();
    }
    await t.cleanup();
  });
});

describe('terminals that cannot redraw a line (point 3)', () => {
  for (const [what, env, opts] of [
    ['a terminal of width 0 (script -qc)', {}, { cols: 0 }],
    ['TERM=dumb', { TERM: 'dumb' }, {}],
  ] as const) {
    test(`${what}: plain progress lines, no spinner, and the command ends`, async () => {
      const t = await home();
      const s = new PtySession([...QUICKSTART, '--yes'], { ELM_HOME: t.home, ...env }, opts);
      try {
        expect((await s.exit).exitCode).toBe(0);
        expect(s.output).toMatch(/Creating packaging disk Citrix-VDA: (Running|ActionRequired) \d+%/);
        expect(s.output).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
        expect(s.output).not.toContain(`${ESC}2K`); // no line redrawn
        expect(s.output.length).toBeLessThan(20_000);
      } finally {
        s.kill();
      }
      await t.cleanup();
    });
  }

  test('CI set on a terminal (a CI log keeps every frame): plain progress lines, no spinner', async () => {
    const t = await home();
    // PtySession clears CI from the environment; the shell sets it for elm alone.
    const s = new PtySession([], { ELM_HOME: t.home }, { shell: `CI=true exec $ELM ${QUICKSTART.map((a) => `'${a}'`).join(' ')} --yes` });
    try {
      expect((await s.exit).exitCode).toBe(0);
      expect(s.output).toMatch(/Creating packaging disk Citrix-VDA: (Running|ActionRequired) \d+%/);
      expect(s.output).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/);
      expect(s.output).not.toContain('\u001b[?25l');
    } finally {
      s.kill();
    }
    await t.cleanup();
  });

  test('on a normal terminal the spinner draws on one line and clears it when the command ends', async () => {
    const t = await home();
    const s = new PtySession([...QUICKSTART, '--yes'], { ELM_HOME: t.home });
    try {
      expect((await s.exit).exitCode).toBe(0);
      expect(plain(s.output)).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Creating packaging disk Citrix-VDA/);
      // The live line (ora) is cleared and the cursor it hid shown again before the result.
      // eslint-disable-next-line no-control-regex -- the escape sequences are what is checked
      expect(s.output).toMatch(/\u001b\[1G\u001b\[0K\u001b\[\?25h[^\n]*Created layer "Citrix VDA"/);
      expect(s.output.lastIndexOf('\u001b[?25h')).toBeGreaterThan(s.output.lastIndexOf('\u001b[?25l'));
    } finally {
      s.kill();
    }
    await t.cleanup();
  });
});

// Point 4 (bytes, rate and time left on long work) and SIGTERM during it: longWork.pty.test.ts.
