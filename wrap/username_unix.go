//go:build !windows

package wrap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// currentUserName names the account upwrap runs as, for the CMTrace context
// column: its entry in /etc/passwd, else "uid N". It reads the file itself
// rather than through os/user, whose cgo lookup would make upwrap a
// dynamically linked binary whenever a C compiler is at hand.
func currentUserName() string {
	uid := strconv.Itoa(os.Geteuid())
	if f, err := os.Open("/etc/passwd"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.SplitN(sc.Text(), ":", 4)
			if len(fields) >= 3 && fields[2] == uid {
				return fields[0]
			}
		}
	}
	return "uid " + uid
}
