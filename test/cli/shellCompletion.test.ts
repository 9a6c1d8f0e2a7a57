/**
 * Issue 12 point 9: the completion scripts loaded in the real shells, asked what TAB offers:
 * bash through readline in a pseudo-terminal, zsh through its completion system (compinit, in a
 * zsh/zpty terminal; test/support/zshCompletion.zsh), fish through `complete -C`. Subcommands,
 * a command's flags, names from the state (layers, OS layers and versions, connectors, tasks),
 * fixed choices, and file names where elm has nothing to offer.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BIN, elm } from '../support/cli';
import { baseSetup, createLayer, expectOk, scratch, tinyPng, type Scratch } from '../support/e2e';
import { PtySession } from '../support/pty';

jest.setTimeout(180_000);

const has = (shell: string) => spawnSync(shell, ['--version']).status === 0;
if (!has('zsh') || !has('fish')) console.warn('zsh or fish not found: their completion checks are skipped (install zsh fish).');

let s: Scratch;
let bin: string;
let env: NodeJS.ProcessEnv;
let taskId: string;
/** A second task whose id has more digits (10 and up): offered after the first, as numbers sort. */
let laterTaskId: string;
/** `elm completion SHELL` saved as a file (zsh's named _elm, as in $fpath). */
const scripts: Record<string, string> = {};

