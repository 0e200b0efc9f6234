# Sourced by scripts/release: the packages an administrator deploys, built
# from the release's binaries (docs/design.md §11).
#
#   .deb (amd64, arm64) and .rpm (x86_64, aarch64)  nfpm, from packaging/nfpm.yaml
#   .msi (x64)                                      wixl (Debian's msitools), from packaging/windows/upwrap.wxs
#   SHA256SUMS.asc                                  gpg, a detached signature of SHA256SUMS
#
# Uses from scripts/release: $repo, $work, $version, $numeric, $sign,
# $SOURCE_DATE_EPOCH, sign_file (Authenticode, osslsigncode) and
# verify_file.

NFPM=github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.48.0

# gpg_setup: the OpenPGP key that signs SHA256SUMS and the .rpm files, in a
# private GNUPGHOME. A real release imports UPWRAP_GPG_KEY (an armored
# secret key file; UPWRAP_GPG_PASS_FILE holds its passphrase, if any);
# --test-sign makes a throwaway Ed25519 key. Sets $gpg_key (the armored
# secret key, for nfpm) and $gpg_pass.
gpg_setup() {
	export GNUPGHOME=$work/gnupg
	mkdir -p -m 0700 "$GNUPGHOME"
	gpg_key=$work/gpg-secret.asc
	gpg_pass=""
	case "$sign" in
	test)
		gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
			--quick-gen-key 'upwrap release (throwaway CI key) <upwrap@users.noreply.github.com>' ed25519 sign 2d 2>/dev/null
		gpg --batch --quiet --armor --pinentry-mode loopback --passphrase '' --export-secret-keys >"$gpg_key"
		;;
	real)
		[ -n "${UPWRAP_GPG_KEY:-}" ] || {
			echo "upwrap: release: a real release signs SHA256SUMS and the .rpm files: set UPWRAP_GPG_KEY (an armored OpenPGP secret key file)" >&2
			exit 2
		}
		[ -n "${UPWRAP_GPG_PASS_FILE:-}" ] && gpg_pass=$(cat "$UPWRAP_GPG_PASS_FILE")
		gpg --batch --quiet --import "$UPWRAP_GPG_KEY" 2>/dev/null
		cp "$UPWRAP_GPG_KEY" "$gpg_key"
		;;
	esac
}

# nfpm_tool: nfpm, built through the Go module proxy at a pinned version
# outside upwrap's module (it never enters go.mod); Go's build cache makes
# every build after the first a link.
nfpm_tool() {
	GOFLAGS= GOBIN=$work/tools go install "$NFPM"
	echo "$work/tools/nfpm"
}

