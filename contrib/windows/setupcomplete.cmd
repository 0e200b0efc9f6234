@echo off
rem upwrap template: Windows Setup's /PostOOBE script.
rem
rem Windows Setup copies this file to %WINDIR%\Setup\Scripts\SetupComplete.cmd
rem and runs it as SYSTEM once the upgraded Windows has finished setting up,
rem before anyone logs on. It records the upgrade's job as succeeded, so the
rem upgraded OS itself tells upwrap -- and the deployment agent -- the truth.
rem
rem Start the upgrade with (one line; see README "Windows Setup as the oracle"):
rem   upwrap.exe run --job win11-upgrade --expect-reboot --await-mark 2h
rem     -- setup.exe /auto upgrade /quiet
rem     /eula accept /postoobe "C:\Program Files\upwrap\setup\setupcomplete.cmd"
rem     /postrollback "C:\Program Files\upwrap\setup\setuprollback.cmd"
rem (upwrap.msi installs both scripts in that folder.)
rem
rem --await-mark 2h: after the restart the job answers busy (1618) until this
rem script (or setuprollback.cmd) records Setup's verdict, at most 2 hours;
rem then --verify, if given, decides.
rem
rem Edit the three values below to match that command line. Use absolute
rem paths: the script does not run from the folder you put it in.
rem Setup ignores this script's exit code; upwrap's job log and the
rem Application event log (source "upwrap", event 102) keep the result.

setlocal
set "UPWRAP=%ProgramFiles%\upwrap\upwrap.exe"
set "UPWRAP_JOB=win11-upgrade"
set "UPWRAP_STATE_DIR=%ProgramData%\upwrap"

"%UPWRAP%" mark --job "%UPWRAP_JOB%" --state-dir "%UPWRAP_STATE_DIR%" --state succeeded --reason "Windows Setup completed the upgrade (setupcomplete.cmd)"
exit /b 0
