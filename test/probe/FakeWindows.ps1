# A fake Windows machine for ShutdownForFinalize.ps1. Dot-sourced AFTER the script, these
# functions replace the script's Windows reads (the later definition wins), so the real checks
# run against $global:ElmFake, a plain description of the machine that each test edits.

# A clean, elevated, 64-bit machine with .NET Framework 4 in both folders and NGen idle.
function New-FakeWindows {
    $boot = [DateTime]::SpecifyKind([DateTime]'2026-11-20T08:00:00', [DateTimeKind]::Utc)
    return @{
        os64        = $true
        process64   = $true
        elevated    = $true
        now         = $boot.AddHours(2)
        lastBoot    = $boot
        # registry: key path -> @{ valueName = value }; a key listed with @{} exists with no values
        registry    = @{}
        subkeys     = @{}
        files       = @{}
        devices     = @()
        processes   = @()
        services    = @()
        ngenTasks   = @(
            [pscustomobject]@{ TaskName = '.NET Framework NGEN v4.0.30319'; State = 'Ready' },
            [pscustomobject]@{ TaskName = '.NET Framework NGEN v4.0.30319 64'; State = 'Ready' }
        )
        ngenPaths   = @('C:\Windows\Microsoft.NET\Framework\v4.0.30319\ngen.exe', 'C:\Windows\Microsoft.NET\Framework64\v4.0.30319\ngen.exe')
        # ngen.exe queue status: 'stopped', 'running', 'denied' (not elevated) or 'localized'
        # (text in another language: the probe must read the optimization services instead)
        ngenQueue   = 'stopped'
        # after -ExpediteNGen's executeQueuedItems, how many `queue status` reads still say running
        # before the queue is empty (-1: it never empties)
        ngenDrainPolls = 0
        ngenCompiled = $false
        # IPv6 (ms_tcpip6) per adapter: @{ Name; Enabled }
        ipv6Bindings = @()
        # the report file the run was given, and whether it existed when shutdown.exe ran
        reportPath  = $null
        reportAtShutdown = $null
        # minutes each ngen compile step takes (the fake clock moves on by that much)
        ngenStepMinutes = 1
        msiMutex    = 'free'
        configMgr   = $null
        bootDisk    = [pscustomobject]@{ Signature = 305419896; Guid = $null; SerialNumber = ' 6002248E1F '; UniqueId = '60022480E1F' }
        rearmCount  = 1000
        shutdownExit = 0
        # what the script did: native commands run and messages said
        calls       = New-Object System.Collections.Generic.List[string]
        said        = New-Object System.Collections.Generic.List[string]
        # a Windows read that throws, by function name (to test that one check fails alone)
        throwIn     = @{}
    }
}

function Step-Fake([string]$Name) {
    if ($global:ElmFake.throwIn.ContainsKey($Name)) { throw $global:ElmFake.throwIn[$Name] }
}

function Say([string]$Message) { $global:ElmFake.said.Add($Message) }
function Test-IsWindows { return $true }
function Test-Elevated { return $global:ElmFake.elevated }
function Get-ProcessBitness { return [pscustomobject]@{ Os64 = $global:ElmFake.os64; Process64 = $global:ElmFake.process64 } }
function Get-Now { return $global:ElmFake.now }

function Get-RegValue([string]$Path, [string]$Name) {
    Step-Fake ('Get-RegValue ' + $Name)
    $key = $global:ElmFake.registry[$Path]
    if ($null -eq $key -or -not $key.ContainsKey($Name)) { return $null }
    return $key[$Name]
}
function Get-RegValueNames([string]$Path) {
    $key = $global:ElmFake.registry[$Path]
    if ($null -eq $key) { return @() }
    return @($key.Keys)
}
function Test-RegKey([string]$Path) { return $global:ElmFake.registry.ContainsKey($Path) }
function Get-RegSubKeys([string]$Path) {
    $subs = $global:ElmFake.subkeys[$Path]
    if ($null -eq $subs) { return @() }
    return @($subs | ForEach-Object { [pscustomobject]@{ Name = $_.Name; Values = $_.Values } })
}

