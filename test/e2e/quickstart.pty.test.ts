/**
 * The README's Quickstart, word for word, on a terminal (issue 12, "Done means"): its `sh` blocks
 * are read out of README.md and run as one script in a real pseudo-terminal, with nothing typed.
 * Every value is given, so nothing may be asked; the no-Windows path (the recorded clean report,
 * stamped now) takes the layer version through finalize to Deployable. If the README changes and
 * stops working, this fails.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN, ROOT, tempHome } from '../support/cli';
import { plain, PtySession } from '../support/pty';

jest.setTimeout(240_000);

/** The fenced `sh` blocks of the README section whose heading starts with `heading`, in order. */
function shBlocks(readme: string, heading: string): string[] {
  const start = readme.indexOf(`\n## ${heading}`);
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
}

test('the README quickstart, run word for word on a terminal, asks nothing and ends Deployable', async () => {
  const blocks = shBlocks(readFileSync(path.join(ROOT, 'README.md'), 'utf8'), 'Quickstart');
  const script = blocks.join('\n');
  // What the README promises the reader: the fixture report stands in for the probe, and the end is finalize.
  expect(script).toContain('fixtures/reports/clean.json');
  expect(script).toMatch(/^elm finalize "Citrix VDA" --wait/m);

  const t = await tempHome('elm-quickstart-');
  try {
    // The repository's folder as the reader has it (fixtures/ at hand), and `elm` on the PATH.
    const work = path.join(t.dir, 'repo');
    const bin = path.join(t.dir, 'bin');
    await fs.mkdir(work);
    await fs.mkdir(bin);
    await fs.symlink(path.join(ROOT, 'fixtures'), path.join(work, 'fixtures'));
    await fs.writeFile(path.join(bin, 'elm'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`, { mode: 0o755 });
    await fs.writeFile(path.join(work, 'quickstart.sh'), script);

    const env = { PATH: `${bin}:${process.env.PATH}` };
    // -e: the first command that fails stops it; -x: each command is shown as it runs.
    const p = new PtySession([], env, { shell: `cd '${work}' && exec sh -ex quickstart.sh` });
    try {
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 200_000).unref());
      const exit = await Promise.race([p.exit, timeout]);
      const screen = plain(p.output);
      if (exit === 'timeout') throw new Error(`the quickstart did not finish (a prompt waiting for an answer?); screen:\n${screen.slice(-3000)}`);
      if (exit.exitCode !== 0) throw new Error(`the quickstart stopped with exit ${exit.exitCode}; screen:\n${screen.slice(-3000)}`);
      // Nothing was asked: no prompt was drawn.
      expect(screen).not.toMatch(/^\s*[?✔✖] .*(\?|›)/m);
      // Every elm command of the README ran (sh -x shows each as "+ elm ...").
      const commands = script.split('\n').filter((l) => /^elm /.test(l)).length;
      expect(screen.match(/^\+ elm /gm)?.length).toBe(commands);
      expect(screen).toMatch(/Created layer "Citrix VDA" 1\.0/);
      expect(screen).toMatch(/"Citrix VDA" 1\.0 is Deployable\./);
    } finally {
      p.kill();
    }

    // What it left in the repository's folder (the state folder, the stand-in OS disk) is in .gitignore,
    // so a reader who ran it has nothing to commit by mistake.
    const left = (await fs.readdir(work)).filter((n) => n !== 'fixtures' && n !== 'quickstart.sh');
    expect(left.length).toBeGreaterThan(0);
    const notIgnored = left.filter((n) => spawnSync('git', ['check-ignore', '-q', '--no-index', n], { cwd: ROOT }).status !== 0);
    expect(notIgnored).toEqual([]);

    // The state says so too, with the comment the README gave.
    const { elm } = await import('../support/cli.js');
    const shown = await elm(['layer', 'show', 'Citrix VDA', '--json'], { home: path.join(work, '.elm-demo') });
    expect(shown.code).toBe(0);
    const layer = JSON.parse(shown.stdout);
    expect(layer.versions).toEqual([expect.objectContaining({ name: '1.0', state: 'Deployable' })]);
    expect(layer.audit.map((a: { comment?: string }) => a.comment)).toContain('VDA 2402');
  } finally {
    await t.cleanup();
  }
});
