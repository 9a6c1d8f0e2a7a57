# Citrix VDA for multi-session OS (Server VDA). It exits 3010 when it needs a restart: elm restarts
# the machine through Azure and goes on with the next step.
$ErrorActionPreference = 'Stop'
$cred = New-Object PSCredential('INSTALLERS\elm-build', (ConvertTo-SecureString $env:SharePassword -AsPlainText -Force))
New-PSDrive -Name I -PSProvider FileSystem -Root '\\files.corp.example\installers' -Credential $cred | Out-Null
Copy-Item 'I:\citrix\VDAServerSetup_2402.exe' "$env:TEMP\VDAServerSetup.exe"
$p = Start-Process "$env:TEMP\VDAServerSetup.exe" -Wait -PassThru -ArgumentList '/quiet', '/noreboot', '/components', 'vda', '/enable_hdx_ports', '/optimize', '/virtualmachine'
exit $p.ExitCode
