# Sourced by the CI scripts: install a Debian package when a command is
# missing, running apt-get update at most once per CI run (a stamp under
# $UPWRAP_CACHE, default .cache/ in the repository).
need() { # need COMMAND PACKAGE...
	command -v "$1" >/dev/null 2>&1 && return 0
	shift
	local cache="${UPWRAP_CACHE:-$(git rev-parse --show-toplevel)/.cache}"
	mkdir -p "$cache"
	if [ ! -e "$cache/apt-updated" ]; then
		apt-get update -qq >/dev/null
		touch "$cache/apt-updated"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
