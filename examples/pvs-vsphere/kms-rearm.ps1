# KMS: rearm Windows (and Office when present) so every PVS machine gets its own KMS client id.
$ErrorActionPreference = 'Stop'
cscript.exe //nologo "$env:SystemRoot\System32\slmgr.vbs" /rearm
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
$ospp = Get-ChildItem 'C:\Program Files*\Microsoft Office\Office*\OSPPREARM.EXE' -ErrorAction SilentlyContinue | Select-Object -First 1
if ($ospp) { & $ospp.FullName; if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE } }
# slmgr /rearm needs a restart; the next step restarts the machine.
exit 0
