/**
 * What `elm --help` says after the command list (the lifecycle, where more help is, the exit
 * codes), as data: the text help and `elm --help --json` show the same.
 */
export const LIFECYCLE: { command: string; description: string }[] = [
  { command: 'elm layer create', description: 'create the layer and its packaging disk (wizard on a terminal)' },
  { command: 'elm machine deploy-link', description: 'how to get the packaging machine running' },
  { command: 'elm verify', description: 'layer integrity: exit 3 while something blocks finalize' },
  { command: 'elm finalize --wait', description: 'import the layer; exit 0 when Deployable' },
];

export const EXIT_CODES: { code: number; meaning: string }[] = [
  { code: 0, meaning: 'done' },
  { code: 1, meaning: 'failed' },
  { code: 2, meaning: 'bad input' },
  { code: 3, meaning: 'not ready' },
  { code: 4, meaning: 'timed out' },
  { code: 5, meaning: 'conflict' },
  { code: 130, meaning: 'cancelled' },
];

const COMMAND_WIDTH = 22;

export function overviewText(): string {
  const lifecycle = LIFECYCLE.map(({ command, description }) =>
    command.length < COMMAND_WIDTH ? `  ${command.padEnd(COMMAND_WIDTH)}${description}` : `  ${command}\n  ${' '.repeat(COMMAND_WIDTH)}${description}`,
  );
  return [
    '',
    'Lifecycle:',
    ...lifecycle,
    '',
    'Help: elm help COMMAND... (e.g. elm help layer create), elm help environment (variables elm reads).',
    'Completion: elm completion bash|zsh|fish|powershell.',
    `Exit codes: ${EXIT_CODES.map((e) => `${e.code} ${e.meaning}`).join(', ')}.`,
  ].join('\n');
}
