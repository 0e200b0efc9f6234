package detect

import (
	"fmt"
	"log/slog"
	"sync"

	"golang.org/x/sys/windows"
)

// watchConsole registers a console control handler ahead of Go's own (the
// last registered runs first). It records CTRL_SHUTDOWN_EVENT before it
// returns and swallows CTRL_LOGOFF_EVENT, which Go would turn into SIGTERM;
// other events go on to Go's handler (see classifyCtrl).
func watchConsole(handle func(Notice), log *slog.Logger) (func(), error) {
	fn := newCtrlHandler(handle, log.Info)
	cb := windows.NewCallback(func(ctrlType uint32) uintptr { return fn(ctrlType) })
	if err := setConsoleCtrlHandler(cb, true); err != nil {
		return func() {}, fmt.Errorf("console control handler: %w", err)
	}
	var once sync.Once
	return func() { once.Do(func() { setConsoleCtrlHandler(cb, false) }) }, nil
}
