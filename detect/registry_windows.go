package detect

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// hklmRegistry is the real [winRegistry]: HKLM, always the 64-bit view, so
// that a 32-bit build is not redirected to Wow6432Node behind its back.
type hklmRegistry struct{}

const regRead = registry.QUERY_VALUE | registry.WOW64_64KEY

func (hklmRegistry) keyExists(path string) (bool, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, regRead)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	k.Close()
	return true, nil
}

func (hklmRegistry) value(path, name string) (regValue, bool, error) {
	k, err := registry.OpenKey(registry.LOCAL_MACHINE, path, regRead)
	if errors.Is(err, registry.ErrNotExist) {
		return regValue{}, false, nil
	}
	if err != nil {
		return regValue{}, false, err
	}
	defer k.Close()
	_, typ, err := k.GetValue(name, nil)
	if errors.Is(err, registry.ErrNotExist) {
		return regValue{}, false, nil
	}
	if err != nil && !errors.Is(err, windows.ERROR_MORE_DATA) {
		return regValue{}, false, err
	}
	var v regValue
	switch typ {
	case registry.SZ, registry.EXPAND_SZ:
		v.kind = "string"
		v.str, _, err = k.GetStringValue(name)
	case registry.MULTI_SZ:
		v.kind = "strings"
		v.strs, _, err = k.GetStringsValue(name)
	case registry.DWORD, registry.QWORD:
		v.kind = "integer"
		v.num, _, err = k.GetIntegerValue(name)
	default:
		v.kind = fmt.Sprintf("type-%d", typ)
	}
	if err != nil {
		return regValue{}, false, err
	}
	return v, true, nil
}

func (hklmRegistry) dnsHostname() (string, error) {
	n := uint32(256)
	buf := make([]uint16, n)
	if err := windows.GetComputerNameEx(windows.ComputerNamePhysicalDnsHostname, &buf[0], &n); err != nil {
		return "", fmt.Errorf("GetComputerNameEx: %w", err)
	}
	return windows.UTF16ToString(buf[:n]), nil
}
