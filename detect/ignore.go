package detect

import (
	"slices"
	"strings"
)

// --ignore-pending takes two forms:
//
//	NAME          disregard the source NAME entirely;
//	NAME:PATTERN  disregard the entries of the list source NAME that match
//	              PATTERN (for PendingFileRenameOperations, an entry's
//	              source path; elsewhere the entry itself). The source
//	              counts as pending only while an entry is left.
//
// PATTERN is matched ignoring case; '*' matches any run of characters,
// backslashes included, and '?' one character. Repeat the flag for several
// rules. This is how the noise of antivirus and driver updates in
// PendingFileRenameOperations is kept from marking every job
// "reboot-required" (docs/design.md §8).

// ignoreRule is one parsed --ignore-pending value.
type ignoreRule struct {
	name    string
	pattern string // "" ignores the whole source
}

func parseIgnore(ignore []string) []ignoreRule {
	rules := make([]ignoreRule, 0, len(ignore))
	for _, s := range ignore {
		name, pat, _ := strings.Cut(s, ":")
		rules = append(rules, ignoreRule{name: strings.TrimSpace(name), pattern: pat})
	}
	return rules
}

// FilterPending applies --ignore-pending rules to list and returns a new
// list: an ignored source is not pending (its Detail says so); entries that
// match a pattern are dropped, and a list source left without entries is
// not pending.
func FilterPending(list []PendingSource, ignore []string) []PendingSource {
	rules := parseIgnore(ignore)
	out := make([]PendingSource, 0, len(list))
	for _, s := range list {
		s.Entries = slices.Clone(s.Entries)
		for _, r := range rules {
			if r.name != s.Name {
				continue
			}
			if r.pattern == "" {
				if s.Pending {
					s.Pending = false
					s.Detail += " (ignored by --ignore-pending)"
				}
				continue
			}
			if len(s.Entries) == 0 {
				continue
			}
			kept := s.Entries[:0]
			for _, e := range s.Entries {
				if !globMatch(r.pattern, entrySubject(e)) {
					kept = append(kept, e)
				}
			}
			if len(kept) == 0 && s.Pending {
				s.Pending = false
				s.Detail += " (every entry ignored by --ignore-pending)"
			}
			s.Entries = kept
		}
		out = append(out, s)
	}
	return out
}

// entrySubject is the part of an entry that patterns match: the source
// path of a "SOURCE -> DESTINATION" rename, else the whole entry.
func entrySubject(e string) string {
	src, _, _ := strings.Cut(e, " -> ")
	return src
}

// globMatch matches s against pattern, ignoring case; '*' matches any run
// of characters and '?' exactly one.
func globMatch(pattern, s string) bool {
	p := []rune(strings.ToLower(pattern))
	t := []rune(strings.ToLower(s))
	// Iterative wildcard matching with one backtrack point.
	var pi, ti int
	star, mark := -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// newEntries reports whether after holds an entry that before does not.
func newEntries(before, after []string) bool {
	for _, e := range after {
		if !slices.Contains(before, e) {
			return true
		}
	}
	return false
}
