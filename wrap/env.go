package wrap

import "strings"

// childEnv is env without upwrap's own UPWRAP_* variables: they configure
// this upwrap, and a nested upwrap (an installer that runs one, a --verify
// that asks status) must not inherit its job, state directory or crash
// points (docs/design.md §5, "The command's environment"). Variable names are
// compared without case, as Windows does.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if len(kv) >= 7 && strings.EqualFold(kv[:7], "UPWRAP_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
