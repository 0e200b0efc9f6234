package detect

// linuxProbe reads the machine under root ("/" in production).
type linuxProbe struct {
	root string
}

// System returns the probe of the running machine.
func System() Probe { return &linuxProbe{root: "/"} }
