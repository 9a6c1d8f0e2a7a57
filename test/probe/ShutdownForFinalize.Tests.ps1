# Pester 5 tests of ShutdownForFinalize.ps1: the real checks run against a fake Windows machine
# (FakeWindows.ps1 replaces every Windows read). test/probe/shutdownForFinalize.test.ts runs this
# file under pwsh and turns each It into a jest test: keep It names unique.

BeforeAll {
    $ErrorActionPreference = 'Stop'
    $script:ProbePath = (Resolve-Path "$PSScriptRoot/../../src/integrity/ShutdownForFinalize.ps1").Path
    . $script:ProbePath
    . "$PSScriptRoot/FakeWindows.ps1"
    $script:Cbs = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing'
    $script:SessionManagerKey = 'HKLM:\SYSTEM\CurrentControlSet\Control\Session Manager'
    $script:Uninstall = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall'
    $script:Tcpip6 = 'HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip6\Parameters'
    $script:Spp = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\SoftwareProtectionPlatform'
    $script:RunOnceKey = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\RunOnce'
    function Set-Renames($Fake, [string[]]$Pairs) { $Fake.registry[$script:SessionManagerKey] = @{ PendingFileRenameOperations = $Pairs } }
    # The ngen.exe compile commands the run made (not its `queue status` reads).
    function Get-Compiles($Fake) { return @($Fake.calls | Where-Object { $_ -like '*ngen.exe *' -and $_ -notlike '* queue status' }) }
    # The advice printed under a blocker's message: the first "What to do" line before the next message.
    function Get-AdviceOf($Fake, [string]$Message) {
        $said = @($Fake.said)
        $i = [array]::IndexOf($said, '  - ' + $Message)
        if ($i -lt 0) { return $null }
        for ($j = $i + 1; $j -lt $said.Count -and $said[$j] -notlike '  - *'; $j++) {
            if ($said[$j] -like '    What to do: *') { return $said[$j] }
        }
        return $null
    }
    function New-TempPath([string]$Name) { return (Join-Path ([IO.Path]::GetTempPath()) ('elm-' + $Name + '-' + [guid]::NewGuid() + '.json')) }
    function Set-Pvs($Fake, [string]$Version) {
        $Fake.subkeys[$script:Uninstall] = @(@{ Name = '{PVS}'; Values = @{ DisplayName = 'Citrix Provisioning Target Device x64'; DisplayVersion = $Version } })
    }
}

Describe 'a clean machine' {
    It 'clean: no blockers, the last boot and the boot disk recorded, under 3 KB' {
        $r = Invoke-FakeProbe (New-FakeWindows)
        $r.ExitCode | Should -Be 0
        @($r.Printed.blockers).Count | Should -Be 0
        $r.Printed.schema | Should -Be 1
        $r.Printed.shutdownRequested | Should -BeFalse
        # (ConvertFrom-Json turns ISO dates into DateTime: read the JSON text itself)
        $r.Json | Should -Match '"lastBootTime":"2026-11-20T08:00:00Z"'
        $r.Printed.details.bootDisk.signature | Should -Be 305419896
        $r.Printed.details.bootDisk.serialNumber | Should -Be '6002248E1F'
        $r.Printed.details.ipv6Enabled | Should -BeTrue
        $r.Printed.details.ngenQueue[0].status | Should -Be 'stopped'
        $r.Json.Length | Should -BeLessThan 3072
    }

    It 'clean with -Shutdown: shutdown.exe accepts, shutdownRequested is true' {
        $f = New-FakeWindows
        $r = Invoke-FakeProbe $f @{ Shutdown = $true }
        $r.Printed.shutdownRequested | Should -BeTrue
        @($f.calls | Where-Object { $_ -like 'shutdown.exe /s*' }).Count | Should -Be 1
    }

    It 'clean with -ReportPath: the file holds the same report' {
        $file = Join-Path ([IO.Path]::GetTempPath()) ('elm-probe-' + [guid]::NewGuid() + '.json')
        try {
            $r = Invoke-FakeProbe (New-FakeWindows) @{ ReportPath = $file }
            $saved = Get-Content -LiteralPath $file -Raw | ConvertFrom-Json
            $saved.at | Should -Be $r.Printed.at
            @($saved.blockers).Count | Should -Be 0
        } finally {
            Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
        }
    }
}

