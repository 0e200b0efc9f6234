@echo off
rem upwrap template: Windows Setup's /PostRollback script.
rem
rem Windows Setup runs this file after an upgrade has failed and the PC has
rem rolled back to its previous Windows, with the privileges of whoever
rem started Setup (SYSTEM under Configuration Manager or Intune). It records
rem the upgrade's job as failed, so that nobody reads the restart as success:
rem with run's --await-mark (see setupcomplete.cmd) the job answers busy
rem after the restart until this script or setupcomplete.cmd has run.
rem
rem A failed job runs again on the agent's next attempt, up to upwrap run's
rem --max-attempts (3 by default); then upwrap gives up (the loop breaker)
rem until "upwrap clear --job ..." -- give --max-attempts 1 to stop at once.
rem
rem Edit the three values below to match the command line that started the
rem upgrade (see setupcomplete.cmd). Use absolute paths.

setlocal
set "UPWRAP=%ProgramFiles%\upwrap\upwrap.exe"
set "UPWRAP_JOB=win11-upgrade"
set "UPWRAP_STATE_DIR=%ProgramData%\upwrap"

"%UPWRAP%" mark --job "%UPWRAP_JOB%" --state-dir "%UPWRAP_STATE_DIR%" --state failed --reason "Windows Setup rolled the upgrade back (setuprollback.cmd)"
exit /b 0
