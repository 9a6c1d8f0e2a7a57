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
    It 'msiInProgress: the _MSIExecute mutex cannot be taken (<state>)' -ForEach @(@{ state = 'busy' }, @{ state = 'denied' }) {
        $f = New-FakeWindows
        $f.msiMutex = $state
        $r = Invoke-FakeProbe $f
        $r.Printed.blockers | Should -Be @('msiInProgress')
        $r.Printed.details.msiMutex | Should -Be $state
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
        $f.said | Should -Contain '    To compile it now run this script with -ExpediteNGen. Do not reboot to stop NGen.'
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
        $compiles = @($f.calls | Where-Object { $_ -notlike '* queue status' })
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
        @($f.calls | Where-Object { $_ -notlike '* queue status' }).Count | Should -Be 3
        $r.Printed.details.expediteNGen | Should -Be 'budget'
    }

    It '-ExpediteNGen budget: counted from the start of the script' {
        $f = New-FakeWindows
        $started = $f.now.AddMinutes(-78)
        $global:ElmFake = $f
        $r = Invoke-ShutdownForFinalize -StartedAt $started -ExpediteNGen -NGenWaitMinutes 80
        @($f.calls | Where-Object { $_ -notlike '* queue status' }).Count | Should -Be 0
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

    It 'shutdownRequested stays false when shutdown.exe fails' {
        $f = New-FakeWindows
        $f.shutdownExit = 1190
        (Invoke-FakeProbe $f @{ Shutdown = $true }).Printed.shutdownRequested | Should -BeFalse
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
