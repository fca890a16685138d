#!/bin/bash
# fetch-kernel.sh SUITE DIR
#   Downloads the current amd64 kernel of the Debian suite SUITE (bookworm, trixie, sid, ...) with
#   apt-get download through a private sources list under DIR (the host's /etc/apt is never read
#   or changed, nothing is installed), extracts it into DIR/root and writes DIR/kernel.env:
#   PACKAGE, VERSION (the Debian package version), RELEASE (uname -r), VMLINUZ.
#   The kernel packages of a suite come from its metapackage linux-image-amd64. Since 7.x, Debian
#   splits the kernel: linux-image-<release> is then a metapackage over linux-binary-<release>
#   (the image) and linux-modules-<release>; linux-base-<release> holds modules.builtin/order.
set -euo pipefail
SUITE=$1; DIR=$(mkdir -p "$2" && readlink -f "$2")
MIRROR=${VFIO4J_ORACLE_MIRROR:-http://deb.debian.org/debian}
APT=$DIR/apt; mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DIR/debs"
echo "deb $MIRROR $SUITE main" > "$APT/sources.list"
# A stable suite's kernel moves on in its security archive between point releases.
case "$SUITE" in
  bookworm|trixie) echo "deb ${VFIO4J_ORACLE_SECURITY_MIRROR:-http://security.debian.org/debian-security} $SUITE-security main" >> "$APT/sources.list" ;;
esac
O=(-o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=/dev/null
   -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o APT::Architecture=amd64
   -o Debug::NoLocking=1 -o Acquire::Retries=3)
update_failed() { echo "apt-get update of $SUITE from $MIRROR failed:" >&2; grep -E '^(E|W|Err):' "$APT/update.log" | tail -n 4 >&2; exit 1; }
apt-get "${O[@]}" -q update >"$APT/update.log" 2>&1 || update_failed
# apt-get update only warns when a source cannot be reached: an empty index is the failure.
ls "$APT/lists/"*_dists_"${SUITE}"_main_binary-amd64_Packages* >/dev/null 2>&1 || update_failed
IMG=$(apt-cache "${O[@]}" depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1 || true)
[ -n "$IMG" ] || { echo "$SUITE: linux-image-amd64 names no kernel package" >&2; exit 1; }
REL=${IMG#linux-image-}
get() { (cd "$DIR/debs" && apt-get "${O[@]}" -q download "$@" >"$APT/download.log" 2>&1) || { echo "$SUITE: apt-get download $* failed:" >&2; tail -n 5 "$APT/download.log" >&2; exit 1; }; }
get "$IMG"
rm -rf "$DIR/root"; mkdir -p "$DIR/root"
deb() { for f in "$DIR/debs/$1"_*.deb; do [ -f "$f" ] && { echo "$f"; return; }; done; echo "$SUITE: $1 was not downloaded" >&2; exit 1; }
dpkg-deb -x "$(deb "$IMG")" "$DIR/root"
PKGS="$IMG"
vmlinuz() { for f in "$DIR"/root/boot/vmlinuz-* "$DIR"/root/usr/lib/modules/*/vmlinuz; do [ -f "$f" ] && { echo "$f"; return; }; done; }
if [ -z "$(vmlinuz)" ]; then
  SPLIT=$(apt-cache "${O[@]}" depends "$IMG" | sed -n 's/^ *Depends: \(linux-\(binary\|modules\|base\)-[^ ]*\)$/\1/p' | sort -u | tr '\n' ' ')
  [ -n "$SPLIT" ] || { echo "$SUITE: $IMG holds no vmlinuz and depends on no linux-binary package" >&2; exit 1; }
  get $SPLIT
  for p in $SPLIT; do dpkg-deb -x "$(deb "$p")" "$DIR/root"; PKGS="$PKGS $p"; done
fi
VMLINUZ=$(vmlinuz)
[ -n "$VMLINUZ" ] || { echo "$SUITE: no vmlinuz in $PKGS" >&2; exit 1; }
VERSION=$(dpkg-deb -f "$(deb "$IMG")" Version)
cat > "$DIR/kernel.env" <<ENV
SUITE=$SUITE
PACKAGE=$IMG
PACKAGES=$PKGS
VERSION=$VERSION
RELEASE=$REL
VMLINUZ=$VMLINUZ
ENV
cat "$DIR/kernel.env"
