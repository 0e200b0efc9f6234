# upwrap template: the remediation script of an Intune Remediations script
# package, paired with intune-detect.ps1 (which runs it when the job has not
# succeeded). Run it as SYSTEM in 64-bit PowerShell.
#
# It runs the upgrade under upwrap, which makes it safe to run again and
# again: a job that already ran is never started twice (the record says
# what happened: done, a restart is needed, failed and why); a restart that
# completed the job is recorded as succeeded. Intune does not restart the
# device: upwrap's exit codes 3010 and 1641 are a success here, and the next
# detection after the restart reports the job succeeded.
#
# Remediations read exit 0 as "remediated" and any other code as "failed";
# a line on stderr makes the run a script error, so upwrap's own lines are
# taken into stdout. The admin center shows the last line: upwrap's summary.
#
# Edit the job id and the command line (a program and its arguments, run
# without a shell). Add '--verify', 'COMMAND' to the upwrap options to check
# after the restart that the upgrade is in place.

$job = 'win11-upgrade'
$command = @('C:\ProgramData\Upgrade\setup.exe', '/auto', 'upgrade', '/quiet', '/eula', 'accept', '/noreboot')

# upwrap's msi exit codes that mean the remediation did its part: done,
# done but a restart is required, the restart is in progress, busy (another
# installation runs: the next schedule retries).
$okCodes = @(0, 3010, 1641, 1618)

$programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$upwrap = Join-Path $programFiles 'upwrap\upwrap.exe'
if (-not (Test-Path -LiteralPath $upwrap)) {
    Write-Output "upwrap: not installed at $upwrap"
    exit 1
}

$lines = & $upwrap run --job $job --expect-reboot --exit-codes msi -- @command 2>&1 | ForEach-Object { "$_" }
$code = $LASTEXITCODE
$lines | Select-Object -Last 20 | Write-Output
if ($okCodes -contains $code) {
    exit 0
}
exit 1
