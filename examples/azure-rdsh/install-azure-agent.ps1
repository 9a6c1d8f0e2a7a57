# The Azure hypervisor software the seed asks for: the Azure VM agent (WindowsAzureVmAgent.msi).
$ErrorActionPreference = 'Stop'
$cred = New-Object PSCredential('INSTALLERS\elm-build', (ConvertTo-SecureString $env:SharePassword -AsPlainText -Force))
New-PSDrive -Name I -PSProvider FileSystem -Root '\\files.corp.example\installers' -Credential $cred | Out-Null
$p = Start-Process msiexec.exe -Wait -PassThru -ArgumentList '/i', 'I:\azure\WindowsAzureVmAgent.msi', '/quiet', '/norestart'
exit $p.ExitCode
