#!/bin/bash
# build-initramfs.sh KROOT PROBE INIT OUT
#   KROOT: a directory holding a Debian kernel extracted with dpkg-deb -x (modules under
#   lib/modules/<release> or usr/lib/modules/<release>). Writes OUT, a gzip newc archive with
#   busybox (static), the probe, /init, and the VFIO modules decompressed and listed in
#   dependency order (modprobe --show-depends on a depmod of KROOT itself).
set -euo pipefail
KROOT=$(readlink -f "$1"); PROBE=$(readlink -f "$2"); INIT=$(readlink -f "$3"); OUT=$4
MODS=$KROOT/lib/modules
[ -d "$KROOT/usr/lib/modules" ] && MODS=$KROOT/usr/lib/modules
REL=$(ls "$MODS" | head -n 1)
[ -n "$REL" ] || { echo "no modules under $MODS" >&2; exit 1; }
BUSYBOX=$(command -v busybox) || { echo "busybox (busybox-static) is not installed" >&2; exit 1; }
# A dynamic busybox has an ELF interpreter; the guest has no libc to give it (readelf: binutils, which gcc brings).
readelf -l "$BUSYBOX" | grep -q 'program interpreter' && { echo "$BUSYBOX is dynamic: install busybox-static" >&2; exit 1; }
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/root/lib"; ln -s "$MODS" "$WORK/root/lib/modules"
depmod -b "$WORK/root" "$REL"
ST=$WORK/stage
mkdir -p "$ST"/{bin,dev,proc,sys,tmp,modules,oracle}
cp "$BUSYBOX" "$ST/bin/busybox"
for a in sh mount insmod cat echo readlink poweroff; do ln -s busybox "$ST/bin/$a"; done
cp "$PROBE" "$ST/bin/probe"; cp "$INIT" "$ST/init"; chmod 755 "$ST/init" "$ST/bin/probe"
: > "$ST/modules.list"
for want in vfio-pci vfio_iommu_type1; do
  modprobe -d "$WORK/root" -S "$REL" --show-depends "$want" | while read -r kw path _; do
    [ "$kw" = insmod ] || continue
    m=${path##*/}; m=${m%.xz}; m=${m%.zst}; m=${m%.gz}
    grep -qxF "$m" "$ST/modules.list" && continue
    case "$path" in
      *.xz) xz -dc "$path" ;; *.zst) zstd -qdc "$path" ;; *.gz) gzip -dc "$path" ;; *) cat "$path" ;;
    esac > "$ST/modules/$m"
    echo "$m" >> "$ST/modules.list"
  done
done
grep -q vfio_iommu_type1 "$ST/modules.list" || grep -q '^CONFIG_VFIO_IOMMU_TYPE1=y' "$MODS/$REL/config" "$KROOT"/boot/config-* 2>/dev/null \
  || { echo "kernel $REL: no vfio_iommu_type1 module found" >&2; exit 1; }
(cd "$ST" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc --quiet --reproducible) | gzip -n -1 > "$OUT"
echo "$REL $(tr '\n' ' ' < "$ST/modules.list")"
