import { Command, Option, type Help, type OutputConfiguration } from 'commander';
import { GLOBAL_OPTIONS } from './action';
import { commandPath } from './help/commandPath';
import { reportAllMissingOptions } from './requiredOptions';

type Register = (program: Command) => void;

/**
 * The command groups in help order. Only the group being run is built in full; the others are a
 * name and a description, which is all `elm --help` shows, so help never pays for every flag.
 */
const GROUPS: { name: string; description: string; load: () => Register }[] = [
  { name: 'connector', description: 'connector configurations: where packaging disks and machines live', load: () => require('./groups/connector').registerConnector },
  { name: 'os-layer', description: 'OS layers: the operating system disk platform layers are bound to', load: () => require('./groups/osLayer').registerOsLayer },
  { name: 'icon', description: 'layer icons: built-in ones and imported PNG/JPG files', load: () => require('./groups/icon').registerIcon },
  { name: 'layer', description: 'platform layers and their versions', load: () => require('./groups/layer').registerLayer },
  { name: 'disk', description: 'packaging disks', load: () => require('./groups/disk').registerDisk },
  { name: 'machine', description: 'the packaging machine', load: () => require('./groups/machine').registerMachine },
  { name: 'verify', description: '', load: () => require('./groups/verify').registerVerify },
  { name: 'finalize', description: '', load: () => require('./groups/finalize').registerFinalize },
  { name: 'task', description: 'durable tasks: packaging disks, deployments, finalize', load: () => require('./groups/task').registerTask },
  { name: 'appliance', description: 'App Layering appliances (ELM) elm works on with --appliance NAME', load: () => require('./groups/appliance').registerAppliance },
  { name: 'state', description: 'where the state is kept: a file under ELM_HOME or a blob shared by a team', load: () => require('./groups/state').registerState },
  { name: 'completion', description: 'shell completion script: bash, zsh, fish or powershell', load: () => require('./groups/completion').registerCompletion },
];

/** Global options on every command; shown once, apart, in `elm --help` only. */
const GLOBAL_NOTE = 'Global options (see elm --help): --home <dir>, --appliance <name>, --json, --no-input, --no-color, --verbose';

/** The command group argv runs (skipping global options and --home's value), if any. */
function groupOf(argv: string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--home' || a === '--state' || a === '--state-key-env' || a === '--state-sas-env' || a === '--appliance') i += 1;
    else if (a === 'help') continue;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}

const VERSION: string = require('../../package.json').version;

export function buildProgram(argv: string[] = process.argv): Command {
  const program = new Command('elm')
    .description('Citrix App Layering Platform Layers from the command line: create, package, verify, finalize.')
    // `elm --version --json` is a document too: {"version": "…"}.
    .version(argv.includes('--json') ? `${JSON.stringify({ version: VERSION }, null, process.stdout.isTTY ? 2 : undefined)}` : VERSION, '--version', 'print the elm version')
    .enablePositionalOptions()
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput(outputFor(argv));
  // With --json, help is one JSON document (help/jsonHelp.ts): no text after it.
  const jsonHelp = argv.includes('--json');
  if (!jsonHelp) program.addHelpText('after', (require('./help/overview') as typeof import('./help/overview')).overviewText());
  const running = groupOf(argv);
  // Completion answers about every command: it is the one run that builds them all.
  const all = running === '__complete';
  const stubs = new Set<Command>();
  for (const group of GROUPS) {
    // verify and finalize are single commands whose help line shows their arguments: always built.
    if (all || group.name === running || !group.description) group.load()(program);
    else stubs.add(program.command(group.name).description(group.description));
  }
  addGlobalOptions(program, stubs);
  if (jsonHelp) helpAsJson(program, stubs);
  else describeCommands(program, stubs);
  program.commands.forEach((c) => applyErrorHandling(c, outputFor(argv)));
  return program;
}

