/**
 * `elm help environment`: every environment variable elm reads, as data, shown as text or (with
 * --json) as one document. A test greps src for env reads and checks each is named here, so a new
 * one cannot go undocumented.
 */
interface Entry {
  /** As shown: a variable, a list of them, or a placeholder such as "(--account-key-env VAR)". */
  name: string[];
  /** The description's lines as the text shows them (the JSON document joins them). */
  lines: string[];
}

const SECTIONS: { title: string; entries: Entry[] }[] = [
  {
    title: 'elm',
    entries: [
      { name: ['ELM_HOME'], lines: ['the elm home (like --home): state.json, the default file share, the', 'layer repository, task logs'] },
      { name: ['XDG_STATE_HOME'], lines: ['without ELM_HOME or --home, the home is $XDG_STATE_HOME/elm', '(else ~/.local/state/elm)'] },
      { name: ['ELM_USER'], lines: ['the user recorded in audit history (default: the login name, USER)'] },
      { name: ['ELM_LOCK_WAIT_MS'], lines: ['how long to wait for the state lock before exit 5 (default 10000)'] },
      { name: ['ELM_QEMU_IMG'], lines: ['the qemu-img program to convert disks with (default: qemu-img on PATH)'] },
    ],
  },
  {
    title: 'Shared state (an Azure blob)',
    entries: [
      { name: ['ELM_STATE'], lines: ["the state's blob URL (like --state); default: state.json in the home"] },
      { name: ['ELM_STATE_ACCOUNT_KEY_ENV'], lines: ['the variable holding the storage account key (like --state-key-env)'] },
      { name: ['ELM_STATE_SAS_ENV'], lines: ['the variable holding a SAS of the container (like --state-sas-env)'] },
      { name: ['ELM_STATE_LEASE_SECONDS'], lines: ['the lease a change holds, 15 to 60 (default 30)'] },
      { name: ['ELM_STATE_TIMEOUT_MS'], lines: ['how long one call to the state\'s blob service may take', 'before exit 1 (default 45000)'] },
      { name: ['ELM_HOSTNAME'], lines: ["the host name recorded for workers and leases (default: the system's)"] },
    ],
  },
  {
    title: 'Builds (elm layer build)',
    entries: [{ name: ['(secrets: NAME: VAR)'], lines: ['each secret of a build spec is read from the variable it names'] }],
  },
  {
    title: 'Output and prompts',
    entries: [
      { name: ['NO_COLOR'], lines: ['any non-empty value: no colours (like --no-color)'] },
      { name: ['TERM'], lines: ['TERM=dumb: no colours, no spinner, plain progress lines'] },
      { name: ['CI'], lines: ['set (not "false" or "0"): never prompt (like --no-input), no', 'spinner (plain progress lines)'] },
    ],
  },
  {
    title: 'Azure connector',
    entries: [
      {
        name: ['AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH,', 'AZURE_FEDERATED_TOKEN_FILE, AZURE_USERNAME, AZURE_PASSWORD'],
        lines: ['read by DefaultAzureCredential when the connector names no', '--client-id (then also a managed identity, az login, azd login)'],
      },
      { name: ['AZURE_AUTHORITY_HOST'], lines: ["the Microsoft Entra authority host (the connector's", '--authority-host wins)'] },
      { name: ['(--client-secret-env VAR)'], lines: ['the variable the connector names holds the client secret'] },
      { name: ['(--account-key-env VAR)'], lines: ['the variable the connector names holds a storage account key'] },
      { name: ['ELM_AZURE_RETRY_DELAY_MS'], lines: ['first back-off when Azure throttles or fails briefly (default 1000)'] },
    ],
  },
  {
    title: 'vSphere and Citrix Provisioning connectors',
    entries: [
      { name: ['ELM_VSPHERE_PASSWORD'], lines: ['the vCenter password (or the variable named by --password-env)'] },
      {
        name: ['ELM_GUEST_USER, ELM_GUEST_PASSWORD'],
        lines: ["the packaging machine's guest OS account, for verify's probe and", "layer build's steps (or the variables named by --guest-user-env,", '--guest-password-env)'],
      },
      { name: ['ELM_VSPHERE_TIMEOUT_MS'], lines: ['how long to wait for a vCenter clone or deploy (default 1800000)'] },
      { name: ['ELM_PVS_PASSWORD'], lines: ['the PVS console password (or the variable named by --password-env)'] },
      { name: ['ELM_PVS_CONNECT_TIMEOUT_MS'], lines: ['how long to try reaching a PVS server (default 3000)'] },
      { name: ['NODE_EXTRA_CA_CERTS'], lines: ['a PEM file of CAs to trust (a vCenter with its own CA)'] },
    ],
  },
  {
    title: 'App Layering appliance',
    entries: [
      { name: ['ELM_APPLIANCE'], lines: ['the appliance the layer commands work on (like --appliance)'] },
      { name: ['ELM_APPLIANCE_PASSWORD'], lines: ["the appliance user's password (or the variable named by", 'appliance add --password-env)'] },
      { name: ['ELM_APPLIANCE_TIMEOUT'], lines: ['how long one exchange with the appliance may take (default 60s)'] },
      { name: ['ELM_APPLIANCE_TRACE'], lines: ['a file every request and answer is appended to, passwords,', 'tokens and cookies masked'] },
    ],
  },
  {
    title: 'Diagnostics',
    entries: [{ name: ['ELM_WAIT_STATS'], lines: ['set: a waiting command reports how often it read the state'] }],
  },
];

const TITLE = 'Environment variables elm reads';
const NOTE = 'Secrets are only ever read from the environment; elm never stores them.';
const NAME_WIDTH = 28;
const INDENT = ' '.repeat(2 + NAME_WIDTH);

/** The text of `elm help environment`: a name column, descriptions beside or under long names. */
export function environmentHelpText(): string {
  const out = [TITLE];
  for (const section of SECTIONS) {
    out.push('', section.title);
    for (const { name, lines } of section.entries) {
      if (name.length === 1 && name[0].length < NAME_WIDTH) {
        out.push(`  ${name[0].padEnd(NAME_WIDTH)}${lines[0]}`, ...lines.slice(1).map((l) => `${INDENT}${l}`));
      } else {
        out.push(...name.map((n) => `  ${n}`), ...lines.map((l) => `${INDENT}${l}`));
      }
    }
  }
  out.push('', NOTE, '');
  return out.join('\n');
}

/**
 * `elm help environment --json`: {topic, description, sections: [{title, entries: [{name,
 * variables, description}]}], note}. `variables` lists the real variable names an entry covers
 * (none for a placeholder like "(--account-key-env VAR)", whose variable the operator chooses).
 */
export function environmentHelpDocument(): unknown {
  return {
    topic: 'environment',
    description: TITLE,
    sections: SECTIONS.map((s) => ({
      title: s.title,
      entries: s.entries.map(({ name, lines }) => {
        const shown = name.join(' ');
        return { name: shown, variables: shown.split(/[\s,]+/).filter((w) => /^[A-Z][A-Z0-9_]+$/.test(w)), description: lines.join(' ') };
      }),
    })),
    note: NOTE,
  };
}
