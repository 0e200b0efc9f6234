package wrap

import (
	"strconv"
	"strings"
)

// Option is one of the inputs a caller gives wrap (a field of [Options],
// [MarkOptions] or [Query]). An [OptionError] names it so that the caller,
// which knows how its user spells it (a command-line flag, an API field),
// can say which input was wrong.
type Option int

// The options an [OptionError] can name.
const (
	// OptJob is the job id: Options.Job, MarkOptions.Job, Query.Job.
	OptJob Option = iota + 1
	// OptAll is Query.All: every job.
	OptAll
	// OptMarkState is MarkOptions.State.
	OptMarkState
	// OptRawCmdLine is Options.RawCmdLine.
	OptRawCmdLine
	// OptLogPath is Options.LogPath.
	OptLogPath
	// OptLogFormat is Options.LogFormat.
	OptLogFormat
	// OptRegistry is Options.Registry.
	OptRegistry
)

// String is the option's Go name.
func (o Option) String() string {
	switch o {
	case OptJob:
		return "Job"
	case OptAll:
		return "All"
	case OptMarkState:
		return "State"
	case OptRawCmdLine:
		return "RawCmdLine"
	case OptLogPath:
		return "LogPath"
	case OptLogFormat:
		return "LogFormat"
	case OptRegistry:
		return "Registry"
	}
	return "option " + strconv.Itoa(int(o))
}

// OptionError is bad input in one option (or a missing one): what was
// given, and what is wrong with it. It is a usage error: errors.Is(err,
// [ErrUsage]) holds, so its exit code is the usage code.
type OptionError struct {
	// Option is the option that is wrong, or missing.
	Option Option
	// Value is the value given; "" when the option is missing.
	Value string
	// Also is another option the message names (0: none), e.g. the one
	// that may be given instead.
	Also Option
	// Text says what is wrong and what to do. It is a template: {option}
	// stands for Option's name, {also} for Also's, {value} for Value,
	// {value_q} for Value quoted, {1}, {2}... for Facts; it names no
	// option itself.
	Text string
	// Facts are further values the message shows (paths, limits).
	Facts []string
	// Err is the error underneath, if any.
	Err error
}

// Message is the error's text with each option spelled by name.
func (e *OptionError) Message(name func(Option) string) string {
	pairs := []string{"{option}", name(e.Option), "{value}", e.Value, "{value_q}", strconv.Quote(e.Value)}
	if e.Also != 0 {
		pairs = append(pairs, "{also}", name(e.Also))
	}
	for i, f := range e.Facts {
		pairs = append(pairs, "{"+strconv.Itoa(i+1)+"}", f)
	}
	msg := strings.NewReplacer(pairs...).Replace(e.Text)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Error implements error, naming options by their Go names.
func (e *OptionError) Error() string { return e.Message(Option.String) }

// Unwrap returns ErrUsage and the error underneath.
func (e *OptionError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrUsage}
	}
	return []error{ErrUsage, e.Err}
}
