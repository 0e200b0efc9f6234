package detect

import "time"

// linuxProbe reads the machine under root ("/" in production).
type linuxProbe struct {
	root string
	// systemdTimeout bounds the systemd query of ShutdownNotice; zero means
	// defaultSystemdTimeout. Tests on a loaded machine give more.
	systemdTimeout time.Duration
}

// System returns the probe of the running machine.
func System() Probe { return &linuxProbe{root: "/"} }
