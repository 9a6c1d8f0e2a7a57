/**
 * Issue 12 point 9 through the real binary: completion for four shells, examples and required
 * marks in every command's --help, global options shown once, `elm help environment` naming every
 * variable elm reads, `elm help layer create`, and no pointer to documents outside the repository.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, elm, ROOT } from '../support/cli';

jest.setTimeout(300_000); // the --help walk spawns elm twice per command

/** Every command path, as completion sees them (it walks the same tree). */
async function commandPaths(prefix: string[] = []): Promise<string[][]> {
  const r = await elm(['__complete', '--', 'elm', ...prefix, '']);
  const subs = r.stdout.split('\n').filter(Boolean);
  const out: string[][] = [];
  for (const s of subs) {
    out.push([...prefix, s]);
    out.push(...(await commandPaths([...prefix, s])));
  }
  return out;
}

describe('--help', () => {
  test('every command shows examples and the global-options note; global options are not repeated', async () => {
    const paths = await commandPaths();
    expect(paths.map((p) => p.join(' '))).toEqual(expect.arrayContaining(['layer create', 'connector add azure', 'task wait', 'verify', 'completion']));
    const helps = [];
    for (let i = 0; i < paths.length; i += 4) helps.push(...(await Promise.all(paths.slice(i, i + 4).map((p) => elm([...p, '--help'])))));
    for (const [i, p] of paths.entries()) {
      const r = helps[i];
      expect(r.code).toBe(0);
      expect({ command: p.join(' '), examples: /\nExamples:\n {2}.*\belm /.test(r.stdout) }).toEqual({ command: p.join(' '), examples: true });
      expect(r.stdout).toContain('Global options (see elm --help)');
      expect(r.stdout).not.toMatch(/^\s+--home <dir>/m);
    }
    const root = await elm(['--help']);
    expect(root.stdout).toMatch(/\nGlobal options:\n\s+--home <dir>/);
    expect(root.stdout.match(/--no-input/g)).toHaveLength(1);
  });

  test('required flags are marked, enforced ones and those the wizard asks for', async () => {
    const azure = await elm(['connector', 'add', 'azure', '--help']);
    expect(azure.stdout).toMatch(/--subscription <id>\s+subscription id \(required\)/);
    expect(azure.stdout).not.toMatch(/--container <name>.*\(required\)/);
    const create = await elm(['layer', 'create', '--help']);
    expect(create.stdout).toMatch(/--name <name>\s+Layer Name \(required; asked on a terminal\)/);
    expect(create.stdout).not.toMatch(/--description <text>.*required/);
  });

  test('elm help layer create is elm layer create --help; elm help environment lists every variable elm reads', async () => {
    const viaHelp = await elm(['help', 'layer', 'create']);
    const direct = await elm(['layer', 'create', '--help']);
    expect(viaHelp.code).toBe(0);
    expect(viaHelp.stdout).toBe(direct.stdout);
    expect(viaHelp.stdout).toMatch(/^Usage: elm layer create/);

    const env = await elm(['help', 'environment']);
    expect(env.code).toBe(0);
    const read = new Set<string>();
    for (const file of walk(path.join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]+)|env\[['"`]([A-Z][A-Z0-9_]+)|['"`](ELM_[A-Z0-9_]+)['"`]/g)) read.add(m[1] ?? m[2] ?? m[3]);
    }
    for (const v of ['ELM_HOME', 'ELM_USER', 'ELM_LOCK_WAIT_MS', 'NO_COLOR', 'CI', 'AZURE_AUTHORITY_HOST', 'ELM_VSPHERE_PASSWORD']) expect(read).toContain(v);
    const missing = [...read].filter((v) => v !== 'USER' && !env.stdout.includes(v));
    expect(missing).toEqual([]);
  });
});

describe('elm completion', () => {
  test('an unknown shell is a usage error naming the four', async () => {
    const r = await elm(['completion', 'tcsh']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bash, zsh, fish, powershell/);
  });

  test.each(['bash', 'zsh', 'fish', 'powershell'])('completion %s --json is one JSON document holding the script', async (shell) => {
    const plain = await elm(['completion', shell]);
    const r = await elm(['completion', shell, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ shell, script: plain.stdout });
  });

  test('bash: the script completes subcommands and flags through elm itself', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-compl-'));
    try {
      await fs.writeFile(path.join(dir, 'elm'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
      const script = (await elm(['completion', 'bash'])).stdout;
      await fs.writeFile(path.join(dir, 'elm.bash'), script);
      const ask = (words: string[]) => {
        const line = `source ${dir}/elm.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _elm_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
        const r = spawnSync('bash', ['-c', line], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
        return r.stdout.split('\n').filter(Boolean);
      };
      expect(ask(['elm', 'la'])).toEqual(['layer']);
      expect(ask(['elm', 'layer', 'version', ''])).toEqual(['add', 'remove']);
      expect(ask(['elm', 'layer', 'create', '--name', 'x', '--os'])).toEqual(['--os-layer']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  test.each(['zsh', 'fish', 'powershell'])('%s: a script for that shell that asks elm __complete', async (shell) => {
    const r = await elm(['completion', shell]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('elm __complete --');
    expect(r.stdout).toContain({ zsh: 'compdef _elm elm', fish: 'complete -c elm', powershell: 'Register-ArgumentCompleter -Native -CommandName elm' }[shell]);
  });

  const pwsh = spawnSync('pwsh', ['-v']).status === 0 || spawnSync('/root/.dotnet/tools/pwsh', ['-v']).status === 0;
  (pwsh ? test : test.skip)('powershell: TabExpansion2 completes through the script', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'elm-compl-'));
    try {
      await fs.writeFile(path.join(dir, 'elm'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
      await fs.writeFile(path.join(dir, 'elm.ps1'), (await elm(['completion', 'powershell'])).stdout);
      const cmd = `. ${dir}/elm.ps1; (TabExpansion2 'elm layer cr' 12).CompletionMatches | ForEach-Object { $_.CompletionText }`;
      const r = spawnSync('pwsh', ['-NoProfile', '-NonInteractive', '-Command', cmd], {
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}:/root/.dotnet/tools` },
        encoding: 'utf8',
      });
      expect(r.stdout.trim()).toBe('create');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

test('nothing in the repository points at documents outside it', () => {
  const offenders: string[] = [];
  for (const top of ['src', 'test', 'bench', 'fixtures', 'README.md', 'package.json']) {
    const abs = path.join(ROOT, top);
    for (const file of statSync(abs, { throwIfNoEntry: false })?.isDirectory() ? walk(abs) : [abs]) {
      if (statSync(file).size > 1_000_000) continue;
      const text = readFileSync(file, 'utf8');
      if (/DESIGN\.md|\bseeds\/|\/work\/shared/.test(text) && !file.endsWith('helpAndCompletion.test.ts')) offenders.push(path.relative(ROOT, file));
    }
  }
  expect(offenders).toEqual([]);
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) return d.name === 'node_modules' ? [] : walk(p);
    return /\.(ts|js|ps1|md|json|ya?ml|txt)$/.test(d.name) ? [p] : [];
  });
}
