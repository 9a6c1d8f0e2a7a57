# Runs the Pester tests of ShutdownForFinalize.ps1 and writes one JSON line per test to
# -ResultPath: { name, result, error }. Used by shutdownForFinalize.test.ts (jest).
param([Parameter(Mandatory)][string]$ResultPath)
$ErrorActionPreference = 'Stop'
$pester = Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version.Major -ge 5 } | Sort-Object Version -Descending | Select-Object -First 1
if (-not $pester) {
    [Console]::Error.WriteLine('Pester 5 or later is not installed (.ci/run installs it from NuGet).')
    exit 3
}
Import-Module $pester.Path
$config = New-PesterConfiguration
$config.Run.Path = (Join-Path $PSScriptRoot 'ShutdownForFinalize.Tests.ps1')
$config.Run.PassThru = $true
$config.Output.Verbosity = 'None'
$run = Invoke-Pester -Configuration $config
$tests = @($run.Tests | ForEach-Object {
        [ordered]@{
            name   = $_.ExpandedName
            result = [string]$_.Result
            error  = (@($_.ErrorRecord | ForEach-Object { [string]$_ }) -join "`n")
        }
    })
$containerErrors = @($run.Containers | Where-Object { $_.Result -eq 'Failed' -and $_.ErrorRecord } | ForEach-Object { @($_.ErrorRecord | ForEach-Object { [string]$_ }) -join "`n" })
$doc = [ordered]@{ pester = $pester.Version.ToString(); tests = $tests; containerErrors = $containerErrors }
[IO.File]::WriteAllText($ResultPath, (ConvertTo-Json -InputObject $doc -Depth 5))
