#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine. As root:
#   bash scripts/test.sh
# (another user: su -c 'bash scripts/test.sh' root).
# It installs what the tests use (idempotently), then runs gofmt, go vet,
# staticcheck, go test -race on every package (testscripts included) and
# every fuzz target for 30 s.
# This is the command CI runs, and it always runs with CI's strictness: it
# sets CI=true whatever the caller exported, so a missing real component
# (glusterd, glustereventsd, dbus-daemon, mandoc, man, systemd-analyze,
# promtool)
# fails its test instead of skipping it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/test.sh: run as root (real glusterd, network namespaces)" >&2
	exit 1
fi

export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
# Not ${CI:-...}: a run without CI exported must not be more lenient than CI.
export CI=true
STATICCHECK_VERSION=v0.8.2

step() { printf '\n== %s\n' "$*"; }

step "apt packages"
# prometheus is there for promtool, which checks the /metrics output.
pkgs=(glusterfs-server dbus-daemon dbus-bin libglib2.0-bin iproute2 util-linux procps mandoc man-db python3-requests python3-jwt systemd curl prometheus lintian rpmlint rpm snmptrapd snmp smitools python3-aiosmtpd chromium firefox-esr)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# The Debian package does not start glusterd/glustereventsd by itself; make
# sure neither holds the ports the tests use in the root namespace.
# Nor does a Prometheus server the prometheus package may have started.
for unit in glustereventsd prometheus; do
	if command -v systemctl >/dev/null && systemctl is-active -q "$unit" 2>/dev/null; then
		systemctl stop "$unit"
	fi
done

step "go toolchain and modules"
command -v go >/dev/null || { echo "Go 1.26 is required at /usr/local/go (https://go.dev/dl)" >&2; exit 1; }
go version
go mod download
command -v staticcheck >/dev/null && staticcheck -version | grep -q "${STATICCHECK_VERSION#v}" ||
	go install "honnef.co/go/tools/cmd/staticcheck@${STATICCHECK_VERSION}"

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
staticcheck ./...

step "static binary"
CGO_ENABLED=0 go build -trimpath -o /tmp/gluster-eventing-static .
if ldd /tmp/gluster-eventing-static >/dev/null 2>&1; then
	echo "gluster-eventing is not statically linked" >&2
	exit 1
fi

step "go test -race"
go test -race -timeout 20m ./...

# go test runs a fuzz target's seed corpus only; -fuzz runs the fuzzer, and
# only for one target of one package per invocation. Every Fuzz function in
# the tree is found here, so a new one cannot be left out.
step "fuzz (30s per target)"
fuzz_targets=$(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's/:func /:/' | sort)
if [ -z "$fuzz_targets" ]; then
	echo "no fuzz targets found" >&2
	exit 1
fi
for target in $fuzz_targets; do
	pkg=$(dirname "${target%%:*}")
	name=${target##*:}
	echo "-- $name in $pkg"
	# A failure that wrote no failing input to testdata/fuzz/<name> is Go
	# 1.26's fuzz coordinator racing its own -fuzztime deadline
	# ("context deadline exceeded", golang/go#75804, fixed in Go 1.27):
	# run the target once more. A failing input always fails the run.
	corpus="$pkg/testdata/fuzz/$name"
	before=$(ls "$corpus" 2>/dev/null || true)
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime 30s "$pkg"; then
		after=$(ls "$corpus" 2>/dev/null || true)
		if [ "$before" != "$after" ]; then
			echo "$name: the fuzzer wrote a failing input to $corpus" >&2
			exit 1
		fi
		echo "-- $name failed without a failing input (golang/go#75804); once more"
		go test -run '^$' -fuzz "^${name}\$" -fuzztime 30s "$pkg"
	fi
done

echo
echo "all tests passed"
