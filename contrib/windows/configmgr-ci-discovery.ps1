# upwrap template: the discovery script of a Configuration Manager
# configuration item (setting type "Script", data type String, script
# language Windows PowerShell, 64-bit, run as SYSTEM).
#
# It writes one word to stdout, the job's state as upwrap status --json
# reports it (what "upwrap run" would act on; a restart that completed the
# job reads succeeded): succeeded, reboot-required, rebooting, running or
# failed; "none" when the job has no record, "error" when upwrap cannot read
# it (run upwrap status --job JOB on the device for why). It always exits 0
# and writes nothing to stderr, so the client never reports a script error.
#
# Compliance rule: the value returned "Equals" succeeded. A remediation
# script for the item can be intune-remediate.ps1 (same exit-code contract:
# 0 done, anything else failed).
#
# Edit the job id.

$job = 'win11-upgrade'

# upwrap's msi exit code for "no such job".
$noJob = 27014

$programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$upwrap = Join-Path $programFiles 'upwrap\upwrap.exe'
if (-not (Test-Path -LiteralPath $upwrap)) {
    Write-Output 'none'
    exit 0
}

$record = & $upwrap status --job $job --json --exit-codes msi 2>$null | Select-Object -First 1
$code = $LASTEXITCODE
if ($record) {
    Write-Output ($record | ConvertFrom-Json).state
} elseif ($code -eq $noJob) {
    Write-Output 'none'
} else {
    Write-Output 'error'
}
exit 0
