import fs from 'node:fs';
import path from 'node:path';

/**
 * The house (the README's How it is built): src/cli is the top floor, imported by nothing but bin/ (and the
 * commands it wires), and no module reaches itself through its imports, lazy ones included.
 */
const SRC = path.join(__dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every relative import of a file (static, `import type`, dynamic `import()` and `require()`), as source paths. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from|import|require)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((spec) => {
    const base = path.resolve(path.dirname(file), spec.replace(/\.js$/, ''));
    if (fs.existsSync(`${base}.ts`)) return `${base}.ts`;
    return path.join(base, 'index.ts');
  });
}

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => fs.existsSync(t))]));
const rel = (f: string) => path.relative(SRC, f);

test('nothing below src/cli and src/commands imports src/cli', () => {
  const offenders = files
    .filter((f) => !/^(cli|commands)\//.test(rel(f)))
    .flatMap((f) => (graph.get(f) ?? []).filter((t) => rel(t).startsWith('cli/')).map((t) => `${rel(f)} -> ${rel(t)}`));
  expect(offenders).toEqual([]);
});

test('no import circle in src/', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string) => {
    state.set(f, 'open');
    stack.push(f);
    for (const t of graph.get(f) ?? []) {
      if (state.get(t) === 'open') cycles.push([...stack.slice(stack.indexOf(t)), t].map(rel).join(' -> '));
      else if (!state.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of files) if (!state.has(f)) visit(f);
  expect(cycles).toEqual([]);
});

/** Imports from `from` (a folder of src/) into any of `floors`, as "a -> b" lines. */
function importsInto(from: RegExp, floors: RegExp): string[] {
  return files.filter((f) => from.test(rel(f))).flatMap((f) => (graph.get(f) ?? []).filter((t) => floors.test(rel(t))).map((t) => `${rel(f)} -> ${rel(t)}`));
}

test('src/domain imports only src/domain (it is the ground floor)', () => {
  expect(importsInto(/^domain\//, /^(?!domain\/)/)).toEqual([]);
});

test('the integrity checks read no connector: what they need of one (a PVS server) is a domain type', () => {
  expect(importsInto(/^integrity\//, /^(connectors|commands|cli|wizard)\//)).toEqual([]);
});

test('nothing below src/cli and src/commands imports src/commands (the wizard, tasks and connectors take what they share from lower floors)', () => {
  expect(importsInto(/^(?!(cli|commands)\/)/, /^commands\//)).toEqual([]);
});

test('no folder of src/ has a name that tools and people read as build output (build, dist, out, lib, bin)', () => {
  const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  expect(folders.filter((name) => ['build', 'dist', 'out', 'lib', 'bin', 'target'].includes(name))).toEqual([]);
  expect(folders).toContain('layerBuild'); // the build spec and the scripts made from it
});
