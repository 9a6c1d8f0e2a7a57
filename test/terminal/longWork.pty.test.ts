/**
 * Issue 12, points 3 and 4 on long work, through the real binary: `elm finalize --wait` importing
 * a disk large enough to take seconds shows bytes done, a rate and a time left (piped, on a
 * terminal, on a terminal of width 0); SIGTERM while the live line (or plain lines) run ends elm
 * promptly with 143, the line cleared, and the durable task goes on to Deployable.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { sparseDiskSizeFor } from '../support/diskSpeed';
import { expectConsistent, readings, SIZE } from '../support/progressReadings';
import { baseSetup, diskStatus, expectOk, json, makeReadyToFinalize, pidAlive, scratch, waitFor, type Scratch } from '../support/e2e';
import { KEY, plain, PtySession } from '../support/pty';

jest.setTimeout(180_000);

const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

let s: Scratch;
let diskBytes: number;

beforeAll(async () => {
  diskBytes = await sparseDiskSizeFor(5);
  s = await scratch(diskBytes, 'elm-longwork-');
  await baseSetup(s);
});

afterAll(async () => {
  await s?.cleanup();
});

/** A layer whose packaging disk is made, with a fresh clean report and a quiet disk: ready to finalize. */
async function readyLayer(name: string): Promise<void> {
  expectOk(await s.run(['layer', 'create', '--name', name, '--version', '1', '--os-layer', 'win', '--connector', 'share', '--hypervisor', 'xenserver', '--wait', '--json']));
  await makeReadyToFinalize((await diskStatus(s, name)).disk.location);
}

const FINALIZE = (name: string) => ['finalize', name, '--wait', '--settle', '1s'];

describe('progress of long work shows bytes done, a rate and a time left (point 4)', () => {
  test('piped: plain lines, each 10% step naming bytes of the disk, the rate and the time left', async () => {
    await readyLayer('piped');
    const r = await s.run(FINALIZE('piped'));
    expectOk(r);
    expect(r.stderr).not.toMatch(SPINNER);
    expect(r.stderr).not.toContain('\u001b');
    const seen = readings(r.stderr);
    expectConsistent(seen, diskBytes);
    // Plain lines: one per 10% step, so a log stays readable.
    for (const m of seen) expect(m.percent % 10).toBe(0);
    expect(new Set(seen.map((m) => m.percent)).size).toBe(seen.length);
  });

  for (const [what, opts] of [
    ['on a terminal: the live line', { cols: 120 }],
    ['on a terminal of width 0: plain lines', { cols: 0 }],
  ] as const) {
    test(`${what} shows them`, async () => {
      const name = `tty${opts.cols}`;
      await readyLayer(name);
      const p = new PtySession(FINALIZE(name), { ELM_HOME: s.home }, opts);
      try {
        expect((await p.exit).exitCode).toBe(0);
        expectConsistent(readings(p.output), diskBytes);
        expect(plain(p.output)).toMatch(new RegExp(`"${name}" 1 is Deployable`));
        if (opts.cols === 0) expect(p.output).not.toMatch(SPINNER);
        else expect(plain(p.output)).toMatch(new RegExp(`${SPINNER.source} Finalizing "${name}" 1: Running \\d+% \\(${SIZE} of`));
      } finally {
        p.kill();
      }
    });
  }
});

