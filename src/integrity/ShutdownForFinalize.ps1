<#
.SYNOPSIS
    Shutdown For Finalize: checks that a Packaging Machine is ready for its layer to be finalized,
    and shuts it down only when it is.

.DESCRIPTION
    The layer integrity probe of elm (see the README, "The layer integrity probe"). It reads the places where Windows
    records outstanding work and reports every condition that stops the layer from being
    finalized:

      bootDriverReboot   a reboot is pending to update drivers on the boot disk
      postInstallReboot  a post-installation reboot is pending
      msiInProgress      an MSI install operation is in progress
      ngenInProgress     a Microsoft NGen operation is in progress in the background
      ngenNeeded         NGen work is queued and nothing is compiling it yet
      runOncePending     RunOnce entries have not run yet (they run at the next logon/boot)
      smsCfgIni          %WINDIR%\SMSCFG.INI is present with the ConfigMgr client set to run
      wemAgentRsaKey     the Citrix WEM agent's RSA key file is still in the machine key store
      windowsUpgradePending  a Windows feature upgrade waits for its restart
      probeIncomplete    a check could not run (not elevated, an unreadable value): readiness unknown

    With -PvsVersion it also reports pvsTargetDeviceMissing / pvsTargetDeviceMismatch, with
    -KmsRearm kmsRearmPending, with -ExpectIPv6 ipv6DisabledOnPlatformLayer. It always reports the
    details elm uses to recompute those (ipv6Enabled, pvsTargetDeviceVersion, kmsRearmed, ...).

    Output: ONE JSON document (schema 1) on the output stream (so `powershell.exe -File ... >
    report.json`, `& .\ShutdownForFinalize.ps1 > r.json`, WinRM and Azure Run Command all get it)
    and nothing else there. Messages for the person at the console go to stderr. The JSON is pure
    ASCII and stays under 3 KB (Run Command keeps only the last 4,096 bytes of output): lists are
    cut to their first entries with counts beside them; -ReportPath gets the full lists.

    Runs on Windows PowerShell 5.1 and on PowerShell 7 (pwsh): keep it free of PowerShell 6+
    syntax (a test checks). Run it elevated, in 64-bit PowerShell on 64-bit Windows.

    KMS: a rearm cannot be read back reliably from Windows. After `slmgr /rearm` create the marker
    file %ProgramData%\elm\kms-rearmed (any content) and shut down without restarting: the marker
    counts while it is newer than the last boot. The rearms Windows has left
    (SoftwareLicensingService.RemainingWindowsReArmCount) are reported beside it.

    -Shutdown: the report is written (to -ReportPath) and handed to the output stream BEFORE
    shutdown.exe is called; a report that cannot be written means no shutdown and exit 1.
    `shutdown /s /t 15` gives the report time to reach its reader; a time-out above 0 implies /f
    (shutdown.exe's documentation), so applications still open are closed without saving.

    Dot-sourcing the script (`. .\ShutdownForFinalize.ps1`) only defines its functions: the
    checks run when it is invoked as a script. The tests use that to replace each Windows read.

.PARAMETER ReportPath
    Also write the full JSON report to this file (UTF-8 without BOM).

.PARAMETER Shutdown
    Shut the machine down when, and only when, nothing blocks (including the PVS, KMS and IPv6
    details asked for by -PvsVersion, -KmsRearm and -ExpectIPv6), and only after the report was
    written: open applications are closed without saving (a shutdown time-out implies /f).

.PARAMETER ExpediteNGen
    Compile queued NGen work now: `ngen update /force` then `ngen executeQueuedItems` in each
    .NET Framework folder (Framework and Framework64, v4 and v2.0 where present), then
    `ngen queue status` every 30 seconds until each reports the optimization service stopped,
    all within the -NGenWaitMinutes budget. Never stops NGen and never reboots: an interrupted
    NGen operation can break .NET assemblies.

.PARAMETER NGenWaitMinutes
    The time budget of -ExpediteNGen, counted from the start of the script (default 80, under the
    90-minute limit of Azure Run Command, so a report still comes back). A compile step is started
    only when the budget left is at least as long as the longest step so far (and 5 minutes).

.PARAMETER PvsVersion
    The version of the PVS servers the image is published to: the PVS Target Device software
    must be installed in that version.

.PARAMETER KmsRearm
    The image is published with KMS licensing: KMS must have been rearmed since the last boot.

.PARAMETER ExpectIPv6
    IPv6 must stay enabled on this Platform Layer (it is disabled in the OS layer for PVS instead).

.EXAMPLE
    powershell.exe -NoProfile -ExecutionPolicy Bypass -File ShutdownForFinalize.ps1 -ReportPath C:\elm\report.json -Shutdown
#>
[CmdletBinding()]
param(
    [string]$ReportPath,
    [switch]$Shutdown,
    [switch]$ExpediteNGen,
    [ValidateRange(0, 1440)]
    [int]$NGenWaitMinutes = 80,
    [string]$PvsVersion,
    [switch]$KmsRearm,
    [switch]$ExpectIPv6
)

Set-StrictMode -Version 2.0

$ProbeVersion = '2.0.0'
$NGenStoppedMessage = 'The .NET Runtime Optimization Service is stopped'
# The printed report stays under this many bytes (Run Command keeps the last 4,096 of output).
$MaxPrintedBytes = 3000
# A compile step of -ExpediteNGen is started only with at least this much budget left.
$MinNGenStepMinutes = 5

# The blocker messages (kept identical to src/integrity/blockers.ts): Citrix's Layer integrity
# messages word for word where Citrix has one (App Layering 4, "Debug layer integrity messages",
# https://docs.citrix.com/en-us/citrix-app-layering/4/layer/troubleshoot-layer-integrity-issues.html;
# the first four as the ELM console of the seeds writes them), elm's own wording for the others.
# Citrix's list has no message for the WEM agent's RSA key nor a pending Windows upgrade: those two
# (wemAgentRsaKey, windowsUpgradePending) are elm's own checks and words.
$BlockerMessages = [ordered]@{
    bootDriverReboot            = 'A reboot is pending to update drivers on the boot disk - please check and reboot the Packaging Machine.'
    postInstallReboot           = 'A post-installation reboot is pending - please check and reboot the Packaging Machine.'
    msiInProgress               = 'An MSI install operation is in progress - please check the Packaging Machine.'
    ngenInProgress              = 'A Microsoft NGen operation is in progress in the background.'
    runOncePending              = 'A RunOnce script is outstanding - please check and reboot the packaging machine.'
    ngenNeeded                  = 'A Microsoft ngen operation is needed.'
    smsCfgIni                   = 'Software Center Client is configured to run, but the SMSCFG.INI is still present.'
    wemAgentRsaKey              = 'The Citrix WEM agent RSA key file is present - delete it before finalizing the layer.'
    windowsUpgradePending       = 'A Windows upgrade is pending - please complete it and reboot the packaging machine.'
    probeIncomplete             = 'The layer integrity probe could not complete every check - run it again as Administrator.'
    pvsTargetDeviceMismatch     = 'The PVS Target Device software on the Packaging Machine does not match the version of the PVS server.'
    pvsTargetDeviceMissing      = 'The PVS Target Device software is not installed on the Packaging Machine.'
    kmsRearmPending             = 'No KMS rearm since the last boot (no %ProgramData%\elm\kms-rearmed marker newer than it) - PVS target devices need a unique CMID.'
    ipv6DisabledOnPlatformLayer = 'IPv6 is disabled on the Platform Layer - PVS machines booted from it will lose their network connection and hang.'
}

# What to do, printed beside each message. NGen is let finish before any restart: an interrupted
# NGen operation can break .NET assemblies (Ngen.exe (Native Image Generator), Microsoft Learn).
$NGenAdvice = 'Run this script with -ExpediteNGen (or wait) and let NGen finish; do not reboot to stop NGen.'
$RebootAdvice = 'Restart the Packaging Machine, then run this script again.'
$RebootAfterNGenAdvice = 'First let NGen finish (this script with -ExpediteNGen, or wait), then restart the Packaging Machine and run this script again.'
$BlockerAdvice = @{
    msiInProgress         = 'Wait for the installation (msiexec) to finish or answer its prompts, then run this script again.'
    runOncePending        = 'Restart and log in so the RunOnce entries run (or remove the ones you do not want), then run this script again.'
    smsCfgIni             = 'Stop the ConfigMgr client (CcmExec) and delete %WINDIR%\SMSCFG.INI, then run this script again.'
    wemAgentRsaKey        = 'Delete the file named above (the WEM agent makes a new key at its next start), then run this script again.'
    probeIncomplete       = 'Run this script elevated (as Administrator) in 64-bit PowerShell.'
}
$RebootBlockers = @('bootDriverReboot', 'postInstallReboot', 'windowsUpgradePending', 'runOncePending')
$NGenBlockers = @('ngenInProgress', 'ngenNeeded')

# Seconds between two `ngen queue status` reads while -ExpediteNGen waits for the queue to empty.
$NGenPollSeconds = 30

# =============================================================================================
# Windows reads. Every check reads Windows only through these functions, so a test can define
# its own before the checks run (a function wins over a cmdlet of the same name).
# =============================================================================================

# Human messages: stderr only. Write-Host would reach stdout when powershell.exe -File runs with
# a redirected stdout (as under elm or Azure Run Command) and spoil the JSON report.
function Say([string]$Message) {
    [Console]::Error.WriteLine($Message)
}

function Test-IsWindows {
    return ($env:OS -eq 'Windows_NT')
}

# 64-bit Windows with a 32-bit PowerShell sees the WOW64 registry view: every check would read
# the wrong keys.
function Get-ProcessBitness {
    return New-Object PSObject -Property @{
        Os64      = [Environment]::Is64BitOperatingSystem
        Process64 = [Environment]::Is64BitProcess
    }
}

function Get-Now {
    return [DateTime]::UtcNow
}

# One registry value, or $null when the key or the value does not exist.
function Get-RegValue([string]$Path, [string]$Name) {
    if (-not (Test-Path -LiteralPath $Path)) { return $null }
    $item = Get-Item -LiteralPath $Path -ErrorAction Stop
    return $item.GetValue($Name, $null)
}

# The value names (not the default value) of a registry key; empty when the key does not exist.
function Get-RegValueNames([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return @() }
    $item = Get-Item -LiteralPath $Path -ErrorAction Stop
    return @($item.GetValueNames() | Where-Object { $_ -ne '' })
}

function Test-RegKey([string]$Path) {
    return [bool](Test-Path -LiteralPath $Path)
}

# The subkeys of a registry key as objects with their values: @{ Name; Values = @{...} }.
function Get-RegSubKeys([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path)) { return @() }
    $out = @()
    foreach ($sub in @(Get-ChildItem -LiteralPath $Path -ErrorAction Stop)) {
        $values = @{}
        foreach ($n in @($sub.GetValueNames())) { $values[$n] = $sub.GetValue($n, $null) }
        $out += New-Object PSObject -Property @{ Name = $sub.PSChildName; Values = $values }
    }
    return $out
}

