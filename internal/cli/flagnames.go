package cli

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// urfave/cli v2 computes a flag's names with a regular expression
// (FlagNames) every time it asks for them, and asks O(flags²) times per
// command: runFlagActions calls IsSet for each flag, which looks every flag
// up by name. On "upwrap run" of a finished job — what every agent restart
// costs — that was a third of the command line's CPU time. Each flag is
// wrapped so that Names returns names computed once; every other method,
// String (the help text) included, is the flag's own.
type (
	stringFlag struct {
		*cli.StringFlag
		names []string
	}
	boolFlag struct {
		*cli.BoolFlag
		names []string
	}
	intFlag struct {
		*cli.IntFlag
		names []string
	}
	durationFlag struct {
		*cli.DurationFlag
		names []string
	}
	stringSliceFlag struct {
		*cli.StringSliceFlag
		names []string
	}
)

func (f stringFlag) Names() []string      { return f.names }
func (f boolFlag) Names() []string        { return f.names }
func (f intFlag) Names() []string         { return f.names }
func (f durationFlag) Names() []string    { return f.names }
func (f stringSliceFlag) Names() []string { return f.names }

// fixNames wraps the flags of every command of app (see above). run calls
// it; newApp does not, so that code that inspects the declared flags (the
// docs generator) still sees *cli.StringFlag and the rest.
func fixNames(app *cli.App) {
	for _, cmd := range app.Commands {
		for i, f := range cmd.Flags {
			cmd.Flags[i] = fixedNames(f)
		}
	}
}

func fixedNames(f cli.Flag) cli.Flag {
	switch f := f.(type) {
	case *cli.StringFlag:
		return stringFlag{f, flagNames(f.Name, f.Aliases, f)}
	case *cli.BoolFlag:
		return boolFlag{f, flagNames(f.Name, f.Aliases, f)}
	case *cli.IntFlag:
		return intFlag{f, flagNames(f.Name, f.Aliases, f)}
	case *cli.DurationFlag:
		return durationFlag{f, flagNames(f.Name, f.Aliases, f)}
	case *cli.StringSliceFlag:
		return stringSliceFlag{f, flagNames(f.Name, f.Aliases, f)}
	}
	return f
}

// flagNames is cli.FlagNames without its regular expression, which only
// cuts a name at a comma or space: names without one are kept as they are;
// any other is left to the flag's own Names.
func flagNames(name string, aliases []string, f cli.Flag) []string {
	names := append([]string{name}, aliases...)
	for _, n := range names {
		if strings.ContainsAny(n, ", ") {
			return f.Names()
		}
	}
	return names
}
