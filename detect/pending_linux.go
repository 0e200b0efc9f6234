package detect

import "context"

// PendingReboot implements [Probe].
func (p *linuxProbe) PendingReboot(ctx context.Context) []PendingSource {
	return nil
}
