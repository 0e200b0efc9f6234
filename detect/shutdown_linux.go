package detect

import (
	"context"
	"os"
)

// ShutdownNotice implements [Probe]. No witness is consulted yet, so every
// notice is unconfirmed: DESIGN §3 then treats it as an operator's stop, and
// the boot identity still makes the result right after a real restart.
func (p *linuxProbe) ShutdownNotice(ctx context.Context, sig os.Signal) Notice {
	return Notice{Signal: SignalName(sig)}
}
