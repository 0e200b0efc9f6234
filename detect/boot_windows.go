package detect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

const (
	// keyPrefetch holds BootId, a counter Windows raises at each boot (not
	// documented; absent on some versions and under Wine).
	keyPrefetch = `SYSTEM\CurrentControlSet\Control\Session Manager\Memory Management\PrefetchParameters`
	// keyUpwrap is upwrap's own key; keyBoot, below it, is volatile.
	keyUpwrap = `SOFTWARE\upwrap`
	keyBoot   = keyUpwrap + `\Boot`
	// bootValue holds the identity decided when keyBoot was created.
	bootValue = "Identity"

	// winnt.h values x/sys/windows does not export.
	regOptionVolatile    = 0x1 // REG_OPTION_VOLATILE
	regOpenedExistingKey = 2   // REG_OPENED_EXISTING_KEY
)

// BootWitnesses implements [BootExplainer]: it reads the boot time and the
// boot counter, then reads or creates upwrap's volatile key and decides the
// identity with resolveBoot. Without the key (upwrap is not elevated, or
// the registry refuses) the identity holds the other two witnesses only.
func (*windowsProbe) BootWitnesses(ctx context.Context) (BootWitnesses, error) {
	up := windows.DurationSinceBoot()
	if up <= 0 {
		return BootWitnesses{}, fmt.Errorf("boot identity: time since boot is %v", up)
	}
	bootTime := time.Now().Add(-up)
	live := winBoot{t: roundBootTime(bootTime), hasT: true}
	w := BootWitnesses{BootTime: bootTime.UTC().Format(time.RFC3339)}
	if v, found, err := (hklmRegistry{}).value(keyPrefetch, "BootId"); err == nil && found && v.kind == "integer" {
		live.c, live.hasC = v.num, true
		c := v.num
		w.BootCounter = &c
	}
	id, state, dis, err := volatileIdentity(live)
	if err != nil {
		w.VolatileKey = "unavailable: " + err.Error()
		id = live
	} else {
		w.VolatileKey = state
	}
	w.Identity, w.Disagreement = id.String(), dis
	return w, nil
}

// volatileIdentity reads the identity kept in upwrap's volatile key, or
// creates the key with a new one.
func volatileIdentity(live winBoot) (id winBoot, state, disagreement string, err error) {
	parent, _, err := registry.CreateKey(registry.LOCAL_MACHINE, keyUpwrap, registry.CREATE_SUB_KEY|registry.WOW64_64KEY)
	if err != nil {
		return winBoot{}, "", "", fmt.Errorf(`HKLM\%s: %w`, keyUpwrap, err)
	}
	defer parent.Close()
	k, disposition, err := openVolatileBoot(parent)
	if err != nil {
		return winBoot{}, "", "", err
	}
	defer func() { k.Close() }()
	recreated := false
	if disposition == regOpenedExistingKey && !isVolatile(k) {
		// Made by hand, or by an older build, without REG_OPTION_VOLATILE:
		// a restart would not erase it, and its token would vote "same
		// boot" across every restart. Delete it and make it again.
		k.Close()
		if err := registry.DeleteKey(parent, "Boot"); err != nil {
			return winBoot{}, "", "", fmt.Errorf(`HKLM\%s is not volatile and cannot be deleted: %w`, keyBoot, err)
		}
		if k, disposition, err = openVolatileBoot(parent); err != nil {
			return winBoot{}, "", "", err
		}
		recreated = true
	}
	var stored *winBoot
	if disposition == regOpenedExistingKey {
		// The creator may not have written the value yet.
		for i := 0; i < 20; i++ {
			s, _, err := k.GetStringValue(bootValue)
			if err == nil {
				if b, ok := parseWinBoot(s); ok {
					stored = &b
				}
				break
			}
			if !errors.Is(err, registry.ErrNotExist) {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
	}
	id, write, dis := resolveBoot(stored, live, newBootToken)
	state = "present"
	if write {
		if err := k.SetStringValue(bootValue, id.String()); err != nil {
			return winBoot{}, "", "", fmt.Errorf(`HKLM\%s: %w`, keyBoot, err)
		}
		state = "created"
		if stored != nil {
			state = "replaced"
		}
	}
	if recreated {
		state = "recreated: the key was not volatile"
	}
	return id, state, dis, nil
}

// openVolatileBoot creates (or opens) HKLM\SOFTWARE\upwrap\Boot with
// REG_OPTION_VOLATILE, "stored in memory and not preserved when the
// corresponding registry hive is unloaded"; the option "is ignored for keys
// that already exist"
// (RegCreateKeyEx, https://learn.microsoft.com/en-us/windows/win32/api/winreg/nf-winreg-regcreatekeyexw),
// hence isVolatile.
func openVolatileBoot(parent registry.Key) (registry.Key, uint32, error) {
	name, _ := windows.UTF16PtrFromString("Boot")
	var h windows.Handle
	var disposition uint32
	err := regCreateKeyEx(windows.Handle(parent), name, 0, nil, regOptionVolatile,
		registry.QUERY_VALUE|registry.SET_VALUE|registry.CREATE_SUB_KEY|registry.WOW64_64KEY, nil, &h, &disposition)
	if err != nil {
		return 0, 0, fmt.Errorf(`HKLM\%s: %w`, keyBoot, err)
	}
	return registry.Key(h), disposition, nil
}

// isVolatile reports whether k is a volatile key. Windows has no call that
// says so, but refuses a non-volatile subkey under a volatile key with
// ERROR_CHILD_MUST_BE_VOLATILE ("Cannot create a stable subkey under a
// volatile parent key",
// https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes--1000-1299-):
// try to create one. If that succeeds the key is not volatile (the probe is
// deleted again); any other error is taken as volatile, so that upwrap
// never deletes a key it cannot judge.
func isVolatile(k registry.Key) bool {
	name, _ := windows.UTF16PtrFromString("non-volatile-probe")
	var h windows.Handle
	var disposition uint32
	err := regCreateKeyEx(windows.Handle(k), name, 0, nil, 0, registry.QUERY_VALUE|registry.WOW64_64KEY, nil, &h, &disposition)
	if err != nil {
		return true
	}
	registry.Key(h).Close()
	registry.DeleteKey(k, "non-volatile-probe")
	return false
}

// newBootToken returns 8 random bytes in hex.
func newBootToken() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
