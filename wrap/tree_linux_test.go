package wrap

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// stopPendingIn: Ctrl-Z counts as a stop of a process that cannot act on
// it yet only when the stop signal will stop it: pending and not caught.
func TestStopPendingIn(t *testing.T) {
	status := func(sigPnd, shdPnd, sigBlk, sigCgt string) []byte {
		return []byte("Name:\tsh\nState:\tD (disk sleep)\nSigQ:\t1/63368\nSigPnd:\t" + sigPnd +
			"\nShdPnd:\t" + shdPnd + "\nSigBlk:\t" + sigBlk + "\nSigIgn:\t0000000000000000\nSigCgt:\t" + sigCgt + "\n")
	}
	const (
		none = "0000000000000000"
		tstp = "0000000000080000" // signal 20, bit 19
		ttin = "0000000000200000" // signal 21
		term = "0000000000004000" // signal 15: not a terminal stop
	)
	tests := []struct {
		name   string
		status []byte
		want   bool
	}{
		{"nothing pending", status(none, none, none, none), false},
		{"SIGTSTP pending for the process group (vfork parent)", status(none, tstp, none, none), true},
		{"SIGTSTP pending for the thread", status(tstp, none, none, none), true},
		{"SIGTTIN pending", status(none, ttin, none, none), true},
		{"SIGTSTP pending and blocked (dash around its vfork)", status(none, tstp, tstp, none), true},
		{"SIGTSTP pending but caught: the process decides", status(none, tstp, none, tstp), false},
		{"only SIGTERM pending", status(none, term, none, none), false},
		{"unreadable", []byte("garbage"), false},
	}
	var got, want []string
	for _, tt := range tests {
		if stopPendingIn(tt.status) {
			got = append(got, tt.name)
		}
		if tt.want {
			want = append(want, tt.name)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stop pending (-want +got):\n%s", diff)
	}
}
