package wrap

import "testing"

// TestCmdShellLine: the --verify command reaches cmd.exe as typed, quotes
// and backslashes included, because cmd.exe /s /c strips only the outer
// pair of quotes (os/exec's \" escapes mean nothing to cmd.exe).
func TestCmdShellLine(t *testing.T) {
	tests := []struct{ command, want string }{
		{`ver`, `"C:\Windows\system32\cmd.exe" /d /s /c "ver"`},
		{`if exist "C:\Program Files\App\app.exe" exit 0`, `"C:\Windows\system32\cmd.exe" /d /s /c "if exist "C:\Program Files\App\app.exe" exit 0"`},
		{`findstr /c:"a b" C:\dir\ & exit 1`, `"C:\Windows\system32\cmd.exe" /d /s /c "findstr /c:"a b" C:\dir\ & exit 1"`},
	}
	for _, tt := range tests {
		if got := cmdShellLine(`C:\Windows\system32\cmd.exe`, tt.command); got != tt.want {
			t.Errorf("cmdShellLine(%q) = %s, want %s", tt.command, got, tt.want)
		}
	}
}
