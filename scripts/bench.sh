#!/usr/bin/env bash
# Side-by-side benchmark of gluster-eventing and Gluster's glustereventsd,
# one run, numbers printed with ratios (a report, no pass/fail). As root:
#   bash scripts/bench.sh                 # full run, about 6-7 minutes
#   bash scripts/bench.sh -quick          # smoke run, about a minute
#   bash scripts/bench.sh -json out.json  # also write the results
#   bash scripts/bench.sh -only streams   # the event-stream row: 100 SSE clients at 1,000 events/s
#   bash scripts/bench.sh -h              # every flag (counts, durations, -only, -repeat)
# Each scenario runs in its own network and mount namespace (the daemons
# bind UDP 55555 there, never on the host), with /var/lib/glusterd,
# /var/log/glusterfs and /run bind-mounted from temp dirs under /var/tmp.
# Needs glusterfs-server (for /usr/sbin/glustereventsd), python3-requests,
# dbus-daemon (dbus-daemon and dbus-monitor, for the D-Bus scenario),
# iproute2 and util-linux; Go 1.26 at /usr/local/go.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
	echo "scripts/bench.sh: run as root (network namespaces, bind mounts)" >&2
	exit 1
fi
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "Go 1.26 is required at /usr/local/go (https://go.dev/dl)" >&2; exit 1; }
for tool in unshare ip; do
	command -v "$tool" >/dev/null || { echo "scripts/bench.sh: $tool is required" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
CGO_ENABLED=0 go build -trimpath -o "$tmp/gluster-eventing" .
go run ./internal/bench -bin "$tmp/gluster-eventing" "$@"
