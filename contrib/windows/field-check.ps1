# upwrap field check: what upwrap sees of a real restart on a real Windows.
#
# Run it on a TEST VM, as SYSTEM, the way your agent runs upwrap:
#   - from a scheduled task:
#       schtasks /create /tn upwrap-field-check /ru SYSTEM /sc once /st 00:00 /f ^
#         /tr "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\fieldcheck\field-check.ps1"
#       schtasks /run /tn upwrap-field-check
#   - from a Configuration Manager package / application or an Intune Win32 app: install command
#       powershell.exe -NoProfile -ExecutionPolicy Bypass -File .\field-check.ps1 -Agent configmgr   (or intune)
#
# Phase "arm" (the default) registers a boot-time task that runs this script again with -Phase report,
# then runs a scripted upgrade under upwrap that restarts the VM (shutdown.exe /r) while it still runs,
# as Windows Setup does. THE VM RESTARTS. After the restart, phase "report" runs the same upwrap command
# line once more (which settles the job) and writes ONE JSON file: which notice arrived, whether
# user32.dll was loaded in upwrap's process, the boot witnesses' vote, the record, and the job log.
# Attach that file (default C:\ProgramData\upwrap-field-check\field-check.json) to a bug report.
#
# Nothing here changes the VM beyond: the state directory's "field-check" job, a scheduled task
# "upwrap-field-check-report" (removed by the report), and the output folder.

param(
    [ValidateSet('arm', 'report')] [string] $Phase = 'arm',
    [ValidateSet('task', 'configmgr', 'intune')] [string] $Agent = 'task',
    [string] $Upwrap = '',
    [string] $OutDir = (Join-Path $env:ProgramData 'upwrap-field-check'),
    [int] $RestartAfterSeconds = 20
)

# Continue, not Stop: Windows PowerShell 5.1 turns a native command's stderr into a terminating
# error under Stop. Failures that matter are checked explicitly.
$ErrorActionPreference = 'Continue'
$job = 'field-check'
$taskName = 'upwrap-field-check-report'
if (-not $Upwrap) {
    $programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
    $Upwrap = Join-Path $programFiles 'upwrap\upwrap.exe'
}
New-Item -ItemType Directory -Force -Path $OutDir | Out-Null
$settings = Join-Path $OutDir 'settings.json'

# The scripted upgrade: count the run, restart the machine in a few seconds, and keep working
# until the shutdown ends it, as an OS upgrade does. The same command line in both phases. One
# argument after /c is the command as typed (upwrap runs cmd.exe /d /s /c "..."); keep -OutDir
# free of spaces and quotes, which Windows PowerShell 5.1 passes on unescaped.
if ($OutDir -match '[\s"]') { throw "-OutDir must not hold spaces or quotes: $OutDir" }
$upgrade = @('cmd.exe', '/d', '/c',
    "echo run>>$OutDir\runs.txt & shutdown.exe /r /t $RestartAfterSeconds /c upwrap-field-check /d p:2:4 & ping -n 600 127.0.0.1 >nul")
$runArgs = @('run', '--job', $job, '--expect-reboot', '--log-format', 'json', '--') + $upgrade

function Invoke-Upwrap([string[]] $Arguments) {
    & $Upwrap @Arguments
    return $LASTEXITCODE
}

if ($Phase -eq 'arm') {
    if (-not (Test-Path $Upwrap)) { throw "upwrap.exe not found at $Upwrap; give -Upwrap" }
    @{ agent = $Agent; upwrap = $Upwrap; armed_at = (Get-Date).ToUniversalTime().ToString('o');
       last_boot = (Get-CimInstance Win32_OperatingSystem).LastBootUpTime.ToUniversalTime().ToString('o') } |
        ConvertTo-Json | Set-Content -Encoding UTF8 $settings
    Remove-Item -Force -ErrorAction SilentlyContinue (Join-Path $OutDir 'runs.txt'), (Join-Path $OutDir 'field-check.json')
    & $Upwrap clear --job $job 2>&1 | Out-Null
    # The report runs at the next boot, as SYSTEM, before anyone logs on.
    $self = $MyInvocation.MyCommand.Path
    $action = New-ScheduledTaskAction -Execute 'powershell.exe' -Argument "-NoProfile -ExecutionPolicy Bypass -File `"$self`" -Phase report -Upwrap `"$Upwrap`" -OutDir `"$OutDir`""
    $trigger = New-ScheduledTaskTrigger -AtStartup
    $principal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest
    Register-ScheduledTask -TaskName $taskName -Action $action -Trigger $trigger -Principal $principal -Force | Out-Null
    $code = Invoke-Upwrap $runArgs
    # Reached only if the machine did not go down while upwrap waited.
    Add-Content -Encoding UTF8 (Join-Path $OutDir 'arm.txt') "upwrap exited $code before the restart"
    exit $code
}

