package cli

import (
	"errors"
	"strings"

	"github.com/upwrap/upwrap/wrap"
)

// optionFlag is the command-line flag of each of wrap's options: wrap's
// errors name an option, the CLI spells it.
func optionFlag(o wrap.Option) string {
	switch o {
	case wrap.OptJob:
		return "--job"
	case wrap.OptAll:
		return "--all"
	case wrap.OptMarkState:
		return "--state"
	case wrap.OptRawCmdLine:
		return "--raw-cmdline"
	case wrap.OptLogPath:
		return "--log"
	case wrap.OptLogFormat:
		return "--log-format"
	case wrap.OptRegistry:
		return "--registry"
	}
	return o.String()
}

// withFlagNames is err's text with the options of a wrap.OptionError in it
// spelled as flags.
func withFlagNames(err error) string {
	msg := err.Error()
	var oe *wrap.OptionError
	if errors.As(err, &oe) {
		msg = strings.Replace(msg, oe.Error(), oe.Message(optionFlag), 1)
	}
	return msg
}
