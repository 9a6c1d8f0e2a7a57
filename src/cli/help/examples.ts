/**
 * The examples every command's --help ends with, by command path. Kept apart from the command
 * definitions so the wiring stays short; test/cli/help.test.ts checks that no command lacks them.
 */
export const EXAMPLES: Record<string, string[]> = {
  connector: ['elm connector add fileshare --name share', 'elm connector list', 'elm connector test share'],
  'connector add': ['elm connector add fileshare --name share --path /srv/elm', 'elm connector add azure --help'],
  'connector add fileshare': ['elm connector add fileshare --name share', "elm connector add fileshare --name files --path /mnt/elm --machine-path '\\\\files\\elm'"],
  'connector add azure': [
    'elm connector add azure --name azure --subscription 00000000-0000-0000-0000-000000000000 \\',
    '    --tenant 11111111-1111-1111-1111-111111111111 --storage-account elmdisks \\',
    '    --resource-group elm-packaging --location westeurope',
  ],
  'connector add vsphere': [
    'ELM_VSPHERE_PASSWORD=… elm connector add vsphere --name vcenter --server vcenter.corp.example \\',
    "    --user 'svc-elm@vsphere.local' --datacenter DC1 --datastore ds1 --host esx01 --network 'VM Network' --folder elm",
  ],
  'connector add pvs': [
    "ELM_PVS_PASSWORD=… elm connector add pvs --name pvs-farm --console pvs01 --user 'CORP\\svc-elm' \\",
    '    --site Site1 --store Store1 --license-mode kms --server pvs01=2203.0.0',
  ],
  'connector list': ['elm connector list', 'elm connector list --json'],
  'connector show': ['elm connector show share', 'elm connector show share --json'],
  'connector test': ['elm connector test azure', 'elm connector test vcenter --json'],
  'connector remove': ['elm connector remove share', 'elm connector remove share --yes'],
  appliance: ['elm appliance add --name corp --server elm01.corp.local --user administrator', 'elm appliance test corp'],
  'appliance add': [
    'ELM_APPLIANCE_PASSWORD=… elm appliance add --name corp --server elm01.corp.local --user administrator',
    'elm appliance add --name lab --server https://10.0.0.5:8443 --user admin --password-env LAB_PW --ca-file lab-ca.pem',
  ],
  'appliance list': ['elm appliance list', 'elm appliance list --json'],
  'appliance show': ['elm appliance show corp', 'elm appliance show corp --json'],
  'appliance test': ['elm appliance test corp', 'ELM_APPLIANCE_TRACE=elm-trace.log elm appliance test corp --json'],
  'appliance remove': ['elm appliance remove corp', 'elm appliance remove corp --yes'],
  'os-layer': ['elm os-layer import --name win11 --version 1 --disk win11.vhdx --ipv6 disabled', 'elm os-layer list'],
  'os-layer import': ['elm os-layer import --name win11 --version 1 --disk win11.vhdx --ipv6 disabled', 'elm os-layer import --name win11 --version 1 --disk https://acct.blob.core.windows.net/os/win11.vhd'],
  'os-layer version': ['elm os-layer version add win11 --version 2 --disk win11-2.vhdx --ipv6 disabled'],
  'os-layer version add': ['elm os-layer version add win11 --version 2 --disk win11-2.vhdx --ipv6 disabled'],
  'os-layer version remove': ['elm os-layer version remove win11 --version 1 --yes'],
  'os-layer list': ['elm os-layer list', 'elm os-layer list --json'],
  'os-layer show': ['elm os-layer show win11', 'elm os-layer show win11 --json'],
  'os-layer remove': ['elm os-layer remove win11', 'elm os-layer remove win11 --yes'],
  icon: ['elm icon list', 'elm icon import ./citrix.png'],
  'icon list': ['elm icon list', 'elm icon list --json'],
  'icon import': ['elm icon import ./citrix.png'],
  'icon remove': ['elm icon remove citrix', 'elm icon remove citrix --yes'],
  layer: ['elm layer create', 'elm layer list', "elm layer show 'Citrix VDA'"],
  'layer create': [
    'elm layer create                                 # the wizard, on a terminal',
    "elm layer create --name 'Citrix VDA' --version 1.0 --os-layer win11 --connector share --yes --wait",
    'elm layer create -f citrix-vda.yaml --no-input --json',
  ],
  'layer list': ['elm layer list', 'elm layer list --json'],
  'layer show': ["elm layer show 'Citrix VDA'", "elm layer show 'Citrix VDA' --json"],
  'layer remove': ["elm layer remove 'Citrix VDA'", "elm layer remove 'Citrix VDA' --yes"],
  'layer version': ["elm layer version add 'Citrix VDA' --version 2.0 --yes --wait"],
  'layer version add': ["elm layer version add 'Citrix VDA' --version 2.0 --yes --wait", "elm layer version add 'Citrix VDA' --version 2.0 --os-layer win11@2"],
  'layer version remove': ["elm layer version remove 'Citrix VDA' --version 2.0 --yes"],
  'layer publish': [
    "elm layer publish 'Citrix VDA' --to share --format vhdx --out /srv/images --wait",
    "elm layer publish 'Citrix VDA' --version 1.0 --to pvs-farm --wait --json",
    "elm layer publish 'Citrix VDA' --to vcenter --template-name vda-2407 --replace --wait",
    "elm layer publish 'Citrix VDA' --to vcenter --library elm-images --template-name vda-2407 --wait",
  ],
  'layer build': [
    'elm layer build -f platform.yaml --wait',
    'INSTALLER_SHARE_PASSWORD=… elm layer build -f examples/azure-rdsh/platform.yaml --wait --json',
    'ELM_GUEST_USER=Administrator ELM_GUEST_PASSWORD=… elm layer build -f examples/pvs-vsphere/platform.yaml --wait',
  ],
  disk: ["elm disk status 'Citrix VDA'"],
  'disk status': ['elm disk status', "elm disk status 'Citrix VDA' --version 2.0 --json"],
  machine: ["elm machine deploy-link 'Citrix VDA'", "elm machine deploy 'Citrix VDA'"],
  'machine deploy-link': ["elm machine deploy-link 'Citrix VDA'", "elm machine deploy-link 'Citrix VDA' --link-expiry 2h --json"],
  'machine deploy': ["elm machine deploy 'Citrix VDA'", "elm machine deploy 'Citrix VDA' --machine-name PKG-01 --no-wait"],
  'machine status': ["elm machine status 'Citrix VDA'", "elm machine status 'Citrix VDA' --json"],
  verify: [
    "elm verify 'Citrix VDA'                         # exit 3 while something blocks finalize",
    "elm verify 'Citrix VDA' --report ./PKG-01.integrity.json",
    'elm verify --print-probe > ShutdownForFinalize.ps1',
  ],
  finalize: ["elm finalize 'Citrix VDA' --wait --comment 'VDA 2402'", "elm finalize 'Citrix VDA' --wait --timeout 2h --json"],
  task: ['elm task list', 'elm task wait 12', 'elm task resume 12'],
  'task list': ['elm task list', 'elm task list --all --json'],
  'task show': ['elm task show 12', 'elm task show 12 --json'],
  'task wait': ['elm task wait 12', 'elm task wait 12 --timeout 30m --json'],
  'task resume': ['elm task resume 12'],
  'task cancel': ['elm task cancel 12', 'elm task cancel 12 --yes'],
  'task logs': ['elm task logs 12', 'elm task logs 12 -f'],
  state: ['elm state show', 'elm state push --to https://teamstore.blob.core.windows.net/elm/state.json'],
  'state show': ['elm state show', 'ELM_STATE=https://teamstore.blob.core.windows.net/elm/state.json elm state show --json'],
  'state push': ['elm state push --to https://teamstore.blob.core.windows.net/elm/state.json', 'elm state push --to https://teamstore.blob.core.windows.net/elm/state.json --force'],
  'state pull': ['elm --state https://teamstore.blob.core.windows.net/elm/state.json state pull', 'elm state pull --force'],
  'state unlock': ['elm state unlock', 'elm state unlock --yes'],
  'state init': ['elm --state https://teamstore.blob.core.windows.net/elm/state.json state init'],
  'state restore': ['elm --state https://teamstore.blob.core.windows.net/elm/state.json state restore'],
  completion: ['elm completion bash > ~/.local/share/bash-completion/completions/elm', 'elm completion zsh > "${fpath[1]}/_elm"', 'elm completion fish > ~/.config/fish/completions/elm.fish', 'elm completion powershell >> $PROFILE'],
};

/**
 * Flags a command cannot do without, though commander does not enforce them: on a terminal the
 * wizard asks for them instead. Marked "(required; asked on a terminal)" in --help.
 */
export const REQUIRED_OR_ASKED: Record<string, string[]> = {
  'layer create': ['--name', '--version', '--os-layer', '--connector'],
  'layer version add': ['--version'],
};
