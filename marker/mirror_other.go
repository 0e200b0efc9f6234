//go:build !windows

package marker

func createMirror(id ID) error { return ErrMirrorUnsupported }

// putMirror and deleteMirror have nothing to do where no mirror can exist.
func putMirror(id ID, vals []mirrorValue) error { return nil }
func deleteMirror(id ID) error                  { return nil }