function Test-FileExists([string]$Path) {
    return [bool](Test-Path -LiteralPath $Path -PathType Leaf)
}

# Last write time (UTC) of a file, or $null when it does not exist.
function Get-FileTimeUtc([string]$Path) {
    if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return $null }
    return (Get-Item -LiteralPath $Path -ErrorAction Stop).LastWriteTimeUtc
}

# CIM instances (WMI); -Filter is a WQL condition.
function Get-CimData([string]$ClassName, [string]$Namespace = 'root\cimv2', [string]$Filter) {
    if ($Filter) { return @(Get-CimInstance -Namespace $Namespace -ClassName $ClassName -Filter $Filter -ErrorAction Stop) }
    return @(Get-CimInstance -Namespace $Namespace -ClassName $ClassName -ErrorAction Stop)
}

# The ConfigMgr client's own answer, or $null when the client is not installed.
function Get-ConfigMgrRebootState {
    try {
        $null = Get-CimInstance -Namespace 'root\ccm\ClientSDK' -ClassName 'CCM_ClientUtilities' -ErrorAction Stop | Select-Object -First 1
    } catch {
        return $null
    }
    return Invoke-CimMethod -Namespace 'root\ccm\ClientSDK' -ClassName 'CCM_ClientUtilities' -MethodName 'DetermineIfRebootPending' -ErrorAction Stop
}

# Running processes with their command lines (Win32_Process), by executable name.
function Get-ProcessesNamed([string[]]$Names) {
    $filter = (@($Names | ForEach-Object { "Name='" + $_ + "'" }) -join ' OR ')
    return @(Get-CimData -ClassName 'Win32_Process' -Filter $filter)
}

