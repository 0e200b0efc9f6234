# upwrap template: the detection script of an Intune Remediations script
# package (Devices > Scripts and remediations), paired with
# intune-remediate.ps1. Run it as SYSTEM ("Run this script using the logged-on
# credentials": No) in 64-bit PowerShell.
#
# Remediations read exit 0 as "no issue" and exit 1 as "issue found: run the
# remediation script"; the admin center shows the last line this script
# writes to stdout. The issue here is "the job has not succeeded":
# upwrap status --detection prints its one line only when the job has
# succeeded (also after a restart that completed it) and exits 0 whenever it
# can decide; for every other state the line comes from status --json: the
# state and the reason from the job's record. Nothing is written to stderr.
#
# Edit the job id to match intune-remediate.ps1.

$job = 'win11-upgrade'

# Find the 64-bit Program Files folder even from a 32-bit PowerShell.
$programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$upwrap = Join-Path $programFiles 'upwrap\upwrap.exe'
if (-not (Test-Path -LiteralPath $upwrap)) {
    Write-Output "upwrap: not installed at $upwrap"
    exit 1
}

$detected = & $upwrap status --job $job --detection 2>$null
if ($LASTEXITCODE -ne 0) {
    Write-Output "upwrap: ${job}: status cannot decide (exit code $LASTEXITCODE); run upwrap status --job $job on the device"
    exit 1
}
if ($detected) {
    Write-Output $detected
    exit 0
}
$record = & $upwrap status --job $job --json 2>$null | Select-Object -First 1
if ($record) {
    $r = $record | ConvertFrom-Json
    Write-Output ('upwrap: {0}: {1} ({2})' -f $job, $r.state, $r.reason)
} else {
    Write-Output "upwrap: ${job}: no record (the upgrade has not run here)"
}
exit 1
