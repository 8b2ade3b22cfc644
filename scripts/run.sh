#!/usr/bin/env bash
# Build gluster-eventing and run the daemon in the foreground with its
# embedded default config (no Gluster needed). As root:
#   bash scripts/run.sh
# (another user: su -c 'bash scripts/run.sh' root).
# It listens for Gluster events on UDP 55555 (IPv4 and IPv6), keeps its
# journal in /var/lib/gluster-eventing and serves its API on
# /run/gluster-eventing/api.sock. Try, from another shell:
#   ./gluster-eventing emit VOLUME_START name=gv1 force=0
#   ./gluster-eventing status
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
command -v go >/dev/null || { echo "Go 1.26 is required at /usr/local/go (https://go.dev/dl)" >&2; exit 1; }
CGO_ENABLED=0 go build -trimpath -o gluster-eventing .
exec ./gluster-eventing daemon "$@"
