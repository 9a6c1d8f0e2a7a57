<#
.SYNOPSIS
    Shutdown For Finalize: checks that a Packaging Machine is ready for its layer to be finalized,
    and shuts it down only when it is.

.DESCRIPTION
    The layer integrity probe of elm (DESIGN.md section 3). It reads the places where Windows
    records outstanding work and reports every condition that stops the layer from being
    finalized:

      bootDriverReboot   a reboot is pending to update drivers on the boot disk
      postInstallReboot  a post-installation reboot is pending
      msiInProgress      an MSI install operation is in progress
      ngenInProgress     a Microsoft NGen operation is in progress in the background
      runOncePending     RunOnce entries have not run yet (they run at the next logon/boot)
      smsCfgIni          %WINDIR%\SMSCFG.INI is present (a ConfigMgr client identity would be cloned)

    It also reports details that elm uses to recompute the Citrix PVS blockers (ipv6Enabled,
    pvsTargetDeviceVersion, kmsRearmed, ...).

    Output: ONE JSON document (schema 1) on stdout and nothing else. Messages for the person at
    the console go to stderr (they show in the console window), never to stdout, so that
    `powershell.exe -File ShutdownForFinalize.ps1 > report.json`, Azure Run Command and
    `elm verify --local` all get the bare JSON. The JSON is pure ASCII (non-ASCII characters are
    written as \uXXXX escapes), so it reads the same whatever the console code page.

    Runs on Windows PowerShell 5.1 and on PowerShell 7 (pwsh). Run it elevated (as Administrator):
    some checks (ngen queue status, parts of the registry) need it.

    KMS: a rearm cannot be read back reliably from Windows. After `slmgr /rearm` create the marker
    file %ProgramData%\elm\kms-rearmed (any content) so that the probe reports kmsRearmed = true.

.PARAMETER ReportPath
    Also write the JSON report to this file (UTF-8 without BOM).

.PARAMETER Shutdown
    Shut the machine down when, and only when, no blocker is found. The report is printed and
    written before the shutdown starts.

.PARAMETER ExpediteNGen
    First bring queued NGen work to the foreground (`ngen update /force` in each .NET Framework v4
    folder), then poll `ngen queue status` until it prints
    "The .NET Runtime Optimization Service is stopped". Never reboots: an interrupted NGen
    operation can break .NET assemblies, so it must be allowed to complete.

