/**
 * `elm help environment`: every environment variable elm reads. A test greps src for env reads
 * and checks each is named here, so a new one cannot go undocumented.
 */
export const ENVIRONMENT_HELP = `Environment variables elm reads

elm
  ELM_HOME                    the elm home (like --home): state.json, the default file share, the
                              layer repository, task logs
  XDG_STATE_HOME              without ELM_HOME or --home, the home is $XDG_STATE_HOME/elm
                              (else ~/.local/state/elm)
  ELM_USER                    the user recorded in audit history (default: the login name, USER)
  ELM_LOCK_WAIT_MS            how long to wait for the state lock before exit 5 (default 10000)
  ELM_QEMU_IMG                the qemu-img program to convert disks with (default: qemu-img on PATH)

Shared state (an Azure blob)
  ELM_STATE                   the state's blob URL (like --state); default: state.json in the home
  ELM_STATE_ACCOUNT_KEY_ENV   the variable holding the storage account key (like --state-key-env)
  ELM_STATE_SAS_ENV           the variable holding a SAS of the container (like --state-sas-env)
  ELM_STATE_LEASE_SECONDS     the lease a change holds, 15 to 60 (default 30)
  ELM_HOSTNAME                the host name recorded for workers and leases (default: the system's)

Builds (elm layer build)
  (secrets: NAME: VAR)        each secret of a build spec is read from the variable it names

Output and prompts
  NO_COLOR                    any non-empty value: no colours (like --no-color)
  TERM                        TERM=dumb: no colours, no spinner, plain progress lines
  CI                          set (not "false" or "0"): never prompt (like --no-input), no
                              spinner (plain progress lines)

Azure connector
  AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH,
  AZURE_FEDERATED_TOKEN_FILE, AZURE_USERNAME, AZURE_PASSWORD
                              read by DefaultAzureCredential when the connector names no
                              --client-id (then also a managed identity, az login, azd login)
  AZURE_AUTHORITY_HOST        the Microsoft Entra authority host (the connector's
                              --authority-host wins)
  (--client-secret-env VAR)   the variable the connector names holds the client secret
  (--account-key-env VAR)     the variable the connector names holds a storage account key
  ELM_AZURE_RETRY_DELAY_MS    first back-off when Azure throttles or fails briefly (default 1000)

vSphere and Citrix Provisioning connectors
  ELM_VSPHERE_PASSWORD        the vCenter password (or the variable named by --password-env)
  ELM_GUEST_USER, ELM_GUEST_PASSWORD
                              the packaging machine's guest OS account (or the variables named by
                              --guest-user-env, --guest-password-env)
  ELM_PVS_PASSWORD            the PVS console password (or the variable named by --password-env)
  ELM_PVS_CONNECT_TIMEOUT_MS  how long to try reaching a PVS server (default 3000)
  NODE_EXTRA_CA_CERTS         a PEM file of CAs to trust (a vCenter with its own CA)

Diagnostics
  ELM_WAIT_STATS              set: a waiting command reports how often it read the state

Secrets are only ever read from the environment; elm never stores them.
`;