# The .NET Framework NGEN scheduled tasks (\Microsoft\Windows\.NET Framework\). Get-ScheduledTask
# -TaskPath fails with ObjectNotFound ("No MSFT_ScheduledTask objects found") when the folder
# holds no task, as on a Windows without them: that is "no tasks", not a failed check.
function Get-NGenScheduledTasks {
    try {
        return @(Get-ScheduledTask -TaskPath '\Microsoft\Windows\.NET Framework\' -ErrorAction Stop)
    } catch {
        if ([string]$_.CategoryInfo.Category -eq 'ObjectNotFound') { return @() }
        throw
    }
}

# One service (Win32_Service: State, StartMode, AcceptStop), or $null when it does not exist.
function Get-ServiceInfo([string]$Name) {
    $s = @(Get-CimData -ClassName 'Win32_Service' -Filter ("Name='" + $Name + "'"))
    if ($s.Count -eq 0) { return $null }
    return $s[0]
}

# Start type of a service ('Auto', 'Manual', 'Disabled', ...), or $null when it does not exist.
function Get-ServiceStartType([string]$Name) {
    $s = Get-ServiceInfo $Name
    if ($null -eq $s) { return $null }
    return [string]$s.StartMode
}

# The file names in a folder that match a wildcard; empty when the folder does not exist.
function Get-FileNames([string]$Folder, [string]$Filter) {
    if (-not (Test-Path -LiteralPath $Folder -PathType Container)) { return @() }
    return @(Get-ChildItem -LiteralPath $Folder -Filter $Filter -File -Force -ErrorAction Stop | ForEach-Object { $_.Name })
}

# The names of the files and folders in a folder that match a wildcard; empty when it does not exist.
function Get-ChildNames([string]$Folder, [string]$Filter) {
    if (-not (Test-Path -LiteralPath $Folder -PathType Container)) { return @() }
    return @(Get-ChildItem -LiteralPath $Folder -Filter $Filter -Force -ErrorAction Stop | ForEach-Object { $_.Name })
}

# IPv6 (ms_tcpip6) bound or unbound on each network adapter (Get-NetAdapterBinding, NetAdapter
# module, Windows 8 / Server 2012 and later): @{ Name; Enabled }; empty where the module is absent.
function Get-IPv6Bindings {
    if (-not (Get-Command -Name 'Get-NetAdapterBinding' -ErrorAction SilentlyContinue)) { return @() }
    return @(Get-NetAdapterBinding -ComponentID 'ms_tcpip6' -ErrorAction Stop | ForEach-Object { New-Object PSObject -Property @{ Name = [string]$_.Name; Enabled = [bool]$_.Enabled } })
}

function Wait-Seconds([int]$Seconds) {
    Start-Sleep -Seconds $Seconds
}

# Writes the report file whole: a temp file beside it renamed over it, so a reader never sees half.
function Write-ReportFile([string]$Path, [string]$Text) {
    $dir = [System.IO.Path]::GetDirectoryName($Path)
    if ($dir -and -not (Test-Path -LiteralPath $dir)) { $null = New-Item -ItemType Directory -Path $dir -Force -ErrorAction Stop }
    $temp = $Path + '.tmp'
    [System.IO.File]::WriteAllText($temp, $Text, (New-Object System.Text.UTF8Encoding($false)))
    if (Test-Path -LiteralPath $Path) { Remove-Item -LiteralPath $Path -Force -ErrorAction Stop }
    Move-Item -LiteralPath $temp -Destination $Path -Force -ErrorAction Stop
}

function Test-ExceptionIs($Exception, [type]$Type) {
    $e = $Exception
    while ($null -ne $e) {
        if ($e -is $Type) { return $true }
        $e = $e.InnerException
    }
    return $false
}

# 'free' (no install running), 'busy' (held by msiexec), 'denied' (exists, cannot be opened).
# The mutex exists whenever the Windows Installer service runs, so it is busy only when it
# cannot be taken.
function Get-MsiMutexState {
    # .NET exceptions reach PowerShell wrapped (MethodInvocationException): look inside.
    $mutex = $null
    try {
        $mutex = [System.Threading.Mutex]::OpenExisting('Global\_MSIExecute')
    } catch {
        if (Test-ExceptionIs $_.Exception ([System.UnauthorizedAccessException])) { return 'denied' }
        if (Test-ExceptionIs $_.Exception ([System.Threading.WaitHandleCannotBeOpenedException])) { return 'free' }
        throw
    }
    try {
        $taken = $false
        try {
            $taken = $mutex.WaitOne(0)
        } catch {
            # An abandoned mutex is taken by the waiter: no install holds it.
            if (-not (Test-ExceptionIs $_.Exception ([System.Threading.AbandonedMutexException]))) { throw }
            $taken = $true
        }
        if ($taken) {
            $mutex.ReleaseMutex()
            return 'free'
        }
        return 'busy'
    } finally {
        $mutex.Dispose()
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

# Every ngen.exe of the .NET Framework: Framework and Framework64, v4 and v2.0 where present.
function Get-NGenPaths {
    if (-not $env:WINDIR) { return @() }
    $found = @()
    foreach ($fw in @('Framework', 'Framework64')) {
        foreach ($ver in @('v4.0.30319', 'v2.0.50727')) {
            $ngen = $env:WINDIR.TrimEnd('\') + '\Microsoft.NET\' + $fw + '\' + $ver + '\ngen.exe'
            if (Test-FileExists $ngen) { $found += $ngen }
        }
    }
    return $found
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

# =============================================================================================
# Helpers
# =============================================================================================

function ConvertTo-IsoUtc($When) {
    if ($null -eq $When) { return $null }
    return ([DateTime]$When).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
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

# A check's findings: the blockers it raises, their reasons, and details for the report.
function New-Findings {
    return New-Object PSObject -Property @{
        Blockers = New-Object System.Collections.Generic.List[string]
        Reasons  = [ordered]@{}
        Details  = [ordered]@{}
    }
}

function Add-Reason($Findings, [string]$Blocker, [string]$Reason) {
    if (-not $Findings.Reasons.Contains($Blocker)) { $Findings.Reasons[$Blocker] = New-Object System.Collections.Generic.List[string] }
    $Findings.Reasons[$Blocker].Add($Reason)
    if (-not $Findings.Blockers.Contains($Blocker)) { $Findings.Blockers.Add($Blocker) }
}

# =============================================================================================
# The checks. Each takes the findings and adds to them; Invoke-Checks catches each one's errors
# so that one odd registry value loses that check (probeIncomplete), not the report.
# =============================================================================================

$SessionManager = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'

# Session Manager\PendingFileRenameOperations (and ...2): REG_MULTI_SZ (source, target) pairs that
# smss.exe applies at the next boot; an empty target deletes the source (MoveFileEx with
# MOVEFILE_DELAY_UNTIL_REBOOT, Microsoft Learn). Each value holds its own pairs: an odd entry at
# the end of one never shifts the pairs of the other. A rename of a .sys file into a driver
# folder updates a boot driver; Defender platform clean-ups are routine and ignored.
function Get-PendingRenames {
    $out = @()
    foreach ($valueName in @('PendingFileRenameOperations', 'PendingFileRenameOperations2')) {
        $raw = @()
        $v = Get-RegValue -Path $SessionManager -Name $valueName
        if ($null -ne $v) { $raw = @($v) }
        for ($i = 0; $i -lt $raw.Count; $i += 2) {
            $source = [string]$raw[$i]
            $target = ''
            if ($i + 1 -lt $raw.Count) { $target = [string]$raw[$i + 1] }
            if ($source -eq '' -and $target -eq '') { continue }
            $out += New-Object PSObject -Property @{ Source = $source; Target = $target }
        }
    }
    return $out
}

function Test-DefenderCleanup($Rename) {
    return ($Rename.Source -match '(?i)\\Windows Defender\\Platform\\|\\Windows Defender Advanced Threat Protection\\Platform\\')
}

function Test-DriverRename($Rename) {
    if ($Rename.Target -eq '') { return $false }
    $target = $Rename.Target.TrimStart('!')
    return ($target -match '(?i)\\(System32|SysWOW64|Sysnative)\\(drivers|DriverStore)\\.*\.sys$')
}

function Test-BootDriverReboot($F) {
    $renames = @(Get-PendingRenames)
    $driver = @($renames | Where-Object { -not (Test-DefenderCleanup $_) -and (Test-DriverRename $_) })
    $F.Details['pendingDriverRenames'] = @($driver | ForEach-Object { $_.Target.TrimStart('!') })
    foreach ($r in $driver) { Add-Reason $F 'bootDriverReboot' ('pending driver rename: ' + $r.Target.TrimStart('!')) }
    # Devices whose ConfigManagerErrorCode is 14: "This device cannot work properly until you
    # restart your computer" (Win32_PnPEntity).
    $devices = @(Get-CimData -ClassName 'Win32_PnPEntity' -Filter 'ConfigManagerErrorCode = 14')
    $F.Details['devicesNeedingRestart'] = @($devices | ForEach-Object { [string]$_.Name })
    foreach ($d in $devices) { Add-Reason $F 'bootDriverReboot' ('device needs a restart: ' + [string]$d.Name) }
}

function Test-PostInstallReboot($F) {
    $renames = @(Get-PendingRenames)
    $other = @($renames | Where-Object { -not (Test-DefenderCleanup $_) -and -not (Test-DriverRename $_) })
    $F.Details['pendingFileRenames'] = [int]$renames.Count
    $F.Details['pendingOtherRenames'] = @($other | ForEach-Object { $_.Source })
    if ($other.Count -gt 0) { Add-Reason $F 'postInstallReboot' ('PendingFileRenameOperations: ' + $other.Count + $(if ($other.Count -eq 1) { ' file' } else { ' files' })) }

    $cbs = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing'
    foreach ($key in @('RebootPending', 'RebootInProgress', 'PackagesPending')) {
        if (Test-RegKey ($cbs + '\' + $key)) { Add-Reason $F 'postInstallReboot' ('Component Based Servicing\' + $key) }
    }
    if (Test-RegKey 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired') {
        Add-Reason $F 'postInstallReboot' 'WindowsUpdate\Auto Update\RebootRequired'
    }
    # A domain join finishes at the next boot.
    $netlogon = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'
    foreach ($name in @('JoinDomain', 'AvoidSpnSet')) {
        if ($null -ne (Get-RegValue -Path $netlogon -Name $name)) { Add-Reason $F 'postInstallReboot' ('Netlogon\' + $name) }
    }
    # A pending computer rename: the active name differs from the one set for the next boot.
    $active = Get-RegValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName' -Name 'ComputerName'
    $pendingName = Get-RegValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName' -Name 'ComputerName'
    if ($null -ne $active -and $null -ne $pendingName -and [string]$active -ne [string]$pendingName) {
        Add-Reason $F 'postInstallReboot' ('computer rename pending: ' + $active + ' -> ' + $pendingName)
    }
    # update.exe-based installers (Forefront Client Security, "Incomplete Updates check"): the
    # UpdateExeVolatile key (its Flags value, when there, non-zero), or a non-zero value of that
    # name under Updates, as some update.exe versions write it.
    $uev = 'HKLM:\SOFTWARE\Microsoft\Updates\UpdateExeVolatile'
    if (Test-RegKey $uev) {
        $flags = Get-RegValue -Path $uev -Name 'Flags'
        if ($null -eq $flags -or [int64]$flags -ne 0) { Add-Reason $F 'postInstallReboot' 'Updates\UpdateExeVolatile' }
    }
    $uevValue = Get-RegValue -Path 'HKLM:\SOFTWARE\Microsoft\Updates' -Name 'UpdateExeVolatile'
    if ($null -ne $uevValue -and [int64]$uevValue -ne 0) { Add-Reason $F 'postInstallReboot' ('Updates\UpdateExeVolatile value ' + $uevValue) }
    if (Test-RegKey 'HKLM:\SOFTWARE\Microsoft\ServerManager\CurrentRebootAttempts') {
        Add-Reason $F 'postInstallReboot' 'ServerManager\CurrentRebootAttempts'
    }
    $ccm = Get-ConfigMgrRebootState
    if ($null -ne $ccm -and ($ccm.RebootPending -or $ccm.IsHardRebootPending)) {
        Add-Reason $F 'postInstallReboot' 'ConfigMgr client: DetermineIfRebootPending'
    }
}

# Windows Installer ("_MSIExecute Mutex", Microsoft Learn): while an installation runs, the
# Windows Installer service (msiserver) accepts only the shutdown control, not stop
# (Win32_Service.AcceptStop False while Running). That read changes nothing; taking the
# Global\_MSIExecute mutex is the fallback where the service cannot be read.
function Test-MsiInProgress($F) {
    $svc = Get-ServiceInfo 'msiserver'
    if ($null -ne $svc -and $null -ne $svc.AcceptStop) {
        $running = ([string]$svc.State -eq 'Running')
        $installing = ($running -and -not [bool]$svc.AcceptStop)
        $F.Details['msiServer'] = $(if ($installing) { 'installing' } elseif ($running) { 'idle' } else { ([string]$svc.State).ToLowerInvariant() })
        if ($installing) { Add-Reason $F 'msiInProgress' 'msiserver accepts only shutdown (an installation runs)' }
    } else {
        $state = Get-MsiMutexState
        $F.Details['msiMutex'] = $state
        if ($state -eq 'busy') { Add-Reason $F 'msiInProgress' 'Global\_MSIExecute mutex busy' }
        # It exists but this account may not open it: nothing is known about an installation.
        if ($state -eq 'denied') { Add-Reason $F 'probeIncomplete' 'Global\_MSIExecute mutex exists but cannot be opened (access denied); run the probe as Administrator' }
    }
    if (Test-RegKey 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\InProgress') {
        Add-Reason $F 'msiInProgress' 'Installer\InProgress'
    }
    # An installation waiting at its first dialog holds neither: its msiexec has a package, a
    # patch or an install/repair/remove/patch option on its command line (Msiexec.exe command-line
    # options, Microsoft Learn); the Windows Installer service itself runs as "msiexec.exe /V".
    foreach ($p in @(Get-ProcessesNamed @('msiexec.exe'))) {
        $cmd = [string]$p.CommandLine
        if ($cmd -match '(?i)\.ms[ip]\b|(^|\s)[/-](i|p|x|f|a|j|update|uninstall|package)(\b|$)') { Add-Reason $F 'msiInProgress' ('msiexec running: ' + $cmd) }
    }
}

# `ngen queue status` in one framework folder: 'stopped', 'running', or $null when it cannot be
# read (ngen needs an elevated prompt).
function Get-NGenQueueState([string]$NGenPath) {
    $r = Invoke-Native -FilePath $NGenPath -Arguments @('queue', 'status')
    $text = ($r.Lines -join "`n")
    if ($r.ExitCode -ne 0) { return New-Object PSObject -Property @{ State = $null; Why = ('exit ' + $r.ExitCode + ': ' + ($r.Lines | Select-Object -Last 1)) } }
    if ($text -like ('*' + $NGenStoppedMessage + '*')) { return New-Object PSObject -Property @{ State = 'stopped'; Why = '' } }
    if ($text -match '(?i)Optimization Service is (running|paused|starting)') { return New-Object PSObject -Property @{ State = 'running'; Why = '' } }
    # Text in another language (a localized Windows): the state of the framework's optimization
    # service instead, clr_optimization_<version>_32/_64 ("Native Image Service", Ngen.exe docs),
    # which runs while its queue holds work and stops when the queue is empty.
    $service = Get-NGenServiceName $NGenPath
    $svc = $null
    if ($service) { $svc = Get-ServiceInfo $service }
    if ($null -ne $svc) {
        $state = $(if ([string]$svc.State -eq 'Stopped') { 'stopped' } else { 'running' })
        return New-Object PSObject -Property @{ State = $state; Why = ('output not recognized; service ' + $service + ' ' + [string]$svc.State) }
    }
    return New-Object PSObject -Property @{ State = $null; Why = ('unrecognized output: ' + ($r.Lines | Select-Object -Last 1)) }
}

# clr_optimization_v4.0.30319_64 for Framework64\v4.0.30319\ngen.exe, _32 for Framework.
function Get-NGenServiceName([string]$NGenPath) {
    if ($NGenPath -notmatch '(?i)\\(Framework64|Framework)\\(v[0-9.]+)\\') { return $null }
    $bits = $(if ($Matches[1] -ieq 'Framework64') { '64' } else { '32' })
    return ('clr_optimization_' + $Matches[2] + '_' + $bits)
}

# Compiling now: the NGen worker (mscorsvw.exe), the native image task (ngentask.exe), or a
# .NET Framework NGEN scheduled task Running. Queued but idle: the optimization service runs
# (it keeps running while its queue holds items) without any of those.
function Test-NGen($F) {
    foreach ($p in @(Get-ProcessesNamed @('mscorsvw.exe', 'ngentask.exe'))) {
        Add-Reason $F 'ngenInProgress' ([string]$p.Name + ' running')
    }
    # Since Windows 8 NGen compiles in the .NET Framework NGEN scheduled tasks (Ngen.exe, "Native
    # Image Task"): one Running compiles now; one Queued is about to, even while the optimization
    # service is stopped.
    foreach ($t in @(Get-NGenScheduledTasks)) {
        if ([string]$t.State -eq 'Running') { Add-Reason $F 'ngenInProgress' ('scheduled task running: ' + [string]$t.TaskName) }
        if ([string]$t.State -eq 'Queued') { Add-Reason $F 'ngenNeeded' ('scheduled task queued: ' + [string]$t.TaskName) }
    }
    $queue = @()
    foreach ($ngen in @(Get-NGenPaths)) {
        $s = Get-NGenQueueState $ngen
        if ($null -eq $s.State) {
            $queue += [ordered]@{ ngen = $ngen; status = 'unknown' }
            Add-Reason $F 'probeIncomplete' ('ngen queue status failed in ' + $ngen + ' (' + $s.Why + '); run the probe as Administrator')
        } else {
            $queue += [ordered]@{ ngen = $ngen; status = $s.State }
            if ($s.State -eq 'running' -and -not $F.Blockers.Contains('ngenInProgress')) {
                Add-Reason $F 'ngenNeeded' ('NGen work queued: ' + $ngen)
            }
        }
    }
    $F.Details['ngenQueue'] = @($queue)
}

function Test-RunOnce($F) {
    $runOnce = @()
    foreach ($key in @(
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce',
            'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\RunOnce')) {
        $runOnce += @(Get-RegValueNames -Path $key)
    }
    $F.Details['runOnce'] = @($runOnce)
    if ($runOnce.Count -gt 0) { Add-Reason $F 'runOncePending' ('' + $runOnce.Count + $(if ($runOnce.Count -eq 1) { ' RunOnce entry' } else { ' RunOnce entries' })) }
}

# SMSCFG.INI holds the ConfigMgr client identity; Citrix: remove it when the client (CcmExec,
# the SMS Agent Host) is configured to run, or every image shares one identity.
function Test-SmsCfgIni($F) {
    $present = $false
    if ($env:WINDIR) { $present = Test-FileExists ($env:WINDIR.TrimEnd('\') + '\SMSCFG.INI') }
    $start = Get-ServiceStartType 'CcmExec'
    $F.Details['smsCfgIni'] = $present
    $F.Details['ccmExecStartType'] = $start
    if ($present -and $null -ne $start -and $start -ne 'Disabled') { Add-Reason $F 'smsCfgIni' ('SMSCFG.INI with CcmExec ' + $start) }
}

# The Citrix WEM agent keeps an RSA key in the machine key store of LocalSystem; Citrix: delete it
# before finalizing a layer with the agent (App Layering 4, "Create platform layer"), or every
# image shares one agent identity.
function Test-WemAgentRsaKey($F) {
    $found = @()
    if ($env:ProgramData) {
        $folder = $env:ProgramData.TrimEnd('\') + '\Microsoft\Crypto\RSA\S-1-5-18'
        $found = @(Get-FileNames $folder 'fb8cc9e38d3e60ab60c17cdfd6dd6d99_*' | ForEach-Object { $folder + '\' + $_ })
    }
    $F.Details['wemAgentRsaKeys'] = @($found)
    foreach ($k in $found) { Add-Reason $F 'wemAgentRsaKey' $k }
}

# Nothing of elm's may stay in the layer: its build-step files in the Windows temp folder (elm's
# vSphere steps) and the copies of its build steps (run commands named elm-step-*) that a managed
# Run Command downloaded under C:\Packages\Plugins\Microsoft.CPlat.Core.RunCommandHandlerWindows\
# <version>\Downloads ("Run scripts in your Windows VM by using managed Run Commands",
# Troubleshooting). The report names what is left (details.elmLeftovers: empty says nothing is);
# elm removes each step's files and run command after the step, and Azure's copy of this probe
# with the Run Command extension before the capture.
function Test-ElmLeftovers($F) {
    $found = @()
    if ($env:WINDIR) {
        $temp = $env:WINDIR.TrimEnd('\') + '\Temp'
        $found += @(Get-ChildNames $temp 'elm-step-*' | ForEach-Object { $temp + '\' + $_ })
    }
    if ($env:SystemDrive) {
        $handler = $env:SystemDrive.TrimEnd('\') + '\Packages\Plugins\Microsoft.CPlat.Core.RunCommandHandlerWindows'
        foreach ($version in @(Get-ChildNames $handler '*')) {
            $downloads = $handler + '\' + $version + '\Downloads'
            $found += @(Get-ChildNames $downloads 'elm-step-*' | ForEach-Object { $downloads + '\' + $_ })
        }
    }
    $F.Details['elmLeftovers'] = @($found)
}

# A Windows feature upgrade staged by Windows Setup keeps its progress under Setup\MoSetup\Volatile
# until the restart that completes it.
function Test-WindowsUpgrade($F) {
    $pending = Test-RegKey 'HKLM:\SYSTEM\Setup\MoSetup\Volatile'
    $F.Details['windowsUpgradePending'] = $pending
    if ($pending) { Add-Reason $F 'windowsUpgradePending' 'Setup\MoSetup\Volatile' }
}

# DisabledComponents bit 0x10 disables IPv6 on all non-tunnel interfaces; 0xFF on all of them
# ("Configuring IPv6 for advanced users", Microsoft Learn). IPv6 unbound (ms_tcpip6) from every
# adapter is off as well.
function Test-IPv6($F, [bool]$Expect) {
    $ipv6 = $true
    $dc = Get-RegValue -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters' -Name 'DisabledComponents'
    if ($null -ne $dc) {
        # REG_DWORD reads back as Int32 (0xFFFFFFFF is -1): report it unsigned.
        $dcValue = ([int64]$dc) -band [int64]4294967295
        $F.Details['ipv6DisabledComponents'] = $dcValue
        if ((($dcValue -band 0xFF) -eq 0xFF) -or (($dcValue -band 0x10) -ne 0)) { $ipv6 = $false }
    }
    $bindings = @(Get-IPv6Bindings)
    $unbound = @($bindings | Where-Object { -not $_.Enabled } | ForEach-Object { [string]$_.Name })
    $F.Details['ipv6UnboundAdapters'] = @($unbound)
    $why = $(if ($null -ne $dc) { 'DisabledComponents 0x{0:X}' -f $dcValue } else { '' })
    if ($bindings.Count -gt 0 -and $unbound.Count -eq $bindings.Count) {
        $ipv6 = $false
        $why = 'ms_tcpip6 unbound from every adapter'
    }
    $F.Details['ipv6Enabled'] = $ipv6
    if ($Expect -and -not $ipv6) { Add-Reason $F 'ipv6DisabledOnPlatformLayer' $why }
}

function Test-Pvs($F, [string]$Expected) {
    $version = $null
    foreach ($root in @(
            'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
            'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall')) {
        foreach ($sub in @(Get-RegSubKeys $root)) {
            $name = [string]$sub.Values['DisplayName']
            $ver = [string]$sub.Values['DisplayVersion']
            if (($name -like 'Citrix Provisioning*Target Device*') -and $ver -ne '') {
                $version = $ver
                $F.Details['pvsTargetDeviceName'] = $name
                break
            }
        }
        if ($null -ne $version) { break }
    }
    $F.Details['pvsTargetDeviceVersion'] = $version
    if ($Expected) {
        if ($null -eq $version) {
            Add-Reason $F 'pvsTargetDeviceMissing' ('expected ' + $Expected)
        } elseif (-not (Test-SameVersion $version $Expected)) {
            Add-Reason $F 'pvsTargetDeviceMismatch' ($version + ' installed, ' + $Expected + ' expected')
        }
    }
}

# "2203.0.0" equals "2203": numeric segments compared without trailing zeros (as elm does).
function Test-SameVersion([string]$A, [string]$B) {
    $key = {
        param([string]$v)
        $parts = @($v.Trim().TrimStart('v', 'V') -split '[.\s]+' | Where-Object { $_ -ne '' } | ForEach-Object {
                if ($_ -match '^\d+$') { [string][int64]$_ } else { $_.ToLowerInvariant() }
            })
        while ($parts.Count -gt 1 -and $parts[$parts.Count - 1] -eq '0') { $parts = @($parts[0..($parts.Count - 2)]) }
        $parts -join '.'
    }
    return ((& $key $A) -eq (& $key $B))
}

# KMS rearm: the marker %ProgramData%\elm\kms-rearmed counts when written since the last boot
# (the rearm takes effect at the next boot) and SkipRearm is not 1 (a rearm then does nothing).
function Test-Kms($F, [bool]$Required, $LastBoot) {
    $spp = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform'
    $skip = Get-RegValue -Path $spp -Name 'SkipRearm'
    $F.Details['kmsSkipRearm'] = $(if ($null -ne $skip) { [int64]$skip } else { $null })
    $marker = $null
    if ($env:ProgramData) { $marker = Get-FileTimeUtc ($env:ProgramData.TrimEnd('\') + '\elm\kms-rearmed') }
    $F.Details['kmsRearmMarkerAt'] = ConvertTo-IsoUtc $marker
    $rearmed = $null
    if ($null -ne $marker) {
        $rearmed = ($null -ne $LastBoot -and $marker.ToUniversalTime() -gt ([DateTime]$LastBoot).ToUniversalTime() -and ($null -eq $skip -or [int64]$skip -ne 1))
    }
    $remaining = $null
    $sls = @(Get-CimData -ClassName 'SoftwareLicensingService')
    if ($sls.Count -gt 0 -and $null -ne $sls[0].RemainingWindowsReArmCount) { $remaining = [int64]$sls[0].RemainingWindowsReArmCount }
    $F.Details['kmsRemainingRearmCount'] = $remaining
    $F.Details['kmsRearmed'] = $rearmed
    if ($Required -and $rearmed -ne $true) {
        $why = 'no %ProgramData%\elm\kms-rearmed marker newer than the last boot'
        if ($null -ne $skip -and [int64]$skip -eq 1) { $why = 'SkipRearm is 1: a rearm does nothing' }
        if ($remaining -eq 0) { $why += '; Windows has no rearm left (RemainingWindowsReArmCount 0)' }
        Add-Reason $F 'kmsRearmPending' $why
    }
}

# Where and when this report was taken: the last boot, and the boot disk's identity (MBR
# signature or GPT GUID, serial number) as Windows' storage provider exposes it.
function Get-MachineIdentity($F) {
    $os = @(Get-CimData -ClassName 'Win32_OperatingSystem')
    $boot = $null
    if ($os.Count -gt 0) { $boot = $os[0].LastBootUpTime }
    $F.Details['lastBootTime'] = ConvertTo-IsoUtc $boot
    $disk = @(Get-CimData -ClassName 'MSFT_Disk' -Namespace 'root\Microsoft\Windows\Storage' -Filter 'IsBoot = TRUE')
    if ($disk.Count -gt 0) {
        $d = $disk[0]
        $F.Details['bootDisk'] = [ordered]@{
            signature    = $(if ($null -ne $d.Signature) { [int64]$d.Signature } else { $null })
            guid         = $(if ($d.Guid) { [string]$d.Guid } else { $null })
            serialNumber = $(if ($d.SerialNumber) { ([string]$d.SerialNumber).Trim() } else { $null })
            uniqueId     = $(if ($d.UniqueId) { [string]$d.UniqueId } else { $null })
        }
    }
    return $boot
}

# Runs one check; an error loses that check (probeIncomplete with the reason), not the report.
function Invoke-Check($F, [string]$Name, [scriptblock]$Check) {
    try {
        & $Check
    } catch {
        # The first line only: the report has no room for PowerShell's multi-line advice.
        Add-Reason $F 'probeIncomplete' ($Name + ' failed: ' + (([string]$_.Exception.Message) -split "`r?`n")[0])
    }
}

function Invoke-Checks([string]$PvsVersion, [bool]$KmsRearm, [bool]$ExpectIPv6) {
    $F = New-Findings
    $script:LastBoot = $null
    Invoke-Check $F 'machine identity' { $script:LastBoot = Get-MachineIdentity $F }
    Invoke-Check $F 'boot driver reboot' { Test-BootDriverReboot $F }
    Invoke-Check $F 'post-installation reboot' { Test-PostInstallReboot $F }
    Invoke-Check $F 'MSI' { Test-MsiInProgress $F }
    Invoke-Check $F 'NGen' { Test-NGen $F }
    Invoke-Check $F 'RunOnce' { Test-RunOnce $F }
    Invoke-Check $F 'SMSCFG.INI' { Test-SmsCfgIni $F }
    Invoke-Check $F 'WEM agent RSA key' { Test-WemAgentRsaKey $F }
    Invoke-Check $F 'Windows upgrade' { Test-WindowsUpgrade $F }
    Invoke-Check $F 'elm leftovers' { Test-ElmLeftovers $F }
    Invoke-Check $F 'IPv6' { Test-IPv6 $F $ExpectIPv6 }
    Invoke-Check $F 'PVS Target Device' { Test-Pvs $F $PvsVersion }
    Invoke-Check $F 'KMS' { Test-Kms $F $KmsRearm $script:LastBoot }
    return $F
}

# =============================================================================================
# Expedite NGen: compile queued work now, within one budget that started with the script.
# Never stops NGen, never reboots.
# =============================================================================================
function Invoke-ExpediteNGen([DateTime]$Deadline) {
    $ngens = @(Get-NGenPaths)
    if ($ngens.Count -eq 0) {
        Say 'Expedite NGen: no .NET Framework ngen.exe found; nothing to do.'
        return 'nothing'
    }
    Say 'Expedite NGen: compiling queued NGen work now. This never reboots the machine: an interrupted'
    Say 'NGen operation can break .NET assemblies, so it is always allowed to complete.'
    $longest = [TimeSpan]::FromMinutes($MinNGenStepMinutes)
    foreach ($action in @(@('update', '/force'), @('executeQueuedItems'))) {
        foreach ($ngen in $ngens) {
            $left = $Deadline - (Get-Now)
            if ($left -lt $longest) {
                Say ('Expedite NGen: ' + [int]$left.TotalMinutes + $(if ([int]$left.TotalMinutes -eq 1) { ' minute' } else { ' minutes' }) + ' left of the budget, less than a compile step may take (' + [int]$longest.TotalMinutes + '); not starting ' + $ngen + ' ' + ($action -join ' ') + '. Run the probe again later.')
                return 'budget'
            }
            Say ('Running: ' + $ngen + ' ' + ($action -join ' ') + '  (several "compilation failed" messages are fine)')
            $started = Get-Now
            $r = Invoke-Native -FilePath $ngen -Arguments $action -Echo
            $took = (Get-Now) - $started
            if ($took -gt $longest) { $longest = $took }
            if ($r.ExitCode -ne 0) { Say ('  ngen ' + ($action -join ' ') + ' exited with code ' + $r.ExitCode + '.') }
        }
    }
    return (Wait-NGenQueueEmpty $ngens $Deadline)
}

# `ngen queue status` until each folder reports the optimization service stopped (its queue is
# empty), within the budget. A folder whose state cannot be read is not waited for.
function Wait-NGenQueueEmpty([string[]]$NGens, [DateTime]$Deadline) {
    while ($true) {
        $busy = @($NGens | Where-Object { (Get-NGenQueueState $_).State -eq 'running' })
        if ($busy.Count -eq 0) { return 'done' }
        if (($Deadline - (Get-Now)).TotalSeconds -lt $NGenPollSeconds) {
            Say ('Expedite NGen: the budget ends while NGen still works in ' + ($busy -join ', ') + '. Run the probe again later.')
            return 'budget'
        }
        Say ('Expedite NGen: still compiling in ' + ($busy -join ', ') + '; checking again in ' + $NGenPollSeconds + ' seconds.')
        Wait-Seconds $NGenPollSeconds
    }
}

# A string cut so that it takes at most $Max characters once escaped as the JSON report writes it
# (a non-ASCII character is six: \uXXXX), never between the two halves of a surrogate pair.
function Limit-EscapedString([string]$Text, [int]$Max) {
    $used = 0
    for ($i = 0; $i -lt $Text.Length; $i++) {
        $c = [int]$Text[$i]
        $cost = $(if ($c -gt 127 -or $c -lt 32) { 6 } elseif ($c -eq 34 -or $c -eq 92) { 2 } else { 1 })
        if ($used + $cost -gt $Max) {
            if ($i -gt 0 -and [char]::IsHighSurrogate($Text[$i - 1])) { $i-- }
            return $Text.Substring(0, $i)
        }
        $used += $cost
    }
    return $Text
}

function Limit-Value($Value, [int]$MaxChars) {
    if ($Value -is [string]) { return (Limit-EscapedString $Value $MaxChars) }
    return $Value
}

# Cuts every list of the details to its first $Keep entries (with the full count beside it) and
# every string to $MaxChars escaped characters, so the printed report fits Run Command's output.
function Limit-Details($Details, [int]$Keep, [int]$MaxChars = 200) {
    $out = [ordered]@{}
    foreach ($k in @($Details.Keys)) {
        $v = $Details[$k]
        if ($v -is [System.Collections.IDictionary]) {
            $out[$k] = Limit-Details $v $Keep $MaxChars
        } elseif ($v -is [array] -or $v -is [System.Collections.IList]) {
            $items = @($v)
            $out[$k] = @($items | Select-Object -First $Keep | ForEach-Object { Limit-Value $_ $MaxChars })
            if ($items.Count -gt $Keep) { $out[$k + 'Count'] = $items.Count }
        } else {
            $out[$k] = Limit-Value $v $MaxChars
        }
    }
    return $out
}

function New-Report($Machine, $At, $Blockers, [bool]$ShutdownRequested, $Details) {
    return [ordered]@{
        schema            = 1
        machine           = [string]$Machine
        at                = $At
        blockers          = @($Blockers)
        shutdownRequested = $ShutdownRequested
        details           = $Details
    }
}

# The printed report: the full one when it fits, else lists cut shorter and shorter, then their
# strings; every list keeps its first entry (its count beside it).
function Get-PrintedJson($Report) {
    foreach ($cut in @(@(5, 200), @(3, 200), @(1, 200), @(1, 100), @(1, 48))) {
        $short = New-Report $Report.machine $Report.at $Report.blockers $Report.shutdownRequested (Limit-Details $Report.details $cut[0] $cut[1])
        if ($cut[0] -lt 5) { $short.details['truncated'] = $true }
        $json = ConvertTo-AsciiJson $short
        if ($json.Length -le $MaxPrintedBytes) { return $json }
    }
    return $json
}

# =============================================================================================
# The probe: returns @{ ExitCode; Json (printed); FullJson (for -ReportPath); Report }.
# =============================================================================================
function Invoke-ShutdownForFinalize {
    param(
        [string]$ReportPath,
        [switch]$Shutdown,
        [switch]$ExpediteNGen,
        [int]$NGenWaitMinutes = 80,
        [string]$PvsVersion,
        [switch]$KmsRearm,
        [switch]$ExpectIPv6,
        [DateTime]$StartedAt = (Get-Now)
    )
    $bits = Get-ProcessBitness
    if ($bits.Os64 -and -not $bits.Process64) {
        Say 'ShutdownForFinalize.ps1 refuses to run in 32-bit PowerShell on 64-bit Windows (it would read the 32-bit registry view): run it with %SystemRoot%\System32\WindowsPowerShell\v1.0\powershell.exe (%SystemRoot%\Sysnative\... from a 32-bit program).'
        return New-Object PSObject -Property @{ ExitCode = 2; Json = $null; FullJson = $null; Report = $null; ShutdownPending = $false; ReportFile = $null }
    }
    Say 'Shutdown For Finalize: checking that the layer is ready to be finalized...'
    $elevated = Test-Elevated
    if ((Test-IsWindows) -and $elevated -eq $false) { Say 'Warning: not running as Administrator; some checks will be incomplete.' }

    $ngenOutcome = $null
    if ($ExpediteNGen) {
        try {
            $ngenOutcome = Invoke-ExpediteNGen ($StartedAt.AddMinutes($NGenWaitMinutes))
        } catch {
            Say ('Expedite NGen failed: ' + $_.Exception.Message)
            $ngenOutcome = 'failed'
        }
    }

    $F = Invoke-Checks -PvsVersion $PvsVersion -KmsRearm ([bool]$KmsRearm) -ExpectIPv6 ([bool]$ExpectIPv6)
    $blockers = @($F.Blockers.ToArray())
    $details = $F.Details
    $reasons = [ordered]@{}
    foreach ($k in @($F.Reasons.Keys)) { if ($k -ne 'probeIncomplete') { $reasons[$k] = @($F.Reasons[$k].ToArray()) } }
    $details['rebootReasons'] = $reasons
    if ($F.Reasons.Contains('probeIncomplete')) { $details['probeIncomplete'] = @($F.Reasons['probeIncomplete'].ToArray()) }
    if ($null -ne $ngenOutcome) { $details['expediteNGen'] = $ngenOutcome }
    $details['elevated'] = $elevated
    $details['probeVersion'] = $ProbeVersion

    # Shut down only when nothing blocks, and only once the report is out: the report says
    # shutdownRequested as it is about to be; Invoke-FinalShutdown corrects the file if Windows refuses.
    $wantShutdown = $false
    if ($Shutdown) {
        if ($blockers.Count -ne 0) {
            Say ('Not shutting down: ' + $blockers.Count + $(if ($blockers.Count -eq 1) { ' blocker' } else { ' blockers' }) + ' must be addressed first.')
        } elseif (-not (Test-IsWindows)) {
            Say 'Not shutting down: this is not Windows.'
        } else {
            $wantShutdown = $true
        }
    }

    $machine = $env:COMPUTERNAME
    if (-not $machine) { $machine = [System.Environment]::MachineName }
    $report = New-Report $machine (ConvertTo-IsoUtc (Get-Now)) $blockers $wantShutdown $details
    $written = $null
    if ($ReportPath) {
        try {
            $written = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ReportPath)
            Write-ReportFile $written (ConvertTo-AsciiJson $report)
            Say ('Report written to ' + $written)
        } catch {
            # No report where it was asked for: the machine must stay up (nothing else would know why it stopped).
            Say ('The report could not be written to ' + $ReportPath + ': ' + (([string]$_.Exception.Message) -split "`r?`n")[0])
            if ($wantShutdown) { Say 'Not shutting down without a report: give -ReportPath a folder this account can write, then run the script again.' }
            $report.shutdownRequested = $false
            return New-Object PSObject -Property @{ ExitCode = 1; Json = (Get-PrintedJson $report); FullJson = (ConvertTo-AsciiJson $report); Report = $report; ShutdownPending = $false; ReportFile = $null }
        }
    }
    Show-Blockers $F $blockers
    return New-Object PSObject -Property @{ ExitCode = 0; Json = (Get-PrintedJson $report); FullJson = (ConvertTo-AsciiJson $report); Report = $report; ShutdownPending = $wantShutdown; ReportFile = $written }
}

# Each blocker's message with its reasons and what to do beside it. With NGen at work, a restart
# waits until NGen has finished (an interrupted NGen operation can break .NET assemblies).
function Get-BlockerAdvice([string]$Id, [bool]$NGenToo) {
    if ($NGenBlockers -contains $Id) { return $NGenAdvice }
    if ($NGenToo -and $RebootBlockers -contains $Id) { return $RebootAfterNGenAdvice }
    if ($BlockerAdvice.ContainsKey($Id)) { return $BlockerAdvice[$Id] }
    if ($RebootBlockers -contains $Id) { return $RebootAdvice }
    return $null
}

function Show-Blockers($F, $Blockers) {
    if (@($Blockers).Count -eq 0) {
        Say 'No blockers: the layer is ready to be finalized.'
        return
    }
    $ngenToo = @($Blockers | Where-Object { $NGenBlockers -contains $_ }).Count -gt 0
    Say 'The layer can only be finalized when the following conditions have been addressed:'
    foreach ($id in $Blockers) {
        $message = $BlockerMessages[$id]
        if (-not $message) { $message = $id }
        Say ('  - ' + $message)
        foreach ($why in @($F.Reasons[$id] | Select-Object -First 3)) { Say ('      ' + $why) }
        $advice = Get-BlockerAdvice $id $ngenToo
        if ($advice) { Say ('    What to do: ' + $advice) }
    }
}

# After the report reached the output stream (and -ReportPath): shutdown.exe. A time-out above 0
# implies /f (shutdown.exe, Microsoft Learn), so applications still open close without saving;
# the 15 seconds let the report reach its reader. When Windows refuses, the file says so and the
# exit code is 1.
function Invoke-FinalShutdown($Result) {
    $r = Invoke-Native -FilePath 'shutdown.exe' -Arguments @('/s', '/t', '15', '/d', 'p:4:1', '/c', 'elm: Shutdown For Finalize')
    if ($r.ExitCode -eq 0) {
        Say 'The Packaging Machine shuts down in 15 seconds; applications still open are closed without saving.'
        return 0
    }
    Say ('Shutdown failed (exit ' + $r.ExitCode + '): ' + ($r.Lines -join ' '))
    $Result.Report.shutdownRequested = $false
    if ($Result.ReportFile) {
        try { Write-ReportFile $Result.ReportFile (ConvertTo-AsciiJson $Result.Report) } catch { Say ('The report could not be rewritten: ' + $_.Exception.Message) }
    }
    return 1
}

# =============================================================================================
# Main: only when invoked as a script (-File, &, Run Command), not when dot-sourced by a test.
# =============================================================================================
if ($MyInvocation.InvocationName -ne '.') {
    # Windows PowerShell 5.1 adds ETS members to System.Array that make ConvertTo-Json write some
    # arrays as {"value":[...],"Count":n}; dropping that type data keeps plain JSON arrays.
    if ($PSVersionTable.PSVersion.Major -lt 6) { Remove-TypeData -TypeName System.Array -ErrorAction SilentlyContinue }
    $ErrorActionPreference = 'Stop'
    $code = 1
    try {
        # The -ExpediteNGen budget starts here, with the script.
        $result = Invoke-ShutdownForFinalize -StartedAt (Get-Now) -ReportPath $ReportPath -Shutdown:$Shutdown -ExpediteNGen:$ExpediteNGen -NGenWaitMinutes $NGenWaitMinutes -PvsVersion $PvsVersion -KmsRearm:$KmsRearm -ExpectIPv6:$ExpectIPv6
        # The one output: the JSON report, on the output stream, before any shutdown.
        if ($result.Json) { Write-Output $result.Json }
        $code = $result.ExitCode
        if ($result.ShutdownPending) { $code = Invoke-FinalShutdown $result }
    } catch {
        Say ('ShutdownForFinalize.ps1 failed: ' + $_.Exception.Message)
    }
    exit $code
}