/** Each built command's help: "(required)" beside the flags it needs, then its examples. */
function describeCommands(program: Command, stubs: Set<Command>): void {
  const { EXAMPLES, REQUIRED_OR_ASKED } = require('./help/examples') as typeof import('./help/examples');
  for (const cmd of descendants(program)) {
    if (stubs.has(cmd) || cmd.name() === '__complete') continue;
    const path = commandPath(cmd);
    const asked = REQUIRED_OR_ASKED[path] ?? [];
    for (const o of cmd.options) {
      if (o.hidden) continue;
      if (o.mandatory) o.description = `${o.description} (required)`;
      else if (o.long && asked.includes(o.long)) o.description = `${o.description} (required; asked on a terminal)`;
    }
    const examples = EXAMPLES[path];
    const lines = examples ? ['', 'Examples:', ...examples.map((e) => `  ${e}`)] : [];
    cmd.addHelpText('after', [...lines, '', GLOBAL_NOTE].join('\n'));
  }
}

/** `--help --json`: every built command formats its help as a JSON document instead of text. */
function helpAsJson(program: Command, stubs: Set<Command>): void {
  const { helpDocument } = require('./help/jsonHelp') as typeof import('./help/jsonHelp');
  const formatHelp = (cmd: Command, helper: Help) => `${JSON.stringify(helpDocument(cmd, helper), null, process.stdout.isTTY ? 2 : undefined)}\n`;
  for (const cmd of [program, ...descendants(program)]) if (!stubs.has(cmd)) cmd.configureHelp({ formatHelp });
}

/**
 * The global options live on the program and on every leaf command, so they work before or
 * after the subcommand, while a leaf's own `--version <v>` never collides with `elm --version`.
 */
function addGlobalOptions(program: Command, stubs: Set<Command>): void {
  // Two sets of Option objects: shown under their own heading on elm itself, hidden (one note
  // instead) on every other command. Building them per command would cost startup time.
  const globals = (hidden: boolean) =>
    [
      new Option('--home <dir>', 'elm home: state.json, the default file share, the layer repository, task logs').env('ELM_HOME'),
      new Option('--state <url>', 'keep the state in an Azure blob (https://<account>.blob.core.windows.net/<container>/<name>.json) shared by a team or CI').env('ELM_STATE'),
      new Option('--state-key-env <var>', 'environment variable holding the storage account key of --state').env('ELM_STATE_ACCOUNT_KEY_ENV'),
      new Option('--state-sas-env <var>', 'environment variable holding a SAS of the --state container').env('ELM_STATE_SAS_ENV'),
      new Option('--appliance <name>', "work on this App Layering appliance (elm appliance add) instead of the local state").env('ELM_APPLIANCE'),
      new Option('--json', 'print exactly one JSON document on stdout'),
      new Option('--no-input', 'never prompt; fail naming every missing flag'),
      new Option('--no-color', 'no colours (also NO_COLOR, TERM=dumb)'),
      new Option('--verbose', 'more detail on stderr'),
    ].map((o) => (hidden ? o.hideHelp() : o.helpGroup('Global options:')));
  const shown = globals(false);
  const quiet = globals(true);
  [...shown, ...quiet].forEach((o) => GLOBAL_OPTIONS.add(o));
  shown.forEach((o) => program.addOption(o));
  // Groups too (`elm layer --json` is a usage error in JSON, not "unknown option --json").
  for (const cmd of descendants(program).filter((c) => !stubs.has(c))) {
    // A command's own option of the same name (task list --state) wins there; the global one is
    // still given before the command (elm --state URL task list --state Failed) or by ELM_STATE.
    const taken = new Set(cmd.options.map((o) => o.long));
    quiet.filter((o) => !taken.has(o.long)).forEach((o) => cmd.addOption(o));
  }
}

function descendants(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...descendants(c)]);
}

/** Subcommands inherit exit-override so usage errors reach one handler (exit 2, one line). */
function applyErrorHandling(cmd: Command, output: OutputConfiguration): void {
  cmd.exitOverride().configureOutput(output);
  reportAllMissingOptions(cmd);
  cmd.commands.forEach((c) => applyErrorHandling(c, output));
}

/**
 * Errors are reported by reportError (one line), not commander. Commander's "error" stream then
 * only carries the help shown when a group is called without its command: that help goes to
 * stdout and the one-line error to stderr; with --json it is left out, the JSON error document
 * being the whole answer.
 */
function outputFor(argv: string[]): OutputConfiguration {
  const writeErr = argv.includes('--json') ? () => undefined : (text: string) => process.stdout.write(text);
  return { outputError: () => undefined, writeErr };
}