Describe 'bootDriverReboot' {
    It 'bootDriverReboot: a .sys file renamed into System32\drivers' {
        $f = New-FakeWindows
        Set-Renames $f @('\??\C:\Windows\Temp\new.sys', '!\??\C:\Windows\System32\drivers\netvsc.sys')
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Contain 'bootDriverReboot'
        $r.Printed.details.pendingDriverRenames | Should -Contain '\??\C:\Windows\System32\drivers\netvsc.sys'
    }

    It 'bootDriverReboot: a device that needs a restart (ConfigManagerErrorCode 14)' {
        $f = New-FakeWindows
        $f.devices = @([pscustomobject]@{ Name = 'Citrix PV Storage Host Adapter'; ConfigManagerErrorCode = 14 }, [pscustomobject]@{ Name = 'Fine'; ConfigManagerErrorCode = 0 })
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('bootDriverReboot')
        $r.Printed.details.devicesNeedingRestart | Should -Be @('Citrix PV Storage Host Adapter')
    }

    It 'not bootDriverReboot: a \Boot\ file, a deleted driver, a Defender platform clean-up' {
        $f = New-FakeWindows
        Set-Renames $f @(
            '\??\C:\Windows\Temp\bootmgr.new', '!\??\C:\Boot\bootmgr',
            '\??\C:\Windows\System32\drivers\old.sys', '',
            '\??\C:\ProgramData\Microsoft\Windows Defender\Platform\4.18.2001.10-0\drivers\WdFilter.sys', '')
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Not -Contain 'bootDriverReboot'
        # The \Boot\ file and the deleted driver still need a reboot; the Defender clean-up does not.
        $r.Printed.blockers | Should -Contain 'postInstallReboot'
        @($r.Printed.details.pendingOtherRenames).Count | Should -Be 2
    }
}

