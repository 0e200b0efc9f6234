package wrap

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"

	"github.com/upwrap/upwrap/detect"
	"github.com/upwrap/upwrap/marker"
)

// witnessKey is the record key of the boot witnesses (Windows): what each
// witness said when this invocation read the boot identity, and any
// disagreement, among them or with the record's boot.
const witnessKey = "boot_witnesses"

// readBoot returns the boot identity and, where the probe decides it from
// several witnesses, what they said.
func readBoot(ctx context.Context, probe detect.Probe) (string, *detect.BootWitnesses, error) {
	if e, ok := probe.(detect.BootExplainer); ok {
		w, err := e.BootWitnesses(ctx)
		if err != nil {
			return "", nil, err
		}
		return w.Identity, &w, nil
	}
	boot, err := probe.BootID(ctx)
	return boot, nil, err
}

// noteRecordBoot adds to w how the witnesses compared the record's boot
// with the current one, when they did not all agree.
func noteRecordBoot(w *detect.BootWitnesses, rec *marker.Record, boot string) {
	if w == nil || rec == nil {
		return
	}
	if _, dis := detect.CompareBoot(recordedBoot(rec), boot); dis != "" {
		if w.Disagreement != "" {
			w.Disagreement += "; "
		}
		w.Disagreement += "against the record's boot: " + dis
	}
}

// logWitnesses logs a disagreement among the boot witnesses.
func logWitnesses(log *jobLog, w *detect.BootWitnesses) {
	if w != nil && w.Disagreement != "" {
		log.event(evBootWitnessesDisagree, "identity", w.Identity, "disagreement", w.Disagreement)
	}
}

// withWitnesses returns r's Extra with the witnesses set, as a new map so
// that records sharing the old one are untouched.
func withWitnesses(extra map[string]json.RawMessage, w *detect.BootWitnesses) map[string]json.RawMessage {
	if w == nil {
		return extra
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "->" stays readable, as in the rest of the record
	if err := enc.Encode(w); err != nil {
		return extra
	}
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	out := maps.Clone(extra)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	out[witnessKey] = b
	return out
}
