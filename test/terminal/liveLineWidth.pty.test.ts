/**
 * The live progress line never wraps, so it never erases what is above it: `elm finalize --wait`
 * importing a disk that takes seconds, run in a real terminal (tmux, which keeps the screen as a
 * terminal emulator does) 40, 80 and 120 columns wide, below two lines of earlier output and the
 * command as typed. Every sample of the screen while the line spins, and the screen at the end,
 * still shows them, and no row holds more than the terminal's width.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { sparseDiskSizeFor } from '../support/diskSpeed';
import { BIN } from '../support/cli';
import { baseSetup, diskStatus, expectOk, makeReadyToFinalize, scratch, waitFor, type Scratch } from '../support/e2e';
import { shellQuote } from '../support/pty';

jest.setTimeout(240_000);

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
if (!hasTmux) console.warn('tmux not found: the live line width test is skipped (apt-get install tmux)');
const withTmux = hasTmux ? test.each : test.skip.each;

let s: Scratch;
beforeAll(async () => {
  s = await scratch(await sparseDiskSizeFor(6), 'elm-width-');
  await baseSetup(s);
}, 120_000);
afterAll(() => s?.cleanup());

withTmux([40, 80, 120])('%i columns: the lines above the live line stay on screen', async (cols) => {
  const name = `A layer name long enough to be cut at ${cols} columns`;
  expectOk(await s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json']));
  await makeReadyToFinalize((await diskStatus(s, name)).disk.location);
  const socket = `elm-width-${process.pid}-${cols}`;
  // The tmux server passes its own environment to the shell: without CI, as an operator's terminal
  // (CI set means plain progress lines and no spinner, which this test is not about).
  const env = { ...process.env };
  delete env.CI;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env });
  const command = `elm finalize ${shellQuote(name)} --wait --settle 1s`;
  const script = path.join(s.dir, `run-${cols}.sh`);
  writeFileSync(
    script,
    [`elm() { ${shellQuote(process.execPath)} ${shellQuote(BIN)} "$@"; }`, 'echo ABOVE-ONE', 'echo ABOVE-TWO', `echo '$ ${command.replace(/'/g, '')}'`, command, 'echo "EXIT=$?"', 'sleep 600', ''].join('\n'),
  );
  tmux('new-session', '-d', '-s', 'w', '-x', String(cols), '-y', '40', '-e', `ELM_HOME=${s.home}`, `sh ${shellQuote(script)}`);
  const screen = () => tmux('capture-pane', '-p', '-t', 'w');
  try {
    const samples: string[] = [];
    await waitFor(
      'the finalize to end',
      async () => {
        const now = screen();
        if (now.startsWith('ABOVE-ONE')) samples.push(now); // once the lines above are written
        return /EXIT=\d+/.test(now);
      },
      200_000,
      100,
    );
    const final = screen();
    expect(final).toMatch(/EXIT=0/);
    expect(final).toMatch(/is Deployable/);
    expect(samples.length).toBeGreaterThan(0);
    expect(samples.some((x) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Finalizing/.test(x))).toBe(true);
    for (const x of [...samples, final]) {
      const rows = x.split('\n');
      expect(rows.slice(0, 3)).toEqual(['ABOVE-ONE', 'ABOVE-TWO', expect.stringMatching(/^\$ elm finalize/)]);
    }
  } finally {
    spawnSync('tmux', ['-L', socket, 'kill-server']);
  }
});