beforeAll(async () => {
  s = await scratch();
  await baseSetup(s);
  expectOk(await s.run(['os-layer', 'version', 'add', 'win', '--version', '2', '--disk', s.osDisk]));
  taskId = (await createLayer(s, 'Citrix VDA')).task.id;
  // Ids come from one counter: icons move it on, so the next task's id has two digits.
  await fs.writeFile(path.join(s.dir, 'logo.png'), tinyPng());
  for (let i = 0; i < 10; i++) expectOk(await s.run(['icon', 'import', path.join(s.dir, 'logo.png'), '--name', i ? `spare${i}` : 'Company logo']));
  laterTaskId = (await createLayer(s, 'Later')).task.id;
  expect(Number(laterTaskId)).toBeGreaterThanOrEqual(10);
  // `elm` on PATH, as the scripts call it.
  bin = path.join(s.dir, 'bin');
  await fs.mkdir(bin);
  await fs.writeFile(path.join(bin, 'elm'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
  env = { PATH: `${bin}:${process.env.PATH}`, ELM_HOME: s.home };
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = await elm(['completion', shell]);
    expectOk(r);
    const dir = path.join(s.dir, shell);
    await fs.mkdir(dir);
    scripts[shell] = path.join(dir, shell === 'zsh' ? '_elm' : `elm.${shell}`);
    await fs.writeFile(scripts[shell], r.stdout);
  }
});
afterAll(() => s.cleanup());

/** What every shell must offer (as candidates, before the shell quotes them). */
const common = (): [string, string[]][] => [
  ['elm lay', ['layer']],
  ['elm layer ', ['build', 'create', 'list', 'publish', 'remove', 'show', 'version']],
  ['elm layer version ', ['add', 'remove']],
  ['elm layer create --name x --os', ['--os-layer']],
  ['elm layer create --os-layer ', ['win']],
  ['elm layer create --os-layer win@', ['win@1', 'win@2']],
  ['elm layer create --connector ', ['share']],
  ['elm layer create --disk-format q', ['qcow2']],
  ["elm layer show 'Ci", ['Citrix VDA']],
  ['elm task show ', [taskId, laterTaskId]],
  ['elm layer create --icon w', ['windows']],
  ["elm layer create --icon 'Com", ['Company logo']],
  ["elm icon remove 'Com", ['Company logo']],
  ['elm task list --state F', ['Failed']],
  ['elm completion ', ['bash', 'fish', 'powershell', 'zsh']],
  ['elm help la', ['layer']],
];

describe('zsh', () => {
  const zsh = (mode: 'fpath' | 'source', lines: string[]): string[][] => {
    const r = spawnSync('zsh', ['-f', path.join(__dirname, '..', 'support', 'zshCompletion.zsh'), scripts.zsh, mode, ...lines], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).toBe('');
    const answers = [...r.stdout.matchAll(/<LINE>\n([\s\S]*?)<\/LINE>/g)].map((m) => m[1].split('\n').filter(Boolean));
    expect(answers).toHaveLength(lines.length);
    return answers;
  };

  (has('zsh') ? test : test.skip)('installed in $fpath (autoloaded): the first TAB already answers; names, flags, values, files', () => {
    const cases = [...common(), ['elm layer show Ci', ['Citrix\\ VDA']] as [string, string[]], [`elm os-layer import --disk ${s.dir}/os.r`, ['os.raw']] as [string, string[]]];
    const answers = zsh('fpath', cases.map(([line]) => line));
    expect(cases.map(([line], i) => [line, answers[i]])).toEqual(cases);
  });

  (has('zsh') ? test : test.skip)('sourced after compinit (source <(elm completion zsh))', () => {
    expect(zsh('source', ['elm lay', 'elm layer show Ci'])).toEqual([['layer'], ['Citrix\\ VDA']]);
  });
});

describe('fish', () => {
  const fish = (line: string): string[] => {
    const r = spawnSync('fish', ['--no-config', '-c', `source ${scripts.fish}; complete -C $argv[1]`, line], { env: { ...process.env, ...env }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean).map((l) => l.split('\t')[0]);
  };

  (has('fish') ? test : test.skip)('complete -C: names, flags, values, and file names where elm offers nothing', () => {
    const cases = [...common(), ['elm layer show Ci', ['Citrix VDA']] as [string, string[]], [`elm os-layer import --disk ${s.dir}/os.r`, [`${s.dir}/os.raw`]] as [string, string[]]];
    expect(cases.map(([line]) => [line, fish(line)])).toEqual(cases);
  });
});

describe('bash', () => {
  test('complete -p: the script registers its function for elm, with file names as the fallback', () => {
    const r = spawnSync('bash', ['--norc', '-c', `source ${scripts.bash}; complete -p elm`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('complete -o default -o nosort -F _elm_complete elm');
  });

  test('TAB in an interactive bash (readline in a pseudo-terminal) completes the line, quoting names for the shell', async () => {
    const b = new PtySession([], { ...env, PS1: 'bash$ ' }, { shell: 'exec bash --norc --noprofile -i' });
    try {
      await b.waitFor(/bash\$ $/);
      b.write(`source ${scripts.bash}\r`);
      await b.waitFor(/bash\$ $/);
      /** Types the line and TAB, then shows the completed line with echo (Ctrl-A: to its start). */
      const tab = async (line: string): Promise<string> => {
        b.write(`${line}\t\u0001echo "[[\u0005]]"\r`);
        const echoed = /\n\r*\[\[(.*)\]\]\r*\n/; // the echo's output, at the start of a line
        return (await b.waitFor(echoed)).match(echoed)![1];
      };
      expect(await tab('elm lay')).toBe('elm layer ');
      expect(await tab('elm layer create --name x --os')).toBe('elm layer create --name x --os-layer ');
      expect(await tab('elm layer show Ci')).toBe('elm layer show Citrix\\ VDA ');
      expect(await tab("elm layer show 'Ci")).toBe("elm layer show 'Citrix VDA' ");
      // bash splits words at = and @ (COMP_WORDBREAKS): the value goes after the =, once.
      expect(await tab('elm layer create --connector=s')).toBe('elm layer create --connector=share ');
      expect(await tab('elm layer create --os-layer win@2 --connector ')).toBe('elm layer create --os-layer win@2 --connector share ');
      // bash hands readline's @ to the completion with the text (rl_special_prefixes): the @ stays.
      expect(await tab('elm layer create --os-layer win@2')).toBe('elm layer create --os-layer win@2 ');
      expect(await tab('elm layer create --os-layer=win@2')).toBe('elm layer create --os-layer=win@2 ');
      expect(await tab("elm icon remove 'Com")).toBe("elm icon remove 'Company logo' ");
      // Two TABs list the candidates in elm's order (numbers as numbers), not bash's sort.
      b.write('elm task show \t\t');
      const listed = /\n\r*(\d+) +(\d+) *\r*\n/;
      expect((await b.waitFor(listed)).match(listed)!.slice(1)).toEqual([taskId, laterTaskId]);
      b.write('\u0015');
      expect(await tab(`elm os-layer import --disk ${s.dir}/os.r`)).toBe(`elm os-layer import --disk ${s.dir}/os.raw `);
    } finally {
      b.kill();
    }
  });
});

describe('powershell', () => {
  const pwsh = ['pwsh', '/root/.dotnet/tools/pwsh'].find((p) => spawnSync(p, ['-v']).status === 0);
  (pwsh ? test : test.skip)('TabExpansion2: names from the state, quoted when they hold a space', async () => {
    const script = path.join(s.dir, 'elm.ps1');
    await fs.writeFile(script, (await elm(['completion', 'powershell'])).stdout);
    const lines = ['elm layer show Ci', "elm layer show 'Ci", 'elm layer create --os-layer win@', 'elm task show '];
    const command = [`. '${script}'`, ...lines.map((l) => `'<>'; (TabExpansion2 '${l.replace(/'/g, "''")}' ${l.length}).CompletionMatches | ForEach-Object { $_.CompletionText }`)].join('; ');
    const r = spawnSync(pwsh!, ['-NoProfile', '-NonInteractive', '-Command', command], { env: { ...process.env, ...env }, encoding: 'utf8' });
    const answers = r.stdout.split('<>').slice(1).map((a) => a.split('\n').map((l) => l.trim()).filter(Boolean));
    expect(answers).toEqual([["'Citrix VDA'"], ["'Citrix VDA'"], ['win@1', 'win@2'], [taskId, laterTaskId]]);
  });
});

describe('names from the state', () => {
  const ask = (words: string[], opts: { home?: string; env?: NodeJS.ProcessEnv } = {}) => elm(['__complete', '--', 'elm', ...words], opts);

  test('from the home the line names (--home), else ELM_HOME; an unreadable or empty home gives none, exit 0', async () => {
    const other = path.join(s.dir, 'empty-home');
    expect((await ask(['--home', s.home, 'layer', 'show', ''], { home: other })).stdout).toBe('Citrix VDA\nLater\n');
    expect((await ask(['layer', 'show', ''], { home: s.home })).stdout).toBe('Citrix VDA\nLater\n');
    const none = await ask(['layer', 'show', ''], { home: other });
    expect(none).toMatchObject({ code: 0, stdout: '', stderr: '' });
    await expect(fs.stat(other)).rejects.toThrow(); // only read: no home made by a TAB
  });

  test('a remote state (ELM_STATE, --state) is not asked: a TAB never waits on the network', async () => {
    const started = Date.now();
    const r = await ask(['layer', 'show', ''], { home: s.home, env: { ELM_STATE: 'https://unreachable.invalid/elm/state.json' } });
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect((await ask(['--state', 'https://unreachable.invalid/elm/state.json', 'layer', 'show', ''], { home: s.home })).stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
