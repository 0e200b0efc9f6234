package detect

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// A Windows boot identity is not one number the kernel hands out, as Linux's
// boot_id is, but what several witnesses say (docs/design.md §8):
//
//	t  the boot time, now minus the kernel's time since boot
//	   (windows.DurationSinceBoot), rounded to the minute and compared with
//	   a tolerance, so that clock drift and time-sync steps do not fake a
//	   restart;
//	c  the PrefetchParameters\BootId counter, where Windows keeps one;
//	k  a random token in a volatile registry key that upwrap creates
//	   (REG_OPTION_VOLATILE): a restart erases the key.
//
// The identity string is "windows:t=<unix>,c=<n>,k=<hex>" with the witnesses
// that could be read. Two identities are compared witness by witness and
// the majority decides; a tie (only possible when a witness is missing)
// means the same boot, because on Windows each tie has a same-boot cause (a
// deleted key, a clock step) while a real restart changes every witness.
// Disagreement is reported so that it can be logged and recorded.

// bootTimeTolerance is how far two readings of the boot time may be apart
// and still name the same boot.
const bootTimeTolerance = 2 * time.Minute

// winBootPrefix starts every Windows boot identity.
const winBootPrefix = "windows:"

// winBoot is a parsed Windows boot identity.
type winBoot struct {
	t    int64 // unix seconds, rounded to the minute
	hasT bool
	c    uint64
	hasC bool
	k    string // "" when upwrap could not keep a volatile key
}

// String formats b as a boot identity.
func (b winBoot) String() string {
	var parts []string
	if b.hasT {
		parts = append(parts, "t="+strconv.FormatInt(b.t, 10))
	}
	if b.hasC {
		parts = append(parts, "c="+strconv.FormatUint(b.c, 10))
	}
	if b.k != "" {
		parts = append(parts, "k="+b.k)
	}
	return winBootPrefix + strings.Join(parts, ",")
}

// parseWinBoot reads an identity written by String. ok is false for any
// other string (a Linux boot_id, a macOS boot time).
func parseWinBoot(s string) (b winBoot, ok bool) {
	rest, found := strings.CutPrefix(s, winBootPrefix)
	if !found || rest == "" {
		return winBoot{}, false
	}
	for _, f := range strings.Split(rest, ",") {
		key, val, found := strings.Cut(f, "=")
		if !found || val == "" {
			return winBoot{}, false
		}
		var err error
		switch key {
		case "t":
			b.t, err = strconv.ParseInt(val, 10, 64)
			b.hasT = true
		case "c":
			b.c, err = strconv.ParseUint(val, 10, 64)
			b.hasC = true
		case "k":
			b.k = val
		default:
			return winBoot{}, false
		}
		if err != nil {
			return winBoot{}, false
		}
	}
	return b, true
}

// roundBootTime rounds a boot time to the minute, the precision of t.
func roundBootTime(t time.Time) int64 { return t.Round(time.Minute).Unix() }

// witnessVote is what one witness says about two identities.
type witnessVote struct {
	name string // "boot time", "boot counter", "volatile key"
	same bool
	what string // e.g. "41 -> 42"
}

// voteBoot compares two identities witness by witness. Witnesses missing
// from either side do not vote.
func voteBoot(a, b winBoot) []witnessVote {
	var votes []witnessVote
	if a.hasT && b.hasT {
		d := time.Duration(b.t-a.t) * time.Second
		if d < 0 {
			d = -d
		}
		votes = append(votes, witnessVote{"boot time", d <= bootTimeTolerance,
			fmt.Sprintf("%s -> %s", time.Unix(a.t, 0).UTC().Format(time.RFC3339), time.Unix(b.t, 0).UTC().Format(time.RFC3339))})
	}
	if a.hasC && b.hasC {
		votes = append(votes, witnessVote{"boot counter", a.c == b.c, fmt.Sprintf("%d -> %d", a.c, b.c)})
	}
	if a.k != "" && b.k != "" {
		votes = append(votes, witnessVote{"volatile key", a.k == b.k, fmt.Sprintf("%s -> %s", a.k, b.k)})
	}
	return votes
}

// tally decides from votes: the same boot unless a strict majority says
// otherwise. disagreement is "" when every witness agreed.
func tally(votes []witnessVote) (same bool, disagreement string) {
	var nSame, nNew int
	for _, v := range votes {
		if v.same {
			nSame++
		} else {
			nNew++
		}
	}
	same = nNew <= nSame
	if nSame == 0 || nNew == 0 {
		return same, ""
	}
	var parts []string
	for _, v := range votes {
		says := "same boot"
		if !v.same {
			says = "restarted"
		}
		parts = append(parts, fmt.Sprintf("%s says %s (%s)", v.name, says, v.what))
	}
	verdict := fmt.Sprintf("decided: same boot, %d of %d", nSame, len(votes))
	switch {
	case !same:
		verdict = fmt.Sprintf("decided: restarted, %d of %d", nNew, len(votes))
	case nSame == nNew:
		verdict = "decided: same boot, a tie counts as the same boot"
	}
	return same, strings.Join(parts, "; ") + "; " + verdict
}

// CompareBoot reports whether two boot identities, as [Probe.BootID]
// returns them, name the same boot. Windows identities are compared witness
// by witness and decided by majority; disagreement describes the witnesses
// that were outvoted ("" when all agreed). Any other identity is compared
// as a plain string.
func CompareBoot(a, b string) (same bool, disagreement string) {
	wa, okA := parseWinBoot(a)
	wb, okB := parseWinBoot(b)
	if !okA || !okB {
		return a == b, ""
	}
	votes := voteBoot(wa, wb)
	if len(votes) == 0 {
		// No witness in common: nothing can tell them apart but the text.
		return a == b, ""
	}
	return tally(votes)
}

// SameBoot is [CompareBoot] without the explanation.
func SameBoot(a, b string) bool {
	same, _ := CompareBoot(a, b)
	return same
}

// resolveBoot decides the current identity from what the volatile key holds
// (stored, nil when the key is absent) and what the kernel says now (live,
// without k). It returns the identity, whether the key must be (re)written
// with it, and the disagreement among the witnesses, if any. A stored
// identity that the live witnesses outvote (the key survived what they both
// call a restart, as it may across Fast Startup) is replaced.
func resolveBoot(stored *winBoot, live winBoot, newToken func() string) (id winBoot, write bool, disagreement string) {
	if stored == nil {
		id = live
		id.k = newToken()
		return id, true, ""
	}
	// The key's presence votes "same boot"; t and c vote by comparison.
	votes := voteBoot(*stored, live)
	votes = append(votes, witnessVote{"volatile key", true, "present"})
	same, dis := tally(votes)
	if same {
		return *stored, false, dis
	}
	id = live
	id.k = newToken()
	return id, true, dis
}
