package wrap

import (
	"context"
	"errors"
	"testing"

	"github.com/upwrap/upwrap/marker"
)

// TestOptionErrors: bad input comes back as an OptionError naming the
// option and the value, which is a usage error, and whose text names the
// option by its Go name when no caller spells it.
func TestOptionErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Mark(context.Background(), MarkOptions{StateDir: dir, Job: "j", State: "done"}, logTestProbe{boot: "b"})
	var oe *OptionError
	if !errors.As(err, &oe) || oe.Option != OptMarkState || oe.Value != "done" || !errors.Is(err, ErrUsage) {
		t.Fatalf("Mark with a bad state: %#v", err)
	}
	if got, want := err.Error(), `State "done": use succeeded or failed`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	_, _, err = Query{StateDir: dir}.ids()
	if !errors.As(err, &oe) || oe.Option != OptJob || oe.Also != OptAll {
		t.Fatalf("a query without a job: %#v", err)
	}
	under := &OptionError{Option: OptRegistry, Text: "{option}", Err: marker.ErrMirrorUnsupported}
	if !errors.Is(under, marker.ErrMirrorUnsupported) || !errors.Is(under, ErrUsage) {
		t.Errorf("%v does not wrap both its cause and ErrUsage", under)
	}
}
