#!/bin/bash
# build-vendor.sh KDIR SRCDIR OUTDIR
#   KDIR: a kernel directory left by fetch-kernel.sh (kernel.env, the private apt lists in KDIR/apt).
#   Builds the test vendor driver (SRCDIR: vtmdev.c, vtmdev.h, Kbuild) against that kernel's own
#   Debian headers and writes OUTDIR/vtmdev.ko, and the kernel's own mdev.ko, decompressed, as
#   OUTDIR/mdev.ko. Nothing is installed on the host: the headers
#   (linux-headers-<release>, its -common package, the linux-kbuild package they name) are
#   fetched with apt-get download and unpacked under KDIR/headers.
#   The host compiler builds the module. Two fix-ups make the newer suites' headers usable on an
#   older host, both checked, neither silent:
#   - kbuild's helper programs (fixdep, modpost, objtool, ...) of a newer suite need a newer glibc
#     than the host's: each one that does runs through that suite's own dynamic loader and
#     libraries (libc6, libelf, zlib, zstd fetched alongside), never the host's;
#   - a compiler flag the host gcc lacks (gcc 14's -fmin-function-alignment=N) becomes the one
#     the kernel itself uses with older compilers (-falign-functions=N), by a compiler wrapper.
set -euo pipefail
KDIR=$(readlink -f "$1"); SRC=$(readlink -f "$2"); OUT=$(mkdir -p "$3" && readlink -f "$3")
env() { sed -n "s/^$1=//p" "$KDIR/kernel.env"; }
SUITE=$(env SUITE); RELEASE=$(env RELEASE)
[ -n "$RELEASE" ] || { echo "$KDIR/kernel.env names no RELEASE" >&2; exit 1; }
APT=$KDIR/apt
O=(-o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=/dev/null
   -o Dir::State::Lists="$APT/lists" -o Dir::Cache="$APT/cache" -o APT::Architecture=amd64
   -o Debug::NoLocking=1 -o Acquire::Retries=3)
H=$KDIR/headers-$RELEASE
DEBS=$KDIR/headers-debs
get() { mkdir -p "$DEBS"; (cd "$DEBS" && apt-get "${O[@]}" -q download "$@" >"$APT/headers-download.log" 2>&1) \
  || { echo "$SUITE: apt-get download $* failed:" >&2; tail -n 5 "$APT/headers-download.log" >&2; exit 1; }; }
if [ ! -f "$H/.complete" ]; then
  rm -rf "$H"; mkdir -p "$H"
  # the packages the headers need, named by the archive itself (no guessed names)
  DEPS=$(apt-cache "${O[@]}" depends "linux-headers-$RELEASE" 2>/dev/null \
         | sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p' | sort -u | tr '\n' ' ')
  [ -n "$DEPS" ] || { echo "$SUITE: linux-headers-$RELEASE depends on no linux-headers/linux-kbuild package" >&2; exit 1; }
  get "linux-headers-$RELEASE" $DEPS
  for p in "linux-headers-$RELEASE" $DEPS; do
    f=$(ls "$DEBS/${p}"_*.deb 2>/dev/null | head -n 1)
    [ -n "$f" ] || { echo "$SUITE: $p was not downloaded" >&2; exit 1; }
    dpkg-deb -x "$f" "$H"
  done
  # the headers' Makefiles include each other by absolute /usr/src paths
  for mk in "$H"/usr/src/linux-headers-*/Makefile; do
    sed -i -e "s|^include /usr/src/|include $H/usr/src/|" -e "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$H/usr/src/|" "$mk"
  done
  hostglibc=$(getconf GNU_LIBC_VERSION | cut -d' ' -f2)
  newer() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -n 1)" != "$2" ]; }
  RT=$KDIR/kbuild-runtime-$RELEASE
  for f in $(find "$H"/usr/lib/linux-kbuild-* -type f -executable); do
    [ "$(head -c 4 "$f" | tail -c 3)" = ELF ] || continue
    need=$(readelf --dyn-syms -W "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    [ -n "$need" ] && newer "$need" "$hostglibc" || continue
    if [ ! -d "$RT/usr" ]; then
      mkdir -p "$RT"; get libc6 libelf1t64 zlib1g libzstd1
      for p in libc6 libelf1t64 zlib1g libzstd1; do dpkg-deb -x "$(ls "$DEBS/${p}"_*.deb | head -n 1)" "$RT"; done
    fi
    LIB=$RT/usr/lib/x86_64-linux-gnu
    mv "$f" "$f.bin"
    printf '#!/bin/sh\nexec %s --library-path %s %s "$@"\n' "$LIB/ld-linux-x86-64.so.2" "$LIB" "$f.bin" > "$f"
    chmod 755 "$f"
    echo "runs through $SUITE's loader: ${f##*/} (needs GLIBC_$need, host has $hostglibc)"
  done
  touch "$H/.complete"
fi
KB=$(ls -d "$H/usr/src/linux-headers-$RELEASE")
CC=$H/cc
cat > "$CC" <<'CC'
#!/bin/bash
a=()
for x in "$@"; do
  case "$x" in -fmin-function-alignment=*) a+=("-falign-functions=${x#*=}") ;; *) a+=("$x") ;; esac
done
exec gcc "${a[@]}"
CC
chmod 755 "$CC"
B=$(mktemp -d); trap 'rm -rf "$B"' EXIT
cp "$SRC/vtmdev.c" "$SRC/vtmdev.h" "$SRC/Kbuild" "$B/"
# BTF for modules needs pahole; insmod does not need BTF.
make -C "$KB" M="$B" CC="$CC" CONFIG_DEBUG_INFO_BTF_MODULES= modules
VM=$(modinfo -F vermagic "$B/vtmdev.ko")
case "$VM" in "$RELEASE "*) ;; *) echo "vtmdev.ko has vermagic '$VM', not $RELEASE" >&2; exit 1 ;; esac
cp "$B/vtmdev.ko" "$OUT/vtmdev.ko"
MD=$(find "$KDIR/root" -name 'mdev.ko*' | head -n 1)
[ -n "$MD" ] || { echo "$RELEASE ships no mdev.ko" >&2; exit 1; }
case "$MD" in *.xz) xz -dc "$MD" ;; *.zst) zstd -qdc "$MD" ;; *.gz) gzip -dc "$MD" ;; *) cat "$MD" ;; esac > "$OUT/mdev.ko"
echo "built vtmdev.ko for $RELEASE ($VM)"
