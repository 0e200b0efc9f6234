# upwrap template: the detection script of an Intune Win32 app ("Use a
# custom detection script") or of a Configuration Manager deployment type
# ("Use a custom script to detect the presence of this deployment type",
# script type PowerShell).
#
# The agent reads "installed" when the script exits 0 and writes to stdout;
# upwrap status --detection prints its one line only when the job has
# succeeded (also after a restart that completed it), prints nothing for
# every other state, and exits non-zero only when it cannot decide.
# A non-zero exit is "not detected" to Intune and an error to Configuration
# Manager: both then report the deployment instead of guessing.
#
# upwrap.msi installs this script signed (Authenticode), for machines whose
# PowerShell execution policy is AllSigned. Editing it breaks the signature:
# sign your copy with your own code-signing certificate
# (Set-AuthenticodeSignature), or set the agent to bypass the policy.
#
# Edit the job id to match the install command line.

$job = 'win11-upgrade'

# Intune may run this script as a 32-bit process: find the 64-bit
# Program Files folder either way.
$programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$upwrap = Join-Path $programFiles 'upwrap\upwrap.exe'

# Without upwrap.exe, "& $upwrap" fails with an error on stderr and exit
# $LASTEXITCODE would exit 0: Configuration Manager reads that as Unknown.
if (-not (Test-Path -LiteralPath $upwrap -PathType Leaf)) {
    [Console]::Error.WriteLine("upwrap: error: $upwrap is missing; install upwrap (upwrap.msi) before the upgrade's deployment")
    exit 1
}

& $upwrap status --job $job --detection
exit $LASTEXITCODE
