#!/bin/bash
# build-initramfs.sh KROOT OUTDIR
#   KROOT: a Debian kernel package extracted with dpkg-deb -x (here linux-image-6.12.118+deb13-amd64).
#   Writes OUTDIR/l2.gz (the traced guest: e1000e, link up, down, up, poweroff) and OUTDIR/l1.gz
#   (the host guest: VFIO modules, the e1000e bound to vfio-pci, this machine's qemu-system-x86_64
#   with its libraries and firmware, and l2 inside). Needs busybox-static, kmod, xz-utils, cpio.
set -euo pipefail
K=$(readlink -f "$1"); OUT=$(readlink -f "$2"); HERE=$(cd "$(dirname "$0")" && pwd)
MODS=$K/usr/lib/modules; [ -d "$MODS" ] || MODS=$K/lib/modules
REL=$(ls "$MODS" | head -n 1)
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; mkdir -p $W/root/lib; ln -s $MODS $W/root/lib/modules; depmod -b $W/root $REL
mods() { # dest, modules...
  local d=$1; shift; mkdir -p $d/modules; : > $d/modules.list
  for want in "$@"; do
    modprobe -d $W/root -S $REL --show-depends $want | while read -r kw path _; do
      [ "$kw" = insmod ] || continue; m=${path##*/}; m=${m%.xz}; m=${m%.zst}
      grep -qxF "$m" $d/modules.list && continue
      case "$path" in *.xz) xz -dc "$path";; *.zst) zstd -qdc "$path";; *) cat "$path";; esac > $d/modules/$m
      echo "$m" >> $d/modules.list
    done
  done
}
BB=$(command -v busybox)
# ---- the traced guest (L2)
S=$W/l2; mkdir -p $S/{bin,dev,proc,sys,tmp}; cp $BB $S/bin/busybox
for a in sh mount insmod cat echo ip sleep poweroff ls; do ln -s busybox $S/bin/$a; done
mods $S e1000e
cp "$HERE/l2-init" $S/init; chmod 755 $S/init
(cd $S && find . | cpio -o -H newc --quiet) | gzip -1 > $OUT/l2.gz
# ---- the guest that runs the traced QEMU (L1)
S=$W/l1; mkdir -p $S/{bin,dev,proc,sys,tmp,fw,l2}; cp $BB $S/bin/busybox
for a in sh mount insmod cat echo sleep poweroff ls readlink date grep; do ln -s busybox $S/bin/$a; done
mods $S vfio-pci vfio_iommu_type1
mkdir -p $S/usr/bin; cp /usr/bin/qemu-system-x86_64 $S/usr/bin/
for l in $(ldd /usr/bin/qemu-system-x86_64 | awk '{ if ($3 ~ /^\//) print $3; else if ($1 ~ /^\//) print $1 }'); do
  mkdir -p $S$(dirname $l); cp -L $l $S$l
done
mkdir -p $S/usr/lib/x86_64-linux-gnu/qemu; cp /usr/lib/x86_64-linux-gnu/qemu/accel-tcg-x86_64.so $S/usr/lib/x86_64-linux-gnu/qemu/
mkdir -p $S/lib64; cp -L /lib64/ld-linux-x86-64.so.2 $S/lib64/
cp -L /usr/share/seabios/bios-256k.bin /usr/share/qemu/kvmvapic.bin /usr/share/qemu/linuxboot_dma.bin $S/fw/
cp $K/boot/vmlinuz-$REL $S/l2/vmlinuz; cp $OUT/l2.gz $S/l2/initrd
cp "$HERE/l1-init" $S/init; chmod 755 $S/init
(cd $S && find . | cpio -o -H newc --quiet) | gzip -1 > $OUT/l1.gz