# Phase "report": after the restart.
Start-Sleep -Seconds 30 # let the boot settle (services, the agent)
$s = Get-Content -Raw $settings | ConvertFrom-Json
$stateDir = Join-Path $env:ProgramData 'upwrap'
$recordPath = Join-Path $stateDir "$job.json"
$logPath = Join-Path $stateDir "$job.log"
$recordBefore = if (Test-Path $recordPath) { Get-Content -Raw $recordPath | ConvertFrom-Json } else { $null }
$statusOut = & $Upwrap status --job $job --json 2>&1 | Out-String
$statusExit = $LASTEXITCODE
$runExit = Invoke-Upwrap $runArgs
$record = if (Test-Path $recordPath) { Get-Content -Raw $recordPath | ConvertFrom-Json } else { $null }

# The job log is JSON lines: upwrap's own events.
$events = @()
if (Test-Path $logPath) {
    foreach ($line in Get-Content $logPath) {
        try { $e = $line | ConvertFrom-Json } catch { continue }
        if ($e.msg -ne 'output') { $events += $e }
    }
}
$notices = @($events | Where-Object { $_.msg -eq 'termination notice' } |
    ForEach-Object { [ordered]@{ time = $_.time; signal = $_.signal; confirmed = $_.confirmed; witness = $_.witness; detail = $_.detail } })
$console = @($events | Where-Object { $_.gui_modules })
$user32 = $null
if ($console.Count -gt 0) { $user32 = [bool]($console | Where-Object { $_.gui_modules -ne 'none' }) }
$sentinel = $events | Where-Object { $_.msg -eq 'sentinel ready' } | Select-Object -First 1
$disagree = @($events | Where-Object { $_.msg -eq 'boot witnesses disagree' } | ForEach-Object { $_.disagreement })
$os = Get-CimInstance Win32_OperatingSystem
$restartEvents = @(Get-WinEvent -FilterHashtable @{ LogName = 'System'; Id = 1074; StartTime = [datetime]$s.armed_at } -ErrorAction SilentlyContinue |
    ForEach-Object { [ordered]@{ time = $_.TimeCreated.ToUniversalTime().ToString('o'); message = $_.Message } })
$runs = if (Test-Path (Join-Path $OutDir 'runs.txt')) { @(Get-Content (Join-Path $OutDir 'runs.txt')).Count } else { 0 }

$report = [ordered]@{
    field_check     = 1
    generated_at    = (Get-Date).ToUniversalTime().ToString('o')
    agent           = $s.agent
    host            = $env:COMPUTERNAME
    os              = [ordered]@{ caption = $os.Caption; version = $os.Version; build = $os.BuildNumber; last_boot = $os.LastBootUpTime.ToUniversalTime().ToString('o'); boot_before = $s.last_boot }
    upwrap_version  = (& $Upwrap version | Out-String).Trim()
    upgrade_runs    = $runs
    notices         = $notices
    first_notice    = if ($notices.Count -gt 0) { $notices[0].signal } else { $null }
    user32_loaded   = $user32
    sentinel        = if ($sentinel) { [ordered]@{ pid = $sentinel.sentinel_pid; session = $sentinel.session } } else { $null }
    boot_vote       = [ordered]@{ witnesses = if ($record) { $record.boot_witnesses } else { $null }; disagreements = $disagree }
    status_after    = [ordered]@{ exit_code = $statusExit; output = $statusOut.Trim() }
    run_after       = [ordered]@{ exit_code = $runExit }
    record_before   = $recordBefore
    record          = $record
    restart_events  = $restartEvents
    log             = $events
}
$out = Join-Path $OutDir 'field-check.json'
$report | ConvertTo-Json -Depth 8 | Set-Content -Encoding UTF8 $out
Unregister-ScheduledTask -TaskName $taskName -Confirm:$false -ErrorAction SilentlyContinue
Write-Output "upwrap field check: wrote $out"
