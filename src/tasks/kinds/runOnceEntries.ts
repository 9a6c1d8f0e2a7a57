/**
 * What a person's logon does to the HKLM RunOnce entries, for an unattended build (no one logs
 * on to a build's packaging machine, and the entries run only at a logon: "Run and RunOnce
 * Registry Keys", Microsoft Learn). Each entry is deleted before its command runs, or after it for
 * a name that starts with "!", as Windows does; the build then restarts the machine and verifies
 * again.
 */
export const RUN_ONCE_LABEL = 'RunOnce entries';

export const RUN_ONCE_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "foreach ($key in @('HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce', 'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce')) {",
  '    if (-not (Test-Path -LiteralPath $key)) { continue }',
  '    $item = Get-Item -LiteralPath $key',
  "    foreach ($name in @($item.GetValueNames() | Where-Object { $_ -ne '' })) {",
  '        $command = [string]$item.GetValue($name)',
  "        $after = $name.StartsWith('!')",
  '        if (-not $after) { Remove-ItemProperty -LiteralPath $key -Name $name }',
  "        Write-Output ('RunOnce ' + $name + ': ' + $command)",
  "        $p = Start-Process -FilePath $env:ComSpec -ArgumentList @('/c', $command) -Wait -PassThru -WindowStyle Hidden",
  '        if ($after) { Remove-ItemProperty -LiteralPath $key -Name $name }',
  "        Write-Output ('RunOnce ' + $name + ' exited ' + $p.ExitCode)",
  '    }',
  '}',
  'exit 0',
].join('\n');
