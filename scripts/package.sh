#!/usr/bin/env bash
# Build the .deb and the .rpm of gluster-eventing into dist/ (or the
# directory given as the first argument), from a clean clone:
#
#   bash scripts/package.sh [outdir]
#
# The version comes from `git describe --tags --always`, made valid for deb
# and rpm; the build is reproducible: every timestamp is SOURCE_DATE_EPOCH,
# which defaults to the last commit's time. GOARCH picks the architecture
# (default: the Go toolchain's). nfpm is pinned in packaging/tools.mod.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:-dist}
mkdir -p "$out"
out=$(cd "$out" && pwd)

go=${GO:-go}
command -v "$go" >/dev/null || go=/usr/local/go/bin/go

describe=$(git describe --tags --always)
# A version must start with a digit, and rpm allows no '-':
#   v1.2.3 -> 1.2.3, v1.2.3-rc1 -> 1.2.3~rc1 (sorts before 1.2.3),
#   v1.2.3-4-gabc1234 -> 1.2.3+4.gabc1234, an untagged abc1234 -> 0.0.0+gabc1234.
suffix=
tag=$describe
if [[ $describe =~ ^(.*)-([0-9]+)-g([0-9a-f]+)$ ]]; then
	tag=${BASH_REMATCH[1]}
	suffix=+${BASH_REMATCH[2]}.g${BASH_REMATCH[3]}
fi
if git describe --tags --abbrev=0 >/dev/null 2>&1 && [[ $tag =~ ^v?[0-9]+(\.[0-9]+)*([-.~+].*)?$ ]]; then
	version=${tag#v}
	version=${version//-/\~}$suffix
else
	version=0.0.0+g$describe
fi
version=$(printf '%s' "$version" | tr -c 'A-Za-z0-9.+~\n' '.')
commit=$(git rev-parse HEAD)

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)

goarch=${GOARCH:-$("$go" env GOARCH)}
case "$goarch" in
amd64) multiarch=x86_64-linux-gnu ;;
arm64) multiarch=aarch64-linux-gnu ;;
386) multiarch=i386-linux-gnu ;;
arm) multiarch=arm-linux-gnueabihf ;;
ppc64le) multiarch=powerpc64le-linux-gnu ;;
s390x) multiarch=s390x-linux-gnu ;;
riscv64) multiarch=riscv64-linux-gnu ;;
*) echo "package.sh: no Debian multiarch triplet known for GOARCH=$goarch" >&2; exit 1 ;;
esac

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT

CGO_ENABLED=0 GOOS=linux GOARCH=$goarch "$go" build -trimpath -buildmode=pie -buildvcs=false \
	-ldflags "-s -w -buildid= -X main.version=$version -X main.commit=$commit -X main.date=$date" \
	-o "$build/gluster-eventing" .

# Every man page, gzipped, and its entries in the nfpm config.
mkdir -p "$build/man5" "$build/man8"
for page in man/*.5 man/*.8; do
	sec=${page##*.}
	gz=$(basename "$page").gz
	gzip -n -9 <"$page" >"$build/man$sec/$gz"
	for packager in deb rpm; do
		printf '  - src: %s\n    dst: %s\n    file_info: {mode: 0644}\n    packager: %s\n' \
			"$build/man$sec/$gz" "/usr/share/man/man$sec/$gz" "$packager"
		[ "$packager" = rpm ] && printf '    type: doc\n'
	done
done >"$build/man.yaml"
awk -v man="$build/man.yaml" '
	/^  # @MANPAGES@$/ { while ((getline line < man) > 0) print line; next }
	{ print }
' packaging/nfpm.yaml >"$build/nfpm.yaml"

# A real Debian changelog (lintian reads it; nfpm's own changelog format is
# not one).
{
	printf 'gluster-eventing (%s-1) unstable; urgency=medium\n\n' "$version"
	printf '  * Built from commit %s.\n\n' "$commit"
	printf ' -- gluster-eventing developers <gluster-devel@gluster.org>  %s\n' \
		"$(LC_ALL=C date -u -d "@$SOURCE_DATE_EPOCH" -R)"
} | gzip -n -9 >"$build/changelog.Debian.gz"

touch -d "@$SOURCE_DATE_EPOCH" "$build"/man?/* "$build"/*

rm -f "$out"/gluster-eventing_*.deb "$out"/gluster-eventing-*.rpm
for packager in deb rpm; do
	BUILD=$build VERSION=$version GOARCH=$goarch DEB_MULTIARCH=$multiarch \
		"$go" tool -modfile=packaging/tools.mod nfpm package \
		--config "$build/nfpm.yaml" --packager "$packager" --target "$out" >&2
done
ls "$out"/gluster-eventing_*.deb "$out"/gluster-eventing-*.rpm
