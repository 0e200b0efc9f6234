package wrap

import "os/user"

// currentUserName names the account upwrap runs as (DOMAIN\\user), for the
// CMTrace context column.
func currentUserName() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return ""
}