Describe 'postInstallReboot' {
    It 'postInstallReboot: <what>' -ForEach @(
        @{ what = 'CBS RebootPending'; key = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootPending'; name = $null; value = $null }
        @{ what = 'CBS RebootInProgress'; key = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\RebootInProgress'; name = $null; value = $null }
        @{ what = 'CBS PackagesPending'; key = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing\PackagesPending'; name = $null; value = $null }
        @{ what = 'Windows Update RebootRequired'; key = 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WindowsUpdate\Auto Update\RebootRequired'; name = $null; value = $null }
        @{ what = 'pending domain join (JoinDomain)'; key = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'; name = 'JoinDomain'; value = 'CORP' }
        @{ what = 'pending domain join (AvoidSpnSet)'; key = 'HKLM:\SYSTEM\CurrentControlSet\Services\Netlogon'; name = 'AvoidSpnSet'; value = 1 }
        @{ what = 'UpdateExeVolatile key without Flags'; key = 'HKLM:\SOFTWARE\Microsoft\Updates\UpdateExeVolatile'; name = $null; value = $null }
        @{ what = 'UpdateExeVolatile Flags 1'; key = 'HKLM:\SOFTWARE\Microsoft\Updates\UpdateExeVolatile'; name = 'Flags'; value = 1 }
        @{ what = 'ServerManager CurrentRebootAttempts'; key = 'HKLM:\SOFTWARE\Microsoft\ServerManager\CurrentRebootAttempts'; name = $null; value = $null }
    ) {
        $f = New-FakeWindows
        $values = @{}
        if ($name) { $values[$name] = $value }
        $f.registry[$key] = $values
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('postInstallReboot')
    }

    It 'not postInstallReboot: UpdateExeVolatile Flags 0' {
        $f = New-FakeWindows
        $f.registry['HKLM:\SOFTWARE\Microsoft\Updates\UpdateExeVolatile'] = @{ Flags = 0 }
        @((Invoke-FakeProbe $f).Printed.blockers).Count | Should -Be 0
    }

    It 'postInstallReboot: a pending computer rename' {
        $f = New-FakeWindows
        $f.registry['HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ActiveComputerName'] = @{ ComputerName = 'PKG-01' }
        $f.registry['HKLM:\SYSTEM\CurrentControlSet\Control\ComputerName\ComputerName'] = @{ ComputerName = 'PKG-02' }
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('postInstallReboot')
        $r.Printed.details.rebootReasons.postInstallReboot[0] | Should -Match 'PKG-01 -> PKG-02'
    }

    It 'postInstallReboot: the ConfigMgr client says DetermineIfRebootPending' {
        $f = New-FakeWindows
        $f.configMgr = [pscustomobject]@{ RebootPending = $false; IsHardRebootPending = $true }
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('postInstallReboot')
    }

    It 'postInstallReboot: files an installer replaces at the next boot' {
        $f = New-FakeWindows
        Set-Renames $f @('\??\C:\Program Files\App\app.dll.new', '!\??\C:\Program Files\App\app.dll')
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('postInstallReboot')
    }
}

Describe 'msiInProgress' {
    It 'msiInProgress: the _MSIExecute mutex is held (msiserver not readable)' {
        $f = New-FakeWindows
        $f.msiMutex = 'busy'
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('msiInProgress')
        $r.Printed.details.msiMutex | Should -Be 'busy'
    }

    It 'probeIncomplete, not msiInProgress: the _MSIExecute mutex exists but cannot be opened' {
        $f = New-FakeWindows
        $f.msiMutex = 'denied'
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('probeIncomplete')
        $r.Printed.details.probeIncomplete[0] | Should -Match '_MSIExecute mutex exists but cannot be opened.*Administrator'
    }

    It 'msiInProgress: msiserver running and accepting only shutdown; the mutex is not taken' {
        $f = New-FakeWindows
        $f.services = @([pscustomobject]@{ Name = 'msiserver'; State = 'Running'; StartMode = 'Manual'; AcceptStop = $false })
        # Were the mutex taken, the fake would say free: the service's answer must win.
        $f.msiMutex = 'free'
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('msiInProgress')
        $r.Printed.details.msiServer | Should -Be 'installing'
        $r.Printed.details.PSObject.Properties.Name | Should -Not -Contain 'msiMutex'
    }

    It 'not msiInProgress: msiserver running and accepting stop (idle)' {
        $f = New-FakeWindows
        $f.services = @([pscustomobject]@{ Name = 'msiserver'; State = 'Running'; StartMode = 'Manual'; AcceptStop = $true })
        $f.msiMutex = 'busy'
        $r = Invoke-FakeProbe $f
        @($r.Printed.blockers).Count | Should -Be 0
        $r.Printed.details.msiServer | Should -Be 'idle'
    }

    It 'msiInProgress: an msiexec at its first dialog for <what>' -ForEach @(
        @{ what = 'a patch (.msp)'; cmd = '"C:\Windows\System32\msiexec.exe" /update "C:\Install\fix.msp" /qb' }
        @{ what = '/p'; cmd = 'msiexec.exe /p C:\Install\fix /qn' }
        @{ what = '/update'; cmd = 'msiexec /update C:\Install\fix' }
        @{ what = '/x by product code'; cmd = 'msiexec.exe /x {A1B2C3D4-0000-1111-2222-333344445555}' }
    ) {
        $f = New-FakeWindows
        $f.processes = @([pscustomobject]@{ Name = 'msiexec.exe'; CommandLine = $cmd })
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('msiInProgress')
    }

    It 'msiInProgress: Installer\InProgress' {
        $f = New-FakeWindows
        $f.registry['HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\InProgress'] = @{}
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('msiInProgress')
    }

    It 'msiInProgress: an msiexec with a .msi waiting at its dialog' {
        $f = New-FakeWindows
        $f.processes = @([pscustomobject]@{ Name = 'msiexec.exe'; CommandLine = '"C:\Windows\System32\msiexec.exe" /i "C:\Install\VDAServerSetup.msi"' })
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('msiInProgress')
    }

    It 'not msiInProgress: the Windows Installer service itself (msiexec /V)' {
        $f = New-FakeWindows
        $f.processes = @([pscustomobject]@{ Name = 'msiexec.exe'; CommandLine = 'C:\Windows\system32\msiexec.exe /V' })
        @((Invoke-FakeProbe $f).Printed.blockers).Count | Should -Be 0
    }
}

Describe 'NGen' {
    It 'ngenInProgress: <name> running' -ForEach @(@{ name = 'mscorsvw.exe' }, @{ name = 'ngentask.exe' }) {
        $f = New-FakeWindows
        $f.processes = @([pscustomobject]@{ Name = $name; CommandLine = $name })
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('ngenInProgress')
    }

    It 'ngenInProgress: a .NET Framework NGEN scheduled task Running' {
        $f = New-FakeWindows
        $f.ngenTasks = @([pscustomobject]@{ TaskName = '.NET Framework NGEN v4.0.30319 64'; State = 'Running' })
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('ngenInProgress')
    }

    It 'ngenNeeded: work queued while nothing compiles' {
        $f = New-FakeWindows
        $f.ngenQueue = 'running'
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('ngenNeeded')
        Get-AdviceOf $f 'A Microsoft ngen operation is needed.' | Should -Match '^    What to do: Run this script with -ExpediteNGen \(or wait\).*do not reboot to stop NGen'
    }

    It 'NGen and a pending reboot: NGen first, then the restart, each advice beside its message' {
        $f = New-FakeWindows
        $f.processes = @([pscustomobject]@{ Name = 'mscorsvw.exe'; CommandLine = 'mscorsvw.exe' })
        $f.registry[$script:Cbs + '\RebootPending'] = @{}
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('postInstallReboot', 'ngenInProgress')
        Get-AdviceOf $f 'A post-installation reboot is pending - please check and reboot the Packaging Machine.' | Should -Match '^    What to do: First let NGen finish .*-ExpediteNGen.*then restart'
        Get-AdviceOf $f 'A Microsoft NGen operation is in progress in the background.' | Should -Match '^    What to do: .*-ExpediteNGen.*do not reboot to stop NGen'
    }

    It 'no task under \Microsoft\Windows\.NET Framework\ is "no tasks", not a failed check' {
        $f = New-FakeWindows
        $f.ngenTasks = @()
        $r = Invoke-FakeProbe $f
        @($r.Printed.blockers).Count | Should -Be 0
        $r.Printed.details.PSObject.Properties.Name | Should -Not -Contain 'probeIncomplete'
    }

    It 'ngenNeeded: an NGEN scheduled task Queued while the optimization service is stopped' {
        $f = New-FakeWindows
        $f.ngenQueue = 'stopped'
        $f.ngenTasks = @([pscustomobject]@{ TaskName = '.NET Framework NGEN v4.0.30319 64'; State = 'Queued' })
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('ngenNeeded')
        $r.Printed.details.rebootReasons.ngenNeeded[0] | Should -Match 'queued: .NET Framework NGEN v4.0.30319 64'
    }

    It 'localized ngen output: the clr_optimization services decide (<state>)' -ForEach @(
        @{ state = 'Stopped'; blockers = @(); status = 'stopped' }
        @{ state = 'Running'; blockers = @('ngenNeeded'); status = 'running' }
    ) {
        $f = New-FakeWindows
        $f.ngenQueue = 'localized'
        $f.services = @(
            [pscustomobject]@{ Name = 'clr_optimization_v4.0.30319_32'; State = 'Stopped'; StartMode = 'Manual'; AcceptStop = $true },
            [pscustomobject]@{ Name = 'clr_optimization_v4.0.30319_64'; State = $state; StartMode = 'Auto'; AcceptStop = $true })
        $r = Invoke-FakeProbe $f
        @($r.Printed.blockers) | Should -Be $blockers
        $r.Printed.details.ngenQueue[1].status | Should -Be $status
    }

    It '-ExpediteNGen polls ngen queue status until the queue is empty' {
        $f = New-FakeWindows
        $f.ngenQueue = 'running'
        $f.ngenDrainPolls = 6
        $r = Invoke-FakeProbe $f @{ ExpediteNGen = $true }
        $r.Printed.details.expediteNGen | Should -Be 'done'
        @($r.Printed.blockers).Count | Should -Be 0
        @($f.said | Where-Object { $_ -like 'Expedite NGen: still compiling*' }).Count | Should -BeGreaterThan 1
    }

    It '-ExpediteNGen stops polling at the end of its budget when the queue never empties' {
        $f = New-FakeWindows
        $f.ngenQueue = 'running'
        $f.ngenDrainPolls = -1
        $r = Invoke-FakeProbe $f @{ ExpediteNGen = $true; NGenWaitMinutes = 30 }
        $r.Printed.details.expediteNGen | Should -Be 'budget'
        $r.Printed.blockers | Should -Be @('ngenNeeded')
        ($f.now - (New-FakeWindows).now).TotalMinutes | Should -BeLessOrEqual 30
    }

    It 'probeIncomplete, not ngenInProgress: ngen cannot be queried (not elevated)' {
        $f = New-FakeWindows
        $f.elevated = $false
        $f.ngenQueue = 'denied'
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('probeIncomplete')
        $r.Printed.details.probeIncomplete[0] | Should -Match 'ngen queue status failed .*Administrator'
        $r.Printed.details.elevated | Should -BeFalse
    }

    It '-ExpediteNGen: update /force then executeQueuedItems in Framework and Framework64, nothing else' {
        $f = New-FakeWindows
        $f.ngenPaths = @('C:\W\Framework\v4.0.30319\ngen.exe', 'C:\W\Framework64\v4.0.30319\ngen.exe', 'C:\W\Framework64\v2.0.50727\ngen.exe')
        $r = Invoke-FakeProbe $f @{ ExpediteNGen = $true }
        $compiles = Get-Compiles $f
        $compiles | Should -Be @(
            'C:\W\Framework\v4.0.30319\ngen.exe update /force', 'C:\W\Framework64\v4.0.30319\ngen.exe update /force', 'C:\W\Framework64\v2.0.50727\ngen.exe update /force',
            'C:\W\Framework\v4.0.30319\ngen.exe executeQueuedItems', 'C:\W\Framework64\v4.0.30319\ngen.exe executeQueuedItems', 'C:\W\Framework64\v2.0.50727\ngen.exe executeQueuedItems')
        $r.Printed.details.expediteNGen | Should -Be 'done'
    }

    It '-ExpediteNGen budget: never starts a compile step it cannot finish' {
        $f = New-FakeWindows
        # Four steps (2 folders x 2 actions) of 20 minutes each in a 70-minute budget: steps start
        # at 0, 20 and 40 (30 left, the longest step took 20); at 60 only 10 minutes are left.
        $f.ngenStepMinutes = 20
        $r = Invoke-FakeProbe $f @{ ExpediteNGen = $true; NGenWaitMinutes = 70 }
        @(Get-Compiles $f).Count | Should -Be 3
        $r.Printed.details.expediteNGen | Should -Be 'budget'
    }

    It '-ExpediteNGen budget: counted from the start of the script' {
        $f = New-FakeWindows
        $started = $f.now.AddMinutes(-78)
        $global:ElmFake = $f
        $r = Invoke-ShutdownForFinalize -StartedAt $started -ExpediteNGen -NGenWaitMinutes 80
        @(Get-Compiles $f).Count | Should -Be 0
        ($r.Json | ConvertFrom-Json).details.expediteNGen | Should -Be 'budget'
    }
}

Describe 'RunOnce and SMSCFG.INI' {
    It 'runOncePending: entries in the 64-bit and the 32-bit view' {
        $f = New-FakeWindows
        $f.registry[$script:RunOnceKey] = @{ FinishSetup = 'setup.exe /finish' }
        $f.registry['HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\RunOnce'] = @{ Legacy = 'x.exe' }
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('runOncePending')
        @($r.Printed.details.runOnce) | Should -Be @('FinishSetup', 'Legacy')
    }

    It 'smsCfgIni: present with the ConfigMgr client set to run' {
        $f = New-FakeWindows
        $env:WINDIR = 'C:\Windows'
        $f.files['C:\Windows\SMSCFG.INI'] = $f.now
        $f.services = @([pscustomobject]@{ Name = 'CcmExec'; StartMode = 'Auto' })
        (Invoke-FakeProbe $f).Printed.blockers | Should -Be @('smsCfgIni')
    }

    It 'not smsCfgIni: present but the ConfigMgr client is <case>' -ForEach @(@{ case = 'disabled'; services = @(@{ Name = 'CcmExec'; StartMode = 'Disabled' }) }, @{ case = 'not installed'; services = @() }) {
        $f = New-FakeWindows
        $env:WINDIR = 'C:\Windows'
        $f.files['C:\Windows\SMSCFG.INI'] = $f.now
        $f.services = @($services | ForEach-Object { [pscustomobject]$_ })
        $r = Invoke-FakeProbe $f
        @($r.Printed.blockers).Count | Should -Be 0
        $r.Printed.details.smsCfgIni | Should -BeTrue
    }
}

Describe 'PVS, KMS and IPv6 details' {
    It 'IPv6 DisabledComponents <value>: ipv6Enabled <enabled>' -ForEach @(
        @{ value = 255; enabled = $false }, @{ value = 16; enabled = $false }, @{ value = -1; enabled = $false }, @{ value = 32; enabled = $true }, @{ value = 1; enabled = $true }
    ) {
        $f = New-FakeWindows
        $f.registry[$script:Tcpip6] = @{ DisabledComponents = $value }
        (Invoke-FakeProbe $f).Printed.details.ipv6Enabled | Should -Be $enabled
    }

    It 'ipv6DisabledOnPlatformLayer with -ExpectIPv6, and -Shutdown refuses' {
        $f = New-FakeWindows
        $f.registry[$script:Tcpip6] = @{ DisabledComponents = 255 }
        $r = Invoke-FakeProbe $f @{ ExpectIPv6 = $true; Shutdown = $true }
        $r.Printed.blockers | Should -Be @('ipv6DisabledOnPlatformLayer')
        $r.Printed.shutdownRequested | Should -BeFalse
        @($f.calls | Where-Object { $_ -like 'shutdown.exe*' }).Count | Should -Be 0
    }

    It 'PVS Target Device version reported; -PvsVersion 2203 matches 2203.0.0' {
        $f = New-FakeWindows
        Set-Pvs $f '2203.0.0'
        $r = Invoke-FakeProbe $f @{ PvsVersion = '2203' }
        $r.Printed.details.pvsTargetDeviceVersion | Should -Be '2203.0.0'
        @($r.Printed.blockers).Count | Should -Be 0
    }

    It 'pvsTargetDeviceMismatch with -PvsVersion, and -Shutdown refuses' {
        $f = New-FakeWindows
        Set-Pvs $f '7.15.0'
        $r = Invoke-FakeProbe $f @{ PvsVersion = '2203'; Shutdown = $true }
        $r.Printed.blockers | Should -Be @('pvsTargetDeviceMismatch')
        $r.Printed.shutdownRequested | Should -BeFalse
        @($f.calls | Where-Object { $_ -like 'shutdown.exe*' }).Count | Should -Be 0
    }

    It 'pvsTargetDeviceMissing with -PvsVersion' {
        (Invoke-FakeProbe (New-FakeWindows) @{ PvsVersion = '2203' }).Printed.blockers | Should -Be @('pvsTargetDeviceMissing')
    }

    It 'KMS: the rearm marker counts when newer than the last boot, with the remaining count' {
        $f = New-FakeWindows
        $env:ProgramData = 'C:\ProgramData'
        $f.files['C:\ProgramData\elm\kms-rearmed'] = $f.lastBoot.AddMinutes(30)
        $f.rearmCount = 999
        $r = Invoke-FakeProbe $f @{ KmsRearm = $true }
        $r.Printed.details.kmsRearmed | Should -BeTrue
        $r.Printed.details.kmsRemainingRearmCount | Should -Be 999
        @($r.Printed.blockers).Count | Should -Be 0
    }

    It 'kmsRearmPending: the marker is older than the last boot' {
        $f = New-FakeWindows
        $env:ProgramData = 'C:\ProgramData'
        $f.files['C:\ProgramData\elm\kms-rearmed'] = $f.lastBoot.AddDays(-1)
        $r = Invoke-FakeProbe $f @{ KmsRearm = $true; Shutdown = $true }
        $r.Printed.details.kmsRearmed | Should -BeFalse
        $r.Printed.blockers | Should -Be @('kmsRearmPending')
        $r.Printed.shutdownRequested | Should -BeFalse
    }

    It 'kmsRearmPending: SkipRearm is 1' {
        $f = New-FakeWindows
        $env:ProgramData = 'C:\ProgramData'
        $f.files['C:\ProgramData\elm\kms-rearmed'] = $f.lastBoot.AddMinutes(30)
        $f.registry[$script:Spp] = @{ SkipRearm = 1 }
        $r = Invoke-FakeProbe $f @{ KmsRearm = $true }
        $r.Printed.details.kmsRearmed | Should -BeFalse
        $r.Printed.blockers | Should -Be @('kmsRearmPending')
    }
}

Describe 'robustness' {
    It 'one odd registry value loses its own check only (probeIncomplete naming it)' {
        $f = New-FakeWindows
        $f.throwIn['Get-RegValue DisabledComponents'] = 'Specified cast is not valid.'
        $f.registry[$script:RunOnceKey] = @{ FinishSetup = 'x' }
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('runOncePending', 'probeIncomplete')
        $r.Printed.details.probeIncomplete | Should -Be @('IPv6 failed: Specified cast is not valid.')
        $r.Printed.details.pvsTargetDeviceVersion | Should -BeNullOrEmpty
        $r.Printed.details.kmsRemainingRearmCount | Should -Be 1000
    }

    It 'refuses 32-bit PowerShell on 64-bit Windows (exit 2, no report)' {
        $f = New-FakeWindows
        $f.process64 = $false
        $r = Invoke-FakeProbe $f
        $r.ExitCode | Should -Be 2
        $r.Json | Should -BeNullOrEmpty
        ($f.said -join "`n") | Should -Match '32-bit PowerShell on 64-bit Windows'
    }

    It 'shutdown.exe refuses: exit 1, the reason on stderr, the report file says shutdownRequested false' {
        $f = New-FakeWindows
        $f.shutdownExit = 1190
        $file = New-TempPath 'refused'
        try {
            $r = Invoke-FakeProbe $f @{ Shutdown = $true; ReportPath = $file }
            $r.ExitCode | Should -Be 1
            ($f.said -join "`n") | Should -Match 'Shutdown failed \(exit 1190\)'
            (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json).shutdownRequested | Should -BeFalse
        } finally {
            Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
        }
    }

    It '-Shutdown with a blocker does not shut down' {
        $f = New-FakeWindows
        $f.msiMutex = 'busy'
        $r = Invoke-FakeProbe $f @{ Shutdown = $true }
        $r.Printed.shutdownRequested | Should -BeFalse
        @($f.calls | Where-Object { $_ -like 'shutdown.exe*' }).Count | Should -Be 0
    }

    It 'the JSON comes through the output stream (& script > file), as one document' {
        $file = Join-Path ([IO.Path]::GetTempPath()) ('elm-out-' + [guid]::NewGuid() + '.json')
        try {
            & $script:ProbePath 2>$null > $file
            $text = Get-Content -LiteralPath $file -Raw
            $doc = $text | ConvertFrom-Json
            $doc.schema | Should -Be 1
            @($text.Trim() -split "`n").Count | Should -Be 1
        } finally {
            Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
        }
    }
}

Describe 'size' {
    It 'size: 200 pending renames and 50 RunOnce entries print under 3 KB; -ReportPath has them all' {
        $f = New-FakeWindows
        $pairs = @()
        for ($i = 0; $i -lt 200; $i++) {
            $pairs += ('\??\C:\Program Files\Some Vendor\Some Long Product Name\bin\component-' + $i + '.dll.pending')
            $pairs += ('!\??\C:\Program Files\Some Vendor\Some Long Product Name\bin\component-' + $i + '.dll')
        }
        Set-Renames $f $pairs
        $runOnce = @{}
        for ($i = 0; $i -lt 50; $i++) { $runOnce[('Vendor Post Install Step Number ' + $i)] = 'C:\x.exe' }
        $f.registry[$script:RunOnceKey] = $runOnce
        $file = Join-Path ([IO.Path]::GetTempPath()) ('elm-size-' + [guid]::NewGuid() + '.json')
        try {
            $r = Invoke-FakeProbe $f @{ ReportPath = $file }
            [Text.Encoding]::UTF8.GetByteCount($r.Json) | Should -BeLessThan 3072
            $r.Printed.blockers | Should -Be @('postInstallReboot', 'runOncePending')
            $r.Printed.details.pendingFileRenames | Should -Be 200
            $r.Printed.details.runOnceCount | Should -Be 50
            @($r.Printed.details.runOnce).Count | Should -BeLessOrEqual 5
            $full = Get-Content -LiteralPath $file -Raw | ConvertFrom-Json
            @($full.details.runOnce).Count | Should -Be 50
            @($full.details.pendingOtherRenames).Count | Should -Be 200
        } finally {
            Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Windows PowerShell 5.1' {
    It 'the script parses and uses no PowerShell 6+ syntax (AST)' {
        $tokens = $null
        $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseFile($script:ProbePath, [ref]$tokens, [ref]$errors)
        @($errors).Count | Should -Be 0
        $newKinds = @('AndAnd', 'OrOr', 'QuestionQuestion', 'QuestionQuestionEquals', 'QuestionDot', 'QuestionLBracket')
        @($tokens | Where-Object { $newKinds -contains [string]$_.Kind } | ForEach-Object { $_.Text }) | Should -BeNullOrEmpty
        @($ast.FindAll({ param($n) $n.GetType().Name -in @('TernaryExpressionAst', 'PipelineChainAst') }, $true)).Count | Should -Be 0
    }
}

Describe 'never shut down without a report' {
    It '-Shutdown: the report is written and printed before shutdown.exe runs' {
        $f = New-FakeWindows
        $file = New-TempPath 'order'
        try {
            $r = Invoke-FakeProbe $f @{ Shutdown = $true; ReportPath = $file }
            $r.ExitCode | Should -Be 0
            $f.reportAtShutdown | Should -BeTrue
            $calls = @($f.calls)
            [array]::IndexOf($calls, 'report printed') | Should -BeLessThan ([array]::IndexOf($calls, ($calls | Where-Object { $_ -like 'shutdown.exe*' } | Select-Object -First 1)))
            (Get-Content -LiteralPath $file -Raw | ConvertFrom-Json).shutdownRequested | Should -BeTrue
            ($f.said -join "`n") | Should -Match 'applications still open are closed without saving'
        } finally {
            Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue
        }
    }

    It '-Shutdown with a -ReportPath that cannot be written: no shutdown, exit 1, the reason on stderr' {
        $f = New-FakeWindows
        # A folder that cannot be made: its parent is a file (a wrong share path behaves the same).
        $blocker = New-TempPath 'notadir'
        Set-Content -LiteralPath $blocker -Value 'x'
        try {
            $r = Invoke-FakeProbe $f @{ Shutdown = $true; ReportPath = (Join-Path $blocker 'sub/report.json') }
            $r.ExitCode | Should -Be 1
            @($f.calls | Where-Object { $_ -like 'shutdown.exe*' }).Count | Should -Be 0
            $r.Printed.shutdownRequested | Should -BeFalse
            ($f.said -join "`n") | Should -Match '(?s)The report could not be written to .*Not shutting down without a report'
        } finally {
            Remove-Item -LiteralPath $blocker -ErrorAction SilentlyContinue
        }
    }
}

Describe 'reboot signals' {
    It 'postInstallReboot: UpdateExeVolatile as a value under Updates' {
        $f = New-FakeWindows
        $f.registry['HKLM:\SOFTWARE\Microsoft\Updates'] = @{ UpdateExeVolatile = 1 }
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('postInstallReboot')
        $r.Printed.details.rebootReasons.postInstallReboot[0] | Should -Match 'UpdateExeVolatile value 1'
    }

    It 'PendingFileRenameOperations2 is paired on its own (an odd first list does not shift it)' {
        $f = New-FakeWindows
        $f.registry[$script:SessionManagerKey] = @{
            PendingFileRenameOperations  = @('\??\C:\Program Files\App\left.dll')
            PendingFileRenameOperations2 = @('\??\C:\Windows\Temp\new.sys', '!\??\C:\Windows\System32\drivers\netvsc.sys')
        }
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Contain 'bootDriverReboot'
        $r.Printed.details.pendingDriverRenames | Should -Be @('\??\C:\Windows\System32\drivers\netvsc.sys')
    }
}

Describe "today's Citrix integrity list" {
    It 'runOncePending prints Citrix''s sentence' {
        $f = New-FakeWindows
        $f.registry[$script:RunOnceKey] = @{ FinishSetup = 'setup.exe /finish' }
        Invoke-FakeProbe $f | Out-Null
        $f.said | Should -Contain '  - A RunOnce script is outstanding - please check and reboot the packaging machine.'
    }

    It 'smsCfgIni prints Citrix''s sentence' {
        $f = New-FakeWindows
        $env:WINDIR = 'C:\Windows'
        $f.files['C:\Windows\SMSCFG.INI'] = $f.now
        $f.services = @([pscustomobject]@{ Name = 'CcmExec'; StartMode = 'Auto'; State = 'Running'; AcceptStop = $true })
        Invoke-FakeProbe $f | Out-Null
        $f.said | Should -Contain '  - Software Center Client is configured to run, but the SMSCFG.INI is still present.'
    }

    It 'wemAgentRsaKey: the WEM agent key file in the LocalSystem machine key store' {
        $f = New-FakeWindows
        $env:ProgramData = 'C:\ProgramData'
        $key = 'C:\ProgramData\Microsoft\Crypto\RSA\S-1-5-18\fb8cc9e38d3e60ab60c17cdfd6dd6d99_0a1b2c3d-0000-1111-2222-333344445555'
        $f.files[$key] = $f.now
        $f.files['C:\ProgramData\Microsoft\Crypto\RSA\S-1-5-18\6d14e4b1d8ca773bab785d1be032546e_other'] = $f.now
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('wemAgentRsaKey')
        $r.Printed.details.wemAgentRsaKeys | Should -Be @($key)
    }

    It 'windowsUpgradePending: Windows Setup''s MoSetup\Volatile state' {
        $f = New-FakeWindows
        $f.registry['HKLM:\SYSTEM\Setup\MoSetup\Volatile'] = @{ SetupProgress = 100 }
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('windowsUpgradePending')
        $f.said | Should -Contain '  - A Windows upgrade is pending - please complete it and reboot the packaging machine.'
    }
}

Describe 'nothing of elm stays (issue 22, point 9)' {
    It 'elmLeftovers: empty on a machine elm cleaned up (the report says nothing of elm is left)' {
        $f = New-FakeWindows
        $env:WINDIR = 'C:\Windows'
        $env:SystemDrive = 'C:'
        $f.files['C:\Windows\Temp\other-tool.log'] = $f.now
        $f.files['C:\Packages\Plugins\Microsoft.CPlat.Core.RunCommandHandlerWindows\2.0.14\Downloads\someone-else\script.ps1'] = $f.now
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @()
        @($r.Printed.details.elmLeftovers).Count | Should -Be 0
        ($r.Json -match '"elmLeftovers":\[\]') | Should -BeTrue
    }

    It 'elmLeftovers: a build step''s files in the Windows temp folder and a managed run command''s copy of a step are named' {
        $f = New-FakeWindows
        $env:WINDIR = 'C:\Windows'
        $env:SystemDrive = 'C:'
        $f.files['C:\Windows\Temp\elm-step-1a2b.ps1'] = $f.now
        $f.files['C:\Packages\Plugins\Microsoft.CPlat.Core.RunCommandHandlerWindows\2.0.14\Downloads\elm-step-0123456789abcdef0123\script.ps1'] = $f.now
        $r = Invoke-FakeProbe $f
        $r.Printed.details.elmLeftovers | Should -Be @(
            'C:\Windows\Temp\elm-step-1a2b.ps1',
            'C:\Packages\Plugins\Microsoft.CPlat.Core.RunCommandHandlerWindows\2.0.14\Downloads\elm-step-0123456789abcdef0123')
    }
}

Describe 'IPv6 bindings and KMS wording' {
    It 'ipv6Enabled false when ms_tcpip6 is unbound from every adapter' {
        $f = New-FakeWindows
        $f.ipv6Bindings = @(@{ Name = 'Ethernet'; Enabled = $false }, @{ Name = 'Ethernet 2'; Enabled = $false })
        $r = Invoke-FakeProbe $f @{ ExpectIPv6 = $true }
        $r.Printed.details.ipv6Enabled | Should -BeFalse
        $r.Printed.details.ipv6UnboundAdapters | Should -Be @('Ethernet', 'Ethernet 2')
        $r.Printed.details.rebootReasons.ipv6DisabledOnPlatformLayer[0] | Should -Be 'ms_tcpip6 unbound from every adapter'
    }

    It 'ipv6Enabled stays true while one adapter has ms_tcpip6 bound' {
        $f = New-FakeWindows
        $f.ipv6Bindings = @(@{ Name = 'Ethernet'; Enabled = $true }, @{ Name = 'Ethernet 2'; Enabled = $false })
        (Invoke-FakeProbe $f).Printed.details.ipv6Enabled | Should -BeTrue
    }

    It 'kmsRearmPending says what is checked and that no rearm is left' {
        $f = New-FakeWindows
        $f.rearmCount = 0
        $r = Invoke-FakeProbe $f @{ KmsRearm = $true }
        $r.Printed.blockers | Should -Be @('kmsRearmPending')
        $r.Printed.details.rebootReasons.kmsRearmPending[0] | Should -Match 'no %ProgramData%\\elm\\kms-rearmed marker newer than the last boot; Windows has no rearm left'
        $f.said | Should -Contain '  - No KMS rearm since the last boot (no %ProgramData%\elm\kms-rearmed marker newer than it) - PVS target devices need a unique CMID.'
    }
}

Describe 'truncation by escaped length' {
    It 'non-ASCII paths: under 3 KB, every list keeps its first entry, cut where the escaped text ends' {
        $f = New-FakeWindows
        $pairs = @()
        $dir = '\??\C:\Program Files\' + ([string][char]0x8F6F) * 190 + '\'
        for ($i = 0; $i -lt 60; $i++) { $pairs += ($dir + 'component-' + $i + '.dll.pending'); $pairs += ('!' + $dir + 'component-' + $i + '.dll') }
        Set-Renames $f $pairs
        $runOnce = @{}
        for ($i = 0; $i -lt 30; $i++) { $runOnce[(([string][char]0x5B89) * 190 + ' step ' + $i)] = 'x.exe' }
        $f.registry[$script:RunOnceKey] = $runOnce
        $f.devices = @(0..9 | ForEach-Object { [pscustomobject]@{ Name = (([string][char]0x88C5) * 190 + ' ' + $_); ConfigManagerErrorCode = 14 } })
        $r = Invoke-FakeProbe $f
        [Text.Encoding]::UTF8.GetByteCount($r.Json) | Should -BeLessThan 3072
        @($r.Printed.details.pendingOtherRenames).Count | Should -BeGreaterThan 0
        @($r.Printed.details.runOnce).Count | Should -BeGreaterThan 0
        @($r.Printed.details.devicesNeedingRestart).Count | Should -BeGreaterThan 0
        $first = [string]@($r.Printed.details.pendingOtherRenames)[0]
        $first.Length | Should -BeGreaterThan 4
        ($dir + 'component-0.dll.pending').StartsWith($first) | Should -BeTrue
    }
}