.PARAMETER NGenWaitMinutes
    How long -ExpediteNGen waits for the queue to drain (default 80, under the 90-minute limit of
    Azure Run Command, so a report still comes back). NGen is never stopped: past the limit the
    probe stops waiting, reports ngenInProgress if it still runs, and can be run again later.

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File ShutdownForFinalize.ps1 -ReportPath C:\elm\report.json -Shutdown
#>
[CmdletBinding()]
param(
    [string]$ReportPath,
    [switch]$Shutdown,
    [switch]$ExpediteNGen,
    [ValidateRange(0, 1440)]
    [int]$NGenWaitMinutes = 80
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 2.0

# Windows PowerShell 5.1 adds ETS members to System.Array that make ConvertTo-Json write some
# arrays as {"value":[...],"Count":n}; dropping that type data keeps plain JSON arrays.
if ($PSVersionTable.PSVersion.Major -lt 6) {
    Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue
}

$ProbeVersion = '1.0.0'
$NGenStoppedMessage = 'The .NET Runtime Optimization Service is stopped'

# The blocker messages (kept identical to src/integrity/blockers.ts; the first four are the
# Layer integrity messages of the ELM console).
$BlockerMessages = [ordered]@{
    bootDriverReboot  = 'A reboot is pending to update drivers on the boot disk - please check and reboot the Packaging Machine.'
    postInstallReboot = 'A post-installation reboot is pending - please check and reboot the Packaging Machine.'
    msiInProgress     = 'An MSI install operation is in progress - please check the Packaging Machine.'
    ngenInProgress    = 'A Microsoft NGen operation is in progress in the background.'
    runOncePending    = 'RunOnce entries are waiting to run at the next restart - please reboot the Packaging Machine and let them complete.'
    smsCfgIni         = 'SMSCFG.INI is present in the Windows folder - please remove it before finalizing the layer.'
}

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

# Human messages: stderr only. Write-Host would reach stdout when powershell.exe -File runs with
# a redirected stdout (as under elm or Azure Run Command) and spoil the JSON report.
function Say([string]$Message) {
    [Console]::Error.WriteLine($Message)
}

function Test-IsWindows {
    return ($env:OS -eq 'Windows_NT')
}

# One registry value, or $null when the key or the value does not exist (or cannot be read).
function Get-RegValue([string]$Path, [string]$Name) {
    try {
        if (-not (Test-Path -LiteralPath $Path)) { return $null }
        $item = Get-Item -LiteralPath $Path -ErrorAction Stop
        return $item.GetValue($Name, $null)
    } catch {
        return $null
    }
}

# The value names (not the default value) of a registry key; empty when the key does not exist.
function Get-RegValueNames([string]$Path) {
    try {
        if (-not (Test-Path -LiteralPath $Path)) { return @() }
        $item = Get-Item -LiteralPath $Path -ErrorAction Stop
        return @($item.GetValueNames() | Where-Object { $_ -ne '' })
    } catch {
        return @()
    }
}

function Test-RegKey([string]$Path) {
    try {
        return [bool](Test-Path -LiteralPath $Path)
    } catch {
        return $false
    }
}

# Runs a native program and returns its exit code and output lines (stdout and stderr merged).
# Windows PowerShell 5.1 turns a native stderr line into a terminating error under
# $ErrorActionPreference = 'Stop' when 2>&1 is used, so the preference is relaxed here.
function Invoke-Native([string]$FilePath, [string[]]$Arguments, [switch]$Echo) {
    $previous = $ErrorActionPreference
    $ErrorActionPreference = 'Continue'
    $lines = New-Object System.Collections.Generic.List[string]
    try {
        & $FilePath @Arguments 2>&1 | ForEach-Object {
            $line = "$_"
            $lines.Add($line)
            if ($Echo) { Say ('    ' + $line) }
        }
        $code = $LASTEXITCODE
    } catch {
        $lines.Add("$_")
        $code = -1
    } finally {
        $ErrorActionPreference = $previous
    }
    return New-Object PSObject -Property @{ ExitCode = $code; Lines = $lines.ToArray() }
}

# Every .NET Framework v4 folder that has ngen.exe: %WINDIR%\Microsoft.NET\Framework[64]\v4.*
function Get-NGenPaths {
    if (-not $env:WINDIR) { return @() }
    $root = Join-Path $env:WINDIR 'Microsoft.NET'
    if (-not (Test-Path -LiteralPath $root)) { return @() }
    $found = @()
    foreach ($fw in @(Get-ChildItem -LiteralPath $root -Directory -ErrorAction SilentlyContinue | Where-Object { $_.Name -like 'Framework*' })) {
        foreach ($ver in @(Get-ChildItem -LiteralPath $fw.FullName -Directory -ErrorAction SilentlyContinue | Where-Object { $_.Name -like 'v4*' })) {
            $ngen = Join-Path $ver.FullName 'ngen.exe'
            if (Test-Path -LiteralPath $ngen) { $found += $ngen }
        }
    }
    return $found
}

# `ngen queue status` in one framework folder. Stopped = the output names the stopped service.
function Get-NGenQueueStatus([string]$NGenPath) {
    $r = Invoke-Native -FilePath $NGenPath -Arguments @('queue', 'status')
    $text = ($r.Lines -join "`n")
    return New-Object PSObject -Property @{
        Path     = $NGenPath
        ExitCode = $r.ExitCode
        Stopped  = ($text -like ('*' + $NGenStoppedMessage + '*'))
        Text     = $text
    }
}

function Test-MscorsvwRunning {
    return [bool](@(Get-Process -Name 'mscorsvw' -ErrorAction SilentlyContinue).Count -gt 0)
}

function Test-Elevated {
    try {
        $identity = [Security.Principal.WindowsIdentity]::GetCurrent()
        $principal = New-Object Security.Principal.WindowsPrincipal($identity)
        return $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    } catch {
        return $null
    }
}

# The JSON report as pure ASCII: every non-ASCII UTF-16 code unit becomes a \uXXXX escape.
function ConvertTo-AsciiJson($Object) {
    $json = ConvertTo-Json -InputObject $Object -Depth 8 -Compress
    $sb = New-Object System.Text.StringBuilder
    foreach ($ch in $json.ToCharArray()) {
        if ([int]$ch -gt 127) {
            [void]$sb.Append(('\u{0:x4}' -f [int]$ch))
        } else {
            [void]$sb.Append($ch)
        }
    }
    return $sb.ToString()
}

# ---------------------------------------------------------------------------------------------
# Expedite NGen (optional): bring the queued work to the foreground and wait for it. Never reboot.
# ---------------------------------------------------------------------------------------------
function Invoke-ExpediteNGen {
    $ngens = @(Get-NGenPaths)
    if ($ngens.Count -eq 0) {
        Say 'Expedite NGen: no .NET Framework v4 ngen.exe found; nothing to do.'
        return
    }
    Say 'Expedite NGen: forcing queued NGen work to the foreground. This never reboots the machine:'
    Say 'an interrupted NGen operation can break .NET assemblies, so it is always allowed to complete.'
    foreach ($ngen in $ngens) {
        Say ("Running: " + $ngen + ' update /force  (several "compilation failed" messages are fine)')
        # ngen update /force: compile every queued item now, in the foreground.
        $r = Invoke-Native -FilePath $ngen -Arguments @('update', '/force') -Echo
        if ($r.ExitCode -ne 0) {
            Say ("  ngen update /force exited with code " + $r.ExitCode + '.')
        }
    }
    # Poll `ngen queue status` until every framework reports the stopped service. Each status query
    # is itself foreground activity, so the interval is generous.
    $deadline = (Get-Date).AddMinutes($NGenWaitMinutes)
    while ($true) {
        $pending = @()
        foreach ($ngen in $ngens) {
            $s = Get-NGenQueueStatus -NGenPath $ngen
            if ($s.ExitCode -ne 0) {
                Say ("  ngen queue status failed in " + $ngen + ' (exit ' + $s.ExitCode + '); is the probe running as Administrator? Not waiting any longer.')
                return
            }
            if (-not $s.Stopped) { $pending += $ngen }
        }
        if ($pending.Count -eq 0 -and -not (Test-MscorsvwRunning)) {
            Say ('Expedite NGen: ' + $NGenStoppedMessage + '.')
            return
        }
        if ((Get-Date) -ge $deadline) {
            Say ('Expedite NGen: still running after ' + $NGenWaitMinutes + ' minutes; not waiting longer. NGen goes on by itself (do not reboot); run this probe again later.')
            return
        }
        Say ('Expedite NGen: still running (' + ($pending -join ', ') + '); checking again in 15 s. Do not reboot.')
        Start-Sleep -Seconds 15
    }
}

# ---------------------------------------------------------------------------------------------
# The checks
# ---------------------------------------------------------------------------------------------
function Invoke-Checks {
    $blockers = New-Object System.Collections.Generic.List[string]
    $details = [ordered]@{}
    $reasons = [ordered]@{}

    $sessionManager = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'

    # --- bootDriverReboot / postInstallReboot: PendingFileRenameOperations -----------------------
    # Session Manager\PendingFileRenameOperations (and ...2) is a REG_MULTI_SZ of (source, target)
    # pairs that smss.exe applies at the next boot; an empty target means "delete". Entries that
    # touch drivers or boot files (\System32\drivers\, *.sys, \Boot\) mean a boot-disk driver update
    # is pending; any other entry means a post-installation reboot is pending.
    $renames = @()
    foreach ($valueName in @('PendingFileRenameOperations', 'PendingFileRenameOperations2')) {
        $v = Get-RegValue -Path $sessionManager -Name $valueName
        if ($null -ne $v) { $renames += @($v) }
    }
    $driverRenames = @()
    $otherRenames = @()
    for ($i = 0; $i -lt $renames.Count; $i += 2) {
        $source = [string]$renames[$i]
        $target = ''
        if ($i + 1 -lt $renames.Count) { $target = [string]$renames[$i + 1] }
        if ($source -eq '' -and $target -eq '') { continue }
        $both = ($source + '|' + $target)
        if ($both -match '(?i)\\System32\\drivers\\|\\SysWOW64\\drivers\\|\.sys(\||$)|\\Boot\\|\\bootmgr|\\winload') {
            $driverRenames += $source
        } else {
            $otherRenames += $source
        }
    }
    $details['pendingFileRenames'] = [int]($driverRenames.Count + $otherRenames.Count)
    $details['pendingDriverRenames'] = @($driverRenames)

    # --- bootDriverReboot: Component Based Servicing\RebootPending ------------------------------
    # CBS creates this key when a servicing operation (driver or component update) needs a reboot
    # to complete on the boot disk.
    $bootReasons = @()
    if ($driverRenames.Count -gt 0) { $bootReasons += 'PendingFileRenameOperations (drivers/boot files)' }
    if (Test-RegKey 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending') {
        $bootReasons += 'Component Based Servicing\RebootPending'
    }
    if ($bootReasons.Count -gt 0) { $blockers.Add('bootDriverReboot') }
    $reasons['bootDriverReboot'] = @($bootReasons)

    # --- postInstallReboot ------------------------------------------------------------------------
    $postReasons = @()
    # Windows Update: Auto Update\RebootRequired exists while installed updates wait for a reboot.
    if (Test-RegKey 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') {
        $postReasons += 'WindowsUpdate\Auto Update\RebootRequired'
    }
    # Other PendingFileRenameOperations entries: files an installer replaces at the next boot.
    if ($otherRenames.Count -gt 0) { $postReasons += 'PendingFileRenameOperations' }
    # Updates\UpdateExeVolatile: set (Flags non-zero) by update.exe-based installers until reboot.
    if (Test-RegKey 'HKLM:\SOFTWARE\Microsoft\Updates\UpdateExeVolatile') {
        $flags = Get-RegValue -Path 'HKLM:\SOFTWARE\Microsoft\Updates\UpdateExeVolatile' -Name 'Flags'
        if ($null -eq $flags -or [int64]$flags -ne 0) { $postReasons += 'Updates\UpdateExeVolatile' }
    }
    # A pending computer rename (ActiveComputerName differs from ComputerName) also needs a reboot.
    $active = Get-RegValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName' -Name 'ComputerName'
    $pendingName = Get-RegValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName' -Name 'ComputerName'
    if ($null -ne $active -and $null -ne $pendingName -and $active -ne $pendingName) {
        $postReasons += 'ComputerName rename'
    }
    if ($postReasons.Count -gt 0) { $blockers.Add('postInstallReboot') }
    $reasons['postInstallReboot'] = @($postReasons)

    # --- msiInProgress -------------------------------------------------------------------------
    $msiReasons = @()
    # Windows Installer keeps Installer\InProgress while an installation is running (or was cut off
    # and will be rolled back).
    if (Test-RegKey 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\InProgress') {
        $msiReasons += 'Installer\InProgress'
    }
    # The Global\_MSIExecute mutex exists while msiexec runs an install script. Access denied also
    # means it exists.
    try {
        $mutex = [System.Threading.Mutex]::OpenExisting('Global\_MSIExecute')
        $mutex.Dispose()
        $msiReasons += 'Global\_MSIExecute mutex'
    } catch {
        # WaitHandleCannotBeOpenedException: no install running (or named mutexes unsupported).
        # UnauthorizedAccessException (possibly wrapped by PowerShell): the mutex exists.
        $e = $_.Exception
        while ($null -ne $e) {
            if ($e -is [System.UnauthorizedAccessException]) { $msiReasons += 'Global\_MSIExecute mutex'; break }
            $e = $e.InnerException
        }
    }
    if ($msiReasons.Count -gt 0) { $blockers.Add('msiInProgress') }
    $reasons['msiInProgress'] = @($msiReasons)

    # --- ngenInProgress ------------------------------------------------------------------------
    # mscorsvw.exe is the NGen compilation worker; `ngen queue status` in each .NET Framework v4
    # folder reports "The .NET Runtime Optimization Service is stopped" once the queue is done.
    $ngenReasons = @()
    if (Test-MscorsvwRunning) { $ngenReasons += 'mscorsvw.exe running' }
    $queue = @()
    foreach ($ngen in @(Get-NGenPaths)) {
        $s = Get-NGenQueueStatus -NGenPath $ngen
        if ($s.Stopped) {
            $queue += [ordered]@{ ngen = $ngen; status = 'stopped' }
        } elseif ($s.ExitCode -ne 0) {
            # Not reported as stopped, so NGen cannot be known to be done: still a blocker.
            $queue += [ordered]@{ ngen = $ngen; status = 'error'; exitCode = $s.ExitCode }
            $ngenReasons += ('ngen queue status failed (exit ' + $s.ExitCode + '): ' + $ngen)
            Say ('Warning: ngen queue status failed in ' + $ngen + ' (exit ' + $s.ExitCode + '); run the probe as Administrator.')
        } else {
            $queue += [ordered]@{ ngen = $ngen; status = 'running' }
            $ngenReasons += ('ngen queue status: ' + $ngen)
        }
    }
    $details['ngenQueue'] = @($queue)
    if ($ngenReasons.Count -gt 0) { $blockers.Add('ngenInProgress') }
    $reasons['ngenInProgress'] = @($ngenReasons)

    # --- runOncePending ------------------------------------------------------------------------
    # RunOnce values run once at the next boot/logon; finalizing now would ship them unrun.
    $runOnce = @()
    foreach ($key in @(
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce',
            'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\RunOnce')) {
        $runOnce += @(Get-RegValueNames -Path $key)
    }
    $details['runOnce'] = @($runOnce)
    if ($runOnce.Count -gt 0) { $blockers.Add('runOncePending') }

    # --- smsCfgIni -----------------------------------------------------------------------------
    # %WINDIR%\SMSCFG.INI holds the ConfigMgr client identity; every image would share it.
    $smsCfg = $false
    if ($env:WINDIR) { $smsCfg = [bool](Test-Path -LiteralPath (Join-Path $env:WINDIR 'SMSCFG.INI')) }
    $details['smsCfgIni'] = $smsCfg
    if ($smsCfg) { $blockers.Add('smsCfgIni') }

    # --- details: ipv6Enabled ------------------------------------------------------------------
    # Tcpip6\Parameters DisabledComponents: 0xFF (all low bits set) disables IPv6 on every
    # interface except loopback. Without it, IPv6 is disabled only if no adapter binds ms_tcpip6.
    $ipv6 = $null
    if (Test-IsWindows) {
        $ipv6 = $true
        $dc = Get-RegValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters' -Name 'DisabledComponents'
        if ($null -ne $dc) {
            # REG_DWORD reads back as Int32 (0xFFFFFFFF is -1): report it unsigned.
            $dcValue = ([int64]$dc) -band [int64]4294967295
            $details['ipv6DisabledComponents'] = $dcValue
            if (($dcValue -band 0xFF) -eq 0xFF) { $ipv6 = $false }
        }
        if ($ipv6) {
            try {
                $bindings = @(Get-NetAdapterBinding -ComponentID 'ms_tcpip6' -ErrorAction Stop)
                if ($bindings.Count -gt 0 -and @($bindings | Where-Object { $_.Enabled }).Count -eq 0) { $ipv6 = $false }
            } catch {
                $null = $_
            }
        }
    }
    $details['ipv6Enabled'] = $ipv6

    # --- details: pvsTargetDeviceVersion ---------------------------------------------------------
    # The Citrix Provisioning (PVS) Target Device software, from the Uninstall registry keys.
    $pvsVersion = $null
    foreach ($root in @(
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
            'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall')) {
        if ($null -ne $pvsVersion) { break }
        if (-not (Test-RegKey $root)) { continue }
        foreach ($sub in @(Get-ChildItem -LiteralPath $root -ErrorAction SilentlyContinue)) {
            $name = [string]$sub.GetValue('DisplayName', '')
            if ($name -like 'Citrix Provisioning*Target Device*' -or $name -like 'Citrix Provisioning Services Target Device*') {
                $ver = $sub.GetValue('DisplayVersion', $null)
                if ($null -ne $ver -and "$ver" -ne '') {
                    $pvsVersion = "$ver"
                    $details['pvsTargetDeviceName'] = $name
                    break
                }
            }
        }
    }
    $details['pvsTargetDeviceVersion'] = $pvsVersion

    # --- details: kmsRearmed (best effort) -------------------------------------------------------
    # Windows keeps no reliable "rearmed since" flag. The marker %ProgramData%\elm\kms-rearmed is
    # created by whoever ran `slmgr /rearm`; SoftwareProtectionPlatform SkipRearm and the remaining
    # rearm count (SoftwareLicensingService) are reported for context. Unknown = null.
    $kms = $null
    if ($env:ProgramData -and (Test-Path -LiteralPath (Join-Path $env:ProgramData 'elm\kms-rearmed'))) { $kms = $true }
    $spp = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform'
    $skipRearm = Get-RegValue -Path $spp -Name 'SkipRearm'
    $details['kmsSkipRearm'] = $(if ($null -ne $skipRearm) { [int64]$skipRearm } else { $null })
    $remaining = $null
    if (Test-IsWindows) {
        try {
            $sls = Get-CimInstance -ClassName SoftwareLicensingService -ErrorAction Stop | Select-Object -First 1
            if ($null -ne $sls) { $remaining = [int64]$sls.RemainingWindowsReArmCount }
        } catch {
            $null = $_
        }
    }
    $details['kmsRemainingRearmCount'] = $remaining
    $details['kmsRearmed'] = $kms

    $details['rebootReasons'] = $reasons
    $details['elevated'] = Test-Elevated
    $details['probeVersion'] = $ProbeVersion

    return New-Object PSObject -Property @{ Blockers = $blockers.ToArray(); Details = $details }
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
try {
    Say 'Shutdown For Finalize: checking that the layer is ready to be finalized...'
    if ((Test-IsWindows) -and ((Test-Elevated) -eq $false)) {
        Say 'Warning: not running as Administrator; some checks may be incomplete.'
    }

    if ($ExpediteNGen) { Invoke-ExpediteNGen }

    $result = Invoke-Checks
    $blockers = @($result.Blockers)

    # Shutdown is requested only when there are no blockers, and only on Windows.
    $shutdownRequested = $false
    if ($Shutdown) {
        if ($blockers.Count -ne 0) {
            Say ('Not shutting down: ' + $blockers.Count + ' blocker(s) must be addressed first.')
        } elseif (-not (Test-IsWindows)) {
            Say 'Not shutting down: this is not Windows.'
        } else {
            $shutdownRequested = $true
        }
    }

    $machine = $env:COMPUTERNAME
    if (-not $machine) { $machine = [System.Environment]::MachineName }
    $at = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)

    $report = [ordered]@{
        schema            = 1
        machine           = [string]$machine
        at                = $at
        blockers          = @($blockers)
        shutdownRequested = $shutdownRequested
        details           = $result.Details
    }
    $json = ConvertTo-AsciiJson $report

    if ($ReportPath) {
        $full = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ReportPath)
        $dir = [System.IO.Path]::GetDirectoryName($full)
        if ($dir -and -not (Test-Path -LiteralPath $dir)) { $null = New-Item -ItemType Directory -Path $dir -Force }
        [System.IO.File]::WriteAllText($full, $json, (New-Object System.Text.UTF8Encoding($false)))
        Say ('Report written to ' + $full)
    }

    if ($blockers.Count -eq 0) {
        Say 'No blockers: the layer is ready to be finalized.'
    } else {
        Say 'The layer can only be finalized when the following conditions have been addressed:'
        foreach ($id in $blockers) {
            $message = $BlockerMessages[$id]
            if (-not $message) { $message = $id }
            Say ('  - ' + $message)
        }
        if ($blockers -contains 'ngenInProgress') {
            Say '    Let NGen complete; to expedite it run this script with -ExpediteNGen (ngen update /force). Do not reboot to stop NGen.'
        }
    }

    # The one and only stdout output: the JSON report.
    [Console]::Out.WriteLine($json)
    [Console]::Out.Flush()

    if ($shutdownRequested) {
        Say 'Shutting down the Packaging Machine now.'
        try {
            Stop-Computer -Force -ErrorAction Stop
        } catch {
            $r = Invoke-Native -FilePath 'shutdown.exe' -Arguments @('/s', '/t', '0')
            if ($r.ExitCode -ne 0) {
                Say ('Shutdown failed: ' + ($r.Lines -join ' '))
                exit 1
            }
        }
    }
    exit 0
} catch {
    Say ('ShutdownForFinalize.ps1 failed: ' + $_.Exception.Message)
    exit 1
}