test('a terminal window made narrower while the live line runs: the line keeps to the new width', async () => {
  await readyLayer('narrowed');
  const p = new PtySession(FINALIZE('narrowed'), { ELM_HOME: s.home }, { cols: 120 });
  try {
    await p.waitFor(/Running \d+% \(/, 60_000);
    p.resize(50);
    await new Promise((r) => setTimeout(r, 1500)); // the next state read redraws with the new width
    const from = p.output.length;
    expect((await p.exit).exitCode).toBe(0);
    // Each frame drawn since: one line of at most 49 columns (the spinner, a space, the text).
    const frames = p.output
      .slice(from)
      // eslint-disable-next-line no-control-regex -- ora goes back to column 1 before each frame
      .split(/\r|\n|\u001b\[1G/)
      .map(plain)
      .filter((l) => SPINNER.test(l));
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames) expect(f.length).toBeLessThanOrEqual(49);
    expect(frames.some((f) => f.endsWith('…'))).toBe(true);
  } finally {
    p.kill();
  }
});

/** Processes whose command line names this scratch home: elm itself, or a worker it started. */
function processesOf(home: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(home) && pidAlive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('SIGTERM (or Ctrl-C) while long work shows its progress (point 3)', () => {
  for (const [what, env, opts, stop] of [
    ['on a terminal (live line)', {}, { cols: 120 }, 'SIGTERM'],
    ['on a terminal of width 0', {}, { cols: 0 }, 'SIGTERM'],
    ['with TERM=dumb', { TERM: 'dumb' }, { cols: 120 }, 'SIGTERM'],
    ['on a terminal (live line)', {}, { cols: 120 }, 'Ctrl-C'],
  ] as const) {
    const code = stop === 'SIGTERM' ? 143 : 130;
    test(`${stop} ${what}: elm leaves at once with ${code}, the line cleared, and the task goes on to Deployable`, async () => {
      const name = `${stop}-${what.replace(/\W+/g, '-')}`.replace(/-+$/, '');
      await readyLayer(name);
      const p = new PtySession(FINALIZE(name), { ELM_HOME: s.home, ...env }, opts);
      try {
        await p.waitFor(/Running \d+% \(/, 60_000); // the import is moving bytes
        const sentAt = Date.now();
        if (stop === 'SIGTERM') process.kill(p.pid, 'SIGTERM');
        else p.write(KEY.ctrlC);
        const exit = await p.exit;
        expect(Date.now() - sentAt).toBeLessThan(3000);
        expect(exit.exitCode).toBe(code);
        const screen = plain(p.output);
        const said = stop === 'SIGTERM' ? 'Terminated;' : 'Stopped waiting;';
        const taskId = new RegExp(`${said} task (\\d+) goes on in the background: elm task wait \\1`).exec(screen)?.[1];
        expect(taskId).toBeDefined();
        if (opts.cols > 0 && !('TERM' in env)) {
          // The live line is cleared and the cursor ora hid is shown again before the message,
          // and no frame is drawn after it.
          const raw = p.output;
          const at = raw.indexOf(said);
          // eslint-disable-next-line no-control-regex -- the escape sequences are what is checked
          expect(raw.slice(0, at)).toMatch(/\u001b\[1G\u001b\[0K\u001b\[\?25h(\^C)?(\u001b\[[0-9;]*m)*(error:)?(\u001b\[[0-9;]*m)* ?$/);
          expect(raw).toContain('\u001b[?25l');
          expect(raw.slice(at)).not.toMatch(SPINNER);
          expect(raw.slice(at)).not.toContain('\u001b[?25l');
        } else {
          expect(p.output).not.toMatch(SPINNER);
          // eslint-disable-next-line no-control-regex -- the escape sequences are what is checked
          expect(p.output).not.toMatch(/\u001b\[[012]?K|\u001b\[\?25l/); // no line redrawn, no cursor hidden
        }
        // Left behind: only the one detached worker that took the task over, no child of elm.
        const left = processesOf(s.home);
        expect(left.length).toBeLessThanOrEqual(1);
        for (const pid of left) expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('workerMain.js');
        // The work is not lost: the task goes on (a worker took it over) and ends Deployable.
        const done = json(await s.run(['task', 'wait', taskId!, '--json']));
        expect(done).toMatchObject({ id: taskId, state: 'Complete' });
        const shown = json(await s.run(['layer', 'show', name, '--json']));
        expect(shown.versions[0].state).toBe('Deployable');
        // Nothing of it is left running: neither elm nor the worker that finished its task.
        await waitFor('every process of this home to end', async () => processesOf(s.home).length === 0, 10_000);
      } finally {
        p.kill();
      }
    });
  }

  test('SIGTERM to `task wait` on a terminal (the work is a worker\'s): 143 at once, the line cleared, the cursor shown, the worker goes on', async () => {
    await readyLayer('waited');
    const started = json(await s.run(['finalize', 'waited', '--settle', '1s', '--json']));
    const taskId: string = started.task.id;
    const p = new PtySession(['task', 'wait', taskId], { ELM_HOME: s.home }, { cols: 120 });
    try {
      await p.waitFor(/Running \d+% \(/, 60_000);
      const sentAt = Date.now();
      process.kill(p.pid, 'SIGTERM');
      const exit = await p.exit;
      expect(Date.now() - sentAt).toBeLessThan(3000);
      expect(exit).toMatchObject({ exitCode: 143 });
      const raw = p.output;
      const at = raw.indexOf(`Terminated; task ${taskId} goes on in the background: elm task wait ${taskId}`);
      expect(at).toBeGreaterThan(0);
      // eslint-disable-next-line no-control-regex -- the escape sequences are what is checked
      expect(raw.slice(0, at)).toMatch(/\u001b\[1G\u001b\[0K\u001b\[\?25h(\u001b\[[0-9;]*m)*(error:)?(\u001b\[[0-9;]*m)* ?$/);
      expect(raw.slice(at)).not.toMatch(SPINNER);
    } finally {
      p.kill();
    }
    // The worker was never the waiting process's: it goes on, and the version ends Deployable.
    expect(json(await s.run(['task', 'wait', taskId, '--json']))).toMatchObject({ state: 'Complete' });
    expect(json(await s.run(['layer', 'show', 'waited', '--json'])).versions[0].state).toBe('Deployable');
    await waitFor('every process of this home to end', async () => processesOf(s.home).length === 0, 10_000);
  });
});
