# PowerShell completion for upwrap (generated from upwrap's CLI by scripts/gendocs; do not edit).
# Install: dot-source it from your profile:  . <path>\upwrap.ps1

Register-ArgumentCompleter -Native -CommandName 'upwrap', 'upwrap'.exe -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $commands = [ordered]@{
        'run' = 'run COMMAND once as the job, or report what an earlier run recorded'
        'status' = 'print a job''s effective state (what run would act on); writes nothing'
        'resume' = 'at boot: record the outcome of jobs whose restart has happened'
        'mark' = 'record a job''s outcome from outside (e.g. Windows Setup''s setupcomplete.cmd / setuprollback.cmd)'
        'clear' = 'forget a job so that it may run again (refused while it runs)'
        'pending' = 'is a reboot pending on this machine, and why (one line per source); exits with the reboot-required code when one is'
        'version' = 'print the version'
        'help' = 'Shows a list of commands or help for one command'
    }
    $flags = @{
        'run' = @('--await-mark', '--exit-codes', '--expect-reboot', '--ignore-pending', '--job', '--json', '--log', '--log-format', '--log-max-size', '--max-attempts', '--quiet', '--raw-cmdline', '--reboot-codes', '--record-retry', '--registry', '--restart-codes', '--shutdown-grace', '--state-dir', '--success-codes', '--textfile', '--timeout', '--verify', '--verify-timeout', '--wait-tree')
        'status' = @('--all', '--detection', '--exit-codes', '--format', '--job', '--json', '--max-attempts', '--state-dir', '--verify-timeout')
        'resume' = @('--all', '--exit-codes', '--job', '--json', '--log-format', '--max-attempts', '--state-dir', '--textfile', '--verify-timeout')
        'mark' = @('--exit-codes', '--job', '--json', '--reason', '--state', '--state-dir', '--textfile')
        'clear' = @('--exit-codes', '--job', '--state-dir', '--textfile')
        'pending' = @('--exit-codes', '--ignore-pending', '--json')
        'version' = @()
        'help' = @()
    }
    $usage = @{
        '--await-mark' = 'after the restart, answer busy until upwrap mark records the outcome (Windows Setup''s scripts) or this long has passed since the restart; then --verify decides, else succeeded'
        '--exit-codes' = 'exit-code profile: msi or posix (default: msi on Windows, posix elsewhere)'
        '--expect-reboot' = 'the command may restart the machine; a restart completes the job'
        '--ignore-pending' = 'reboot-pending source to disregard: NAME, or NAME:PATTERN for the matching entries of a list source (repeatable)'
        '--job' = 'job id (default: derived from the command line)'
        '--json' = 'print the job record as one JSON object on stdout (the child''s stdout goes to stderr)'
        '--log' = 'log file, outside the state directory (default: <state-dir>/<job>.log); one that cannot be used falls back to the default, with a warning'
        '--log-format' = 'job log format: text, json (JSON lines) or cmtrace (CMTrace/OneTrace) (default: the format the log already has, else text)'
        '--log-max-size' = 'size at which the job log stops growing (K, M, G suffixes; 0 = no limit); it also stops when its file system runs short of space'
        '--max-attempts' = 'starts of a failing job before upwrap gives up'
        '--quiet' = 'no status line on a terminal, and no summary line when the job succeeded'
        '--raw-cmdline' = 'Windows: start the command with the text after -- exactly as typed, for programs that parse their command line their own way'
        '--reboot-codes' = 'child exit codes meaning success, reboot required (default: 3010 in the msi profile, none in posix)'
        '--record-retry' = 'how long to retry writing the final record when the state directory refuses it (full, read-only)'
        '--registry' = 'Windows: mirror the job''s state into HKLM\SOFTWARE\upwrap\Jobs\<job> for registry detection rules'
        '--restart-codes' = 'child exit codes meaning success, the child started the restart (default: 1641 in msi, none in posix)'
        '--shutdown-grace' = 'with --expect-reboot: how long to wait for a shutdown notice after the command was killed by a signal nothing explained; 0 = no wait'
        '--state-dir' = 'directory of the job records (default: %ProgramData%\upwrap on Windows, /var/lib/upwrap for root elsewhere, $XDG_STATE_HOME/upwrap for other users)'
        '--success-codes' = 'child exit codes meaning success (default 0)'
        '--textfile' = 'directory (e.g. node_exporter''s or windows_exporter''s textfile directory) whose upwrap.prom, Prometheus metrics of every job, is kept current'
        '--timeout' = 'kill the whole process tree after this long (e.g. 2h); 0 = no limit'
        '--verify' = 'check command, run through the platform shell (sh -c / cmd.exe /C); exit 0 = the upgrade is in place'
        '--verify-timeout' = 'kill the --verify command''s process tree after this long; the verify then fails'
        '--wait-tree' = 'wait for every process the command started, not only the command'
        '--all' = 'every job in the state directory'
        '--detection' = 'Intune / Configuration Manager detection-script contract: exit 0 whenever the state is known, one line on stdout only when the job succeeded'
        '--format' = 'with --all: prometheus prints the jobs'' records as Prometheus metrics, the text --textfile writes'
        '--reason' = 'one line saying why'
        '--state' = 'succeeded or failed (required)'
    }
    $values = @{
        '--exit-codes' = @('msi', 'posix')
        '--log-format' = @('text', 'json', 'cmtrace')
        '--state' = @('succeeded', 'failed')
    }
    $takesValue = @('--await-mark', '--exit-codes', '--format', '--ignore-pending', '--job', '--log', '--log-format', '--log-max-size', '--max-attempts', '--reason', '--reboot-codes', '--record-retry', '--restart-codes', '--shutdown-grace', '--state', '--state-dir', '--success-codes', '--textfile', '--timeout', '--verify', '--verify-timeout')
    # The words before the one being completed, without the command name.
    $before = @($commandAst.CommandElements |
        Where-Object { $_.Extent.EndOffset -lt $cursorPosition } |
        Select-Object -Skip 1 | ForEach-Object { $_.Extent.Text })
    $cmd = $null
    $prev = $null
    $skip = $false
    foreach ($w in $before) {
        if ($skip) { $skip = $false; $prev = $null; continue }
        if ($w -eq '--') { return }  # the wrapped command: PowerShell completes paths
        if ($takesValue -contains $w) { $skip = $true; $prev = $w; continue }
        if (-not $w.StartsWith('-') -and -not $cmd) { $cmd = $w }
        $prev = $null
    }
    $results = @()
    if ($skip -and $prev) {
        if ($values.ContainsKey($prev)) {
            $results = $values[$prev] | Where-Object { $_ -like "$wordToComplete*" } |
                ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
        }
        return $results  # nothing: PowerShell completes paths (--state-dir, --log)
    }
    if (-not $cmd) {
        $results = $commands.Keys | Where-Object { $_ -like "$wordToComplete*" } |
            ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'Command', $commands[$_]) }
        return $results
    }
    if ($flags.ContainsKey($cmd)) {
        $results = $flags[$cmd] | Where-Object { $_ -like "$wordToComplete*" } |
            ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterName', $usage[$_]) }
    }
    return $results
}
