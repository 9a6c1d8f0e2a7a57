/**
 * The build spec of `elm layer build -f platform.yaml`: the layer (or the new version of one), the
 * packaging machine, and the steps run on it in order. Read with YAML's failsafe schema, so every
 * value keeps the text the operator wrote, then checked with zod; an error names the line.
 */
import { UsageError } from '../domain/errors';
import { readInputFile } from '../runtime/inputFile';
import type { LayerDraft } from '../wizard/draft';

/** A step run on the packaging machine. */
export type BuildStep =
  | { kind: 'script'; name: string; script: string; idempotent: boolean; secrets: string[]; timeoutMinutes: number }
  | { kind: 'file'; name: string; source: string; destination: string; idempotent: boolean; fingerprint?: string }
  | { kind: 'restart'; name: string; waitFor?: string; idempotent: boolean }
  | { kind: 'expediteNgen'; name: string; idempotent: boolean };

export interface BuildSpec {
  /** Set when the build adds a version to this existing layer. */
  layerVersionOf?: string;
  layer: LayerDraft;
  machine: { name?: string; size?: string; vnet?: string; subnet?: string };
  /** Secret name → the environment variable its value is read from at run time (never stored). */
  secrets: Record<string, string>;
  steps: BuildStep[];
  finalize: { comment?: string };
}

export async function loadBuildSpec(file: string): Promise<{ abs: string; spec: BuildSpec }> {
  const { abs, bytes } = await readInputFile(file, 'Build spec', 'give the path of a build spec (-f platform.yaml)');
  const [{ z }, { parseYamlInput }] = await Promise.all([import('zod'), import('../runtime/yamlInput.js')]);
  const { doc, lines, toJS } = await parseYamlInput(bytes.toString('utf8'), (line, message) => {
    throw new UsageError(`Build spec ${abs}${line === undefined ? '' : ` line ${line}`}: ${message}. Fix the file and run again.`);
  });

  const text = z.string().trim().min(1);
  const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
  const minutes = z.string().regex(/^\d+$/, 'must be a whole number of minutes').transform(Number).refine((n) => n >= 1 && n <= 600, 'must be between 1 and 600 minutes');
  const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
  // A secret's name becomes $env:NAME in the script and the operator's instructions: an identifier, nothing a shell would read.
  const secretName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a secret name is an identifier (a letter or _, then letters, digits or _)');
  const common = { name: text.optional(), idempotent: flag.default('false') };
  const step = z.union([
    z.object({ ...common, script: text.optional(), inline: text.optional(), secrets: z.array(text).default([]), timeoutMinutes: minutes.default('60') }).strict()
      .refine((s) => (s.script === undefined) !== (s.inline === undefined), 'a script step has either script: FILE or inline: TEXT'),
    z.object({ ...common, file: z.object({ source: text, destination: text }).strict() }).strict(),
    z.object({ ...common, restart: z.union([z.literal(''), z.object({ waitFor: text.optional() }).strict()]) }).strict(),
    z.object({ ...common, expediteNgen: flag }).strict(),
  ]);
  const layerFields = z.object({
    name: text.optional(), version: text.optional(), description: z.string().optional(), versionDescription: z.string().optional(),
    maxSize: text.optional(), osLayer: text.optional(), connector: text.optional(), purpose: text.optional(), hypervisor: text.optional(),
    provisioning: text.optional(), broker: text.optional(), recipes: z.array(text).optional(), diskName: text.optional(), diskFormat: text.optional(),
    icon: text.optional(), comment: z.string().optional(),
  }).strict();
  const schema = z.object({
    layerVersionOf: text.optional(),
    layer: layerFields,
    machine: z.object({ name: text.optional(), size: text.optional(), vnet: text.optional(), subnet: text.optional() }).strict().default({}),
    secrets: z.record(secretName, envName).default({}),
    steps: z.array(step).min(1, 'list at least one step'),
    finalize: z.object({ comment: z.string().optional() }).strict().default({}),
  }).strict();

  const parsed = schema.safeParse(toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const node = issue.path.length ? (doc.getIn(issue.path, true) as { range?: [number, number, number] } | undefined) : undefined;
    const parentNode = doc.getIn(issue.path.slice(0, -1), true) as { range?: [number, number, number] } | undefined;
    const offset = node?.range?.[0] ?? parentNode?.range?.[0] ?? 0;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    // A step matches none of the kinds: say which kinds there are, not zod's union detail.
    const isStep = issue.path[0] === 'steps' && issue.path.length === 2 && (issue.code === 'invalid_union' || issue.code === 'unrecognized_keys');
    const message = isStep ? 'a step is one of script: FILE, inline: TEXT, file: {source, destination}, restart: {waitFor}, expediteNgen: true' : issue.message;
    throw new UsageError(`Build spec ${abs} line ${lines.linePos(offset).line}: ${where}${message}. Fix the file and run again.`);
  }
  const raw = parsed.data;
  const secretNames = Object.keys(raw.secrets);
  const steps: BuildStep[] = [];
  for (const [i, s] of raw.steps.entries()) {
    const at = `steps.${i}`;
    if ('script' in s || 'inline' in s) {
      const st = s as { name?: string; script?: string; inline?: string; secrets: string[]; timeoutMinutes: number; idempotent: boolean };
      for (const name of st.secrets) {
        if (!secretNames.includes(name)) throw new UsageError(`Build spec ${abs}: ${at}.secrets names "${name}", which the secrets: section does not define (secrets: {${name}: ENV_VAR}).`);
      }
      let script = st.inline ?? '';
      if (st.script !== undefined) {
        const pathMod = await import('node:path');
        const file = pathMod.resolve(pathMod.dirname(abs), st.script);
        script = (await readInputFile(file, `Build spec ${at}.script`, 'give a PowerShell file next to the spec')).bytes.toString('utf8');
      }
      steps.push({ kind: 'script', name: st.name ?? st.script ?? `script ${i + 1}`, script, idempotent: st.idempotent, secrets: st.secrets, timeoutMinutes: st.timeoutMinutes });
    } else if ('file' in s) {
      const { fileSourceFromSpec } = await import('./fileSource.js');
      const { source, fingerprint } = await fileSourceFromSpec(s.file.source, abs, at);
      steps.push({ kind: 'file', name: s.name ?? `copy ${s.file.destination}`, source, destination: s.file.destination, idempotent: s.idempotent, ...(fingerprint ? { fingerprint } : {}) });
    } else if ('restart' in s) {
      const waitFor = typeof s.restart === 'object' ? s.restart.waitFor : undefined;
      steps.push({ kind: 'restart', name: s.name ?? 'restart', waitFor, idempotent: true });
    } else if ('expediteNgen' in s && s.expediteNgen) {
      // `expediteNgen: false` (quoted or not: every value is text here, as for idempotent:) is no step.
      steps.push({ kind: 'expediteNgen', name: s.name ?? 'expedite NGen', idempotent: true });
    }
  }
  if (steps.length === 0) throw new UsageError(`Build spec ${abs}: steps: every step is switched off (expediteNgen: false); list at least one step.`);
  const names = steps.map((s) => s.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`Build spec ${abs}: two steps are named "${dup}"; give each step its own name:.`);
  const layer: LayerDraft = { ...raw.layer };
  return { abs, spec: { layerVersionOf: raw.layerVersionOf, layer, machine: raw.machine, secrets: raw.secrets, steps, finalize: raw.finalize } };
}
