package wrap

import (
	"context"
	"slices"
	"strings"

	"github.com/upwrap/upwrap/detect"
)

// PendingSource is one reboot-pending source as `upwrap pending` reports it.
type PendingSource struct {
	detect.PendingSource
	// Ignored is true when the caller named this source to disregard: it is
	// reported, and does not count.
	Ignored bool `json:"ignored"`
}

// PendingReport is the answer to "is a reboot pending on this machine, and
// why?".
type PendingReport struct {
	// Sources lists every source of this OS in a stable order.
	Sources []PendingSource `json:"sources"`
	// Pending names the sources that say a reboot is pending and are not
	// ignored; a reboot is pending exactly when it is not empty.
	Pending []string `json:"pending"`
	// Unknown names the ignore entries that match no source of this OS
	// (a typo, or another OS's source).
	Unknown []string `json:"unknown_ignored,omitempty"`
}

// Pending checks every reboot-pending source of the machine, disregarding
// those named in ignore. It writes nothing and takes no lock.
func Pending(ctx context.Context, probe detect.Probe, ignore []string) PendingReport {
	found := probe.PendingReboot(ctx)
	r := PendingReport{Pending: detect.PendingNames(found, ignore)}
	if r.Pending == nil {
		r.Pending = []string{}
	}
	// NAME:PATTERN rules drop entries of a list source (see
	// detect.FilterPending); the source is shown as they leave it.
	filtered := detect.FilterPending(found, ignore)
	for i, s := range found {
		ignored := slices.Contains(ignore, s.Name)
		if !ignored {
			s = filtered[i]
		}
		r.Sources = append(r.Sources, PendingSource{PendingSource: s, Ignored: ignored})
	}
	if r.Sources == nil {
		r.Sources = []PendingSource{}
	}
	for _, rule := range ignore {
		name, _, _ := strings.Cut(rule, ":")
		if !slices.ContainsFunc(found, func(s detect.PendingSource) bool { return s.Name == name }) && !slices.Contains(r.Unknown, rule) {
			r.Unknown = append(r.Unknown, rule)
		}
	}
	return r
}