# linux_packages BIN OUT: the .deb and .rpm of linux/amd64 and linux/arm64.
linux_packages() {
	local bin=$1 out=$2 nfpm arch stage
	nfpm=$(nfpm_tool)
	for arch in amd64 arm64; do
		stage=$work/pkg-$arch
		rm -rf "$stage" && mkdir -p "$stage"
		cp "$bin/upwrap_${version}_linux_${arch}" "$stage/upwrap"
		gzip -9n -c docs/upwrap.8 >"$stage/upwrap.8.gz"
		cp contrib/completions/upwrap.bash contrib/completions/_upwrap contrib/systemd/upwrap-resume.service \
			packaging/nfpm.yaml packaging/deb/copyright packaging/deb/lintian-overrides packaging/rpm/50-upwrap.preset \
			LICENSE "$stage/"
		cp -r packaging/deb packaging/rpm "$stage/"
		# One changelog entry: this release, dated by the commit; the
		# package version as nfpm makes it (v1.2.3-rc1 -> 1.2.3~rc1-1).
		local v=${version#v} pkgver
		pkgver=${v%%-*}
		[ "$pkgver" = "$v" ] || pkgver="$pkgver~${v#*-}"
		pkgver=$pkgver-1
		cat >"$stage/changelog.yml" <<-EOF
			- semver: $pkgver
			  date: $(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)
			  packager: upwrap authors <upwrap@users.noreply.github.com>
			  changes:
			    - note: "upwrap ${version}: https://github.com/upwrap/upwrap"
		EOF
		printf 'upwrap (%s) stable; urgency=medium\n\n  * upwrap %s: https://github.com/upwrap/upwrap\n\n -- upwrap authors <upwrap@users.noreply.github.com>  %s\n' \
			"$pkgver" "$version" "$(date -u -R -d "@$SOURCE_DATE_EPOCH")" | gzip -9n >"$stage/changelog.Debian.gz"
		{ cat packaging/nfpm.yaml; echo "changelog: changelog.yml"; } >"$stage/nfpm-rpm.yaml"
		local key=""
		[ "$sign" = none ] || key=$gpg_key
		for p in deb rpm; do
			local conf=nfpm.yaml
			[ "$p" = rpm ] && conf=nfpm-rpm.yaml
			(cd "$stage" && UPWRAP_PKG_ARCH=$arch UPWRAP_PKG_VERSION=$version UPWRAP_PKG_GPG_KEY=$key \
				NFPM_RPM_PASSPHRASE=$gpg_pass "$nfpm" package -f "$conf" -p "$p" -t "$out/" >/dev/null)
		done
	done
}

# need_script_signing: an osslsigncode that signs PowerShell scripts (2.6 or
# later). Debian 12 has 2.5; on Debian 12 this installs 2.9 from
# bookworm-backports, with a source list and package lists of its own under
# $work (the machine's apt configuration is left as it is).
need_script_signing() {
	printf 'exit 0\r\n' >"$work/probe.ps1"
	probe() { osslsigncode sign "${sign_args[@]}" -h sha256 -in "$work/probe.ps1" -out "$work/probe.signed.ps1" >/dev/null 2>&1; }
	rm -f "$work/probe.signed.ps1"
	probe && return 0
	local mirror list=$work/apt-backports
	if grep -q '^VERSION_CODENAME=bookworm$' /etc/os-release 2>/dev/null && [ "$(id -u)" = 0 ]; then
		mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
		[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
		echo "upwrap: release: this osslsigncode cannot sign PowerShell scripts; installing osslsigncode from bookworm-backports"
		mkdir -p "$list/lists/partial"
		printf 'deb %s bookworm main\ndeb %s bookworm-backports main\n' "$mirror" "$mirror" >"$list/sources.list"
		local o=(-o "Dir::Etc::SourceList=$list/sources.list" -o Dir::Etc::SourceParts=/nonexistent -o "Dir::State::Lists=$list/lists")
		apt-get "${o[@]}" update -qq >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get "${o[@]}" install -y -qq --no-install-recommends -t bookworm-backports osslsigncode >/dev/null
		rm -f "$work/probe.signed.ps1"
		probe && return 0
	fi
	echo "upwrap: release: osslsigncode $(osslsigncode --version 2>&1 | awk 'NR == 1 { print $2 }') cannot sign PowerShell scripts (detect.ps1); install osslsigncode 2.6 or later (Debian: bookworm-backports)" >&2
	exit 1
}

# msi BIN OUT: upwrap_V_windows_amd64.msi from the signed windows/amd64
# binary, with a signed detect.ps1; the package itself signed too.
msi() {
	local bin=$1 out=$2 stage=$work/msi f product
	need wixl wixl
	need python3 python3
	[ "$sign" = none ] || need_script_signing
	rm -rf "$stage" && mkdir -p "$stage"
	cp "$bin/upwrap_${version}_windows_amd64.exe" "$stage/upwrap.exe"
	cp contrib/windows/detect.ps1 contrib/windows/setupcomplete.cmd contrib/windows/setuprollback.cmd \
		contrib/windows/upwrap-resume.xml packaging/windows/upwrap.wxs "$stage/"
	sed 's/$/\r/' LICENSE >"$stage/LICENSE.txt"
	# PowerShell under AllSigned runs only a signed detection script.
	sign_file "$stage/detect.ps1"
	# The product code: one per version, derived from it (a rebuild of the
	# same version is the same product); the upgrade code never changes.
	product=$(python3 -c 'import sys, uuid; print(str(uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/upwrap/upwrap/msi/" + sys.argv[1])).upper())' "$version")
	(cd "$stage" && wixl -a x64 -D "Version=$numeric" -D "ProductCode=$product" -o upwrap.msi upwrap.wxs)
	f=$out/upwrap_${version}_windows_amd64.msi
	cp "$stage/upwrap.msi" "$f"
	sign_file "$f"
	[ "$sign" = none ] || verify_file "$f"
	[ "$sign" = none ] || verify_file "$stage/detect.ps1"
}

# sign_sums OUT: SHA256SUMS.asc, a detached OpenPGP signature of
# SHA256SUMS, checked with the public key alone; the public key is
# upwrap-release-key.asc (publish its fingerprint where users find it).
sign_sums() {
	local out=$1
	[ "$sign" = none ] && return 0
	rm -f "$out/SHA256SUMS.asc"
	gpg --batch --quiet --pinentry-mode loopback --passphrase "$gpg_pass" --armor --detach-sign \
		-o "$out/SHA256SUMS.asc" "$out/SHA256SUMS"
	local check=$work/gnupg-check
	mkdir -p -m 0700 "$check"
	gpg --homedir "$check" --batch --quiet --import "$out/upwrap-release-key.asc" 2>/dev/null
	gpg --homedir "$check" --batch --verify "$out/SHA256SUMS.asc" "$out/SHA256SUMS" 2>"$work/gpg-verify.out" ||
		{ cat "$work/gpg-verify.out"; echo "upwrap: release: SHA256SUMS.asc does not verify" >&2; exit 1; }
}
