package marker

import (
	"errors"

	"golang.org/x/sys/windows/registry"
)

func mirrorPath(id ID) string { return MirrorKey + `\` + string(id) }

func createMirror(id ID) error {
	k, _, err := registry.CreateKey(registry.LOCAL_MACHINE, mirrorPath(id), registry.SET_VALUE|registry.WOW64_64KEY)
	if err != nil {
		return err
	}
	return k.Close()
}

// putMirror writes the values into the job's key if it exists; a job that
// was never mirrored has none, and nothing is written.
func putMirror(id ID, vals []mirrorValue) error {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, mirrorPath(id), registry.SET_VALUE|registry.QUERY_VALUE|registry.WOW64_64KEY)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer k.Close()
	for _, v := range vals {
		switch {
		case v.absent:
			if err := k.DeleteValue(v.name); err != nil && !errors.Is(err, registry.ErrNotExist) {
				return err
			}
		case v.isNum:
			if old, _, err := k.GetIntegerValue(v.name); err == nil && old == uint64(v.num) {
				continue
			}
			if err := k.SetDWordValue(v.name, v.num); err != nil {
				return err
			}
		default:
			if old, _, err := k.GetStringValue(v.name); err == nil && old == v.str {
				continue
			}
			if err := k.SetStringValue(v.name, v.str); err != nil {
				return err
			}
		}
	}
	return nil
}

// deleteMirror removes the job's key, if any.
func deleteMirror(id ID) error {
	err := registry.DeleteKey(registry.LOCAL_MACHINE, mirrorPath(id))
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	return err
}