function Get-FakePath([string]$Path) { return ($Path -replace '/', '\') }
function Test-FileExists([string]$Path) { return $global:ElmFake.files.ContainsKey((Get-FakePath $Path)) }
function Get-FileTimeUtc([string]$Path) {
    $p = Get-FakePath $Path
    if (-not $global:ElmFake.files.ContainsKey($p)) { return $null }
    return $global:ElmFake.files[$p]
}

# WQL filters as the script writes them: "Name='a' OR Name='b'", "ConfigManagerErrorCode = 14".
function Get-CimData([string]$ClassName, [string]$Namespace = 'root\cimv2', [string]$Filter) {
    Step-Fake ('Get-CimData ' + $ClassName)
    $names = @([regex]::Matches([string]$Filter, "Name='([^']+)'") | ForEach-Object { $_.Groups[1].Value })
    switch ($ClassName) {
        'Win32_PnPEntity' { return @($global:ElmFake.devices | Where-Object { $_.ConfigManagerErrorCode -eq 14 }) }
        'Win32_Process' { return @($global:ElmFake.processes | Where-Object { $names -contains $_.Name }) }
        'Win32_Service' { return @($global:ElmFake.services | Where-Object { $names -contains $_.Name }) }
        'Win32_OperatingSystem' { return @([pscustomobject]@{ LastBootUpTime = $global:ElmFake.lastBoot }) }
        'MSFT_Disk' { if ($null -eq $global:ElmFake.bootDisk) { return @() } return @($global:ElmFake.bootDisk) }
        'SoftwareLicensingService' { return @([pscustomobject]@{ RemainingWindowsReArmCount = $global:ElmFake.rearmCount }) }
    }
    throw ('the fake has no CIM class ' + $ClassName)
}
function Get-ConfigMgrRebootState { return $global:ElmFake.configMgr }
# Get-ScheduledTask -TaskPath with no task in that folder fails with ObjectNotFound ("No
# MSFT_ScheduledTask objects found with property 'TaskPath' ...", the ScheduledTasks CDXML module).
function Get-ScheduledTask([string]$TaskPath) {
    $tasks = @($global:ElmFake.ngenTasks)
    if ($tasks.Count -eq 0) {
        Write-Error -Category ObjectNotFound -Message ("No MSFT_ScheduledTask objects found with property 'TaskPath' equal to '" + $TaskPath + "'.") -ErrorAction Stop
    }
    return $tasks
}
function Get-FileNames([string]$Folder, [string]$Filter) {
    $prefix = (Get-FakePath $Folder).TrimEnd('\') + '\'
    return @($global:ElmFake.files.Keys | Where-Object { $_.StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase) -and ($_.Substring($prefix.Length) -notmatch '\\') -and ($_.Substring($prefix.Length) -like $Filter) } | ForEach-Object { $_.Substring($prefix.Length) })
}
# The names directly under a folder (files, and the folders that hold fake files) matching a wildcard.
function Get-ChildNames([string]$Folder, [string]$Filter) {
    $prefix = (Get-FakePath $Folder).TrimEnd('\') + '\'
    $names = @($global:ElmFake.files.Keys | Where-Object { $_.StartsWith($prefix, [StringComparison]::OrdinalIgnoreCase) } | ForEach-Object { ($_.Substring($prefix.Length) -split '\\')[0] })
    return @($names | Sort-Object -Unique | Where-Object { $_ -like $Filter })
}
function Get-IPv6Bindings { return @($global:ElmFake.ipv6Bindings | ForEach-Object { [pscustomobject]$_ }) }
# The fake clock moves on instead of sleeping.
function Wait-Seconds([int]$Seconds) { $global:ElmFake.now = $global:ElmFake.now.AddSeconds($Seconds) }
function Get-NGenPaths { return @($global:ElmFake.ngenPaths) }
function Get-MsiMutexState { return $global:ElmFake.msiMutex }

function Invoke-Native([string]$FilePath, [string[]]$Arguments, [switch]$Echo) {
    $f = $global:ElmFake
    $f.calls.Add(($FilePath + ' ' + ($Arguments -join ' ')))
    if ($FilePath -eq 'shutdown.exe') {
        if ($f.reportPath) { $f.reportAtShutdown = [bool](Test-Path -LiteralPath $f.reportPath) }
        return [pscustomobject]@{ ExitCode = $f.shutdownExit; Lines = @() }
    }
    if ($FilePath -like '*ngen.exe') {
        $head = @('Microsoft (R) CLR Native Image Generator - Version 4.8.9032.0', 'Copyright (c) Microsoft Corporation.  All rights reserved.')
        if (($Arguments -join ' ') -eq 'queue status') {
            switch ($f.ngenQueue) {
                'denied' { return [pscustomobject]@{ ExitCode = -1; Lines = $head + @('Administrator permissions are needed to use the selected options. Use an administrator command prompt to complete these tasks.') } }
                'localized' { return [pscustomobject]@{ ExitCode = 0; Lines = $head + @('Der .NET-Laufzeitoptimierungsdienst wurde beendet.') } }
            }
            if ($f.ngenCompiled -and $f.ngenDrainPolls -eq 0) {
                $f.ngenQueue = 'stopped'
                return [pscustomobject]@{ ExitCode = 0; Lines = $head + @('The .NET Runtime Optimization Service is stopped.') }
            }
            if ($f.ngenCompiled -and $f.ngenDrainPolls -gt 0) { $f.ngenDrainPolls-- }
            switch ($f.ngenQueue) {
                'stopped' { return [pscustomobject]@{ ExitCode = 0; Lines = $head + @('The .NET Runtime Optimization Service is stopped.') } }
                'running' { return [pscustomobject]@{ ExitCode = 0; Lines = $head + @('The .NET Runtime Optimization Service is running.') } }
            }
        }
        # update /force, executeQueuedItems: the compile takes its time; the service then still
        # works through its queue for ngenDrainPolls reads of `queue status`.
        if (($Arguments -join ' ') -eq 'executeQueuedItems') { $f.ngenCompiled = $true }
        $f.now = $f.now.AddMinutes($f.ngenStepMinutes)
        return [pscustomobject]@{ ExitCode = 0; Lines = $head }
    }
    throw ('the fake cannot run ' + $FilePath)
}

# Runs the probe on the fake machine; returns the printed report (parsed), the full one, and the
# result object.
function Invoke-FakeProbe([hashtable]$Fake, [hashtable]$Parameters = @{}) {
    $global:ElmFake = $Fake
    if ($Parameters.ContainsKey('ReportPath')) { $Fake.reportPath = $Parameters['ReportPath'] }
    # As the script's main does: the report goes out, and only then may the machine shut down.
    $r = Invoke-ShutdownForFinalize -StartedAt $Fake.now @Parameters
    $Fake.calls.Add('report printed')
    if ($r.ShutdownPending) { $r.ExitCode = Invoke-FinalShutdown $r }
    $printed = $null
    $full = $null
    if ($r.Json) { $printed = $r.Json | ConvertFrom-Json }
    if ($r.FullJson) { $full = $r.FullJson | ConvertFrom-Json }
    return [pscustomobject]@{ Printed = $printed; Full = $full; Json = $r.Json; ExitCode = $r.ExitCode }
}
