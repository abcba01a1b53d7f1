#!/bin/bash
# guest-image.sh ARCH: build what runs in the test guest for ARCH and pack
# it into an initrd; prints the initrd's path.  The initrd holds:
#   /init                  guest/init.c, a KTAP runner (guest.tests= on the
#                          kernel command line names the tests to run)
#   /bin/<test>            guest/*.c: memfd_fuse, fuse_evict, virtiofs_submount,
#                          virtiofs_kmemleak
#   /bin/fuse_mnt, fuse_test  the memfd kselftest, built by its own Makefile
#                          from the target tree (static, against libfuse.a)
# packed by the tree's own usr/gen_init_cpio (no root needed).  Rebuilt only
# when one of its inputs changed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# guest-image.sh --key ARCH: only the key it is kept by.
key_only=0
[ "${1:-}" != --key ] || { key_only=1; shift; }
arch_load "${1:?usage: guest-image.sh [--key] ARCH}"
T=$(target_dir)
selftest=tools/testing/selftests/memfd
require_tool "${CROSS_COMPILE:-}gcc" "$TOOLCHAIN_PACKAGE"
# The guest programs by programs.sh's own key: what they are built from
# is said there once.
progs_key=$(bash "$PROJECT_DIR/scripts/programs.sh" --key guest "$ARCH_NAME")
key=$(hash_string "$ARCH_NAME $progs_key $(hash_files "$PROJECT_DIR/arches/$ARCH_NAME.conf" "$PROJECT_DIR/scripts/guest-image.sh") \
	$(git -C "$T" rev-parse "$(base_ref v4):$selftest" "$(base_ref v4):usr/gen_init_cpio.c") \
	$("${CROSS_COMPILE:-}gcc" --version | head -1)")
out=$CACHE_DIR/guest/$ARCH_NAME-$key
[ $key_only = 0 ] || { echo "$key"; exit 0; }
if [ -f "$out/initrd.cpio" ]; then
	echo "$out/initrd.cpio"
	exit 0
fi

# fuse_mnt links statically against the libfuse.a of the guest's arch: the
# record's LIBFUSE_A, or the one in the compiler's own multiarch directory.
# It is named by path, so a cross link cannot pick up the host's -lfuse.
LIBFUSE_A=${LIBFUSE_A:-/usr/lib/$("${CROSS_COMPILE:-}gcc" -print-multiarch)/libfuse.a}
require_file "$LIBFUSE_A" "${LIBFUSE_PACKAGE:-libfuse-dev}"
# Made aside and moved in place: two jobs that ask at once do not mix.
final=$out
out=$final.tmp.$$
rm -rf "$out.tmp"
mkdir -p "$out.tmp/bin" "$out.tmp/src"
trap 'rm -rf "$out.tmp"' EXIT

step_begin "$ARCH_NAME guest programs (guest/*.c, static)"
progs=$(bash "$PROJECT_DIR/scripts/programs.sh" guest "$ARCH_NAME")
for p in init memfd_fuse fuse_evict virtiofs_submount virtiofs_kmemleak; do cp "$progs/$p" "$out.tmp/bin/"; done
step_end

step_begin "$ARCH_NAME memfd kselftest: fuse_mnt, fuse_test (from $(target_id) $selftest)"
# Built from a pristine export of the selftest so nothing lands in the tree.
git -C "$T" archive "$(base_ref v4)" tools/testing/selftests/memfd tools/testing/selftests/lib.mk \
	tools/testing/selftests/kselftest.h tools/testing/selftests/kselftest_harness.h \
	usr/gen_init_cpio.c | tar -x -C "$out.tmp/src"
make -s -C "$out.tmp/src/$selftest" OUTPUT="$out.tmp/bin" CC="${CROSS_COMPILE:-}gcc" \
	LDFLAGS=-static VAR_LDLIBS="${LIBFUSE_LDLIBS:-$LIBFUSE_A -pthread}" \
	"$out.tmp/bin/fuse_mnt" "$out.tmp/bin/fuse_test" 2>&1 |
	grep -v -E "dlopen' in statically linked|in function .fuse_new_common" >&2 || true
if [ ! -x "$out.tmp/bin/fuse_mnt" ] || [ ! -x "$out.tmp/bin/fuse_test" ]; then
	die "building the memfd selftest failed (see the messages above)"
fi
step_end

gcc -O2 -o "$out.tmp/gen_init_cpio" "$out.tmp/src/usr/gen_init_cpio.c"
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /proc 0755 0 0"
	echo "dir /sys 0755 0 0"
	echo "dir /tmp 1777 0 0"
	echo "dir /bin 0755 0 0"
	echo "file /init $out.tmp/bin/init 0755 0 0"
	for p in "$out.tmp"/bin/*; do
		[ "$(basename "$p")" = init ] || echo "file /bin/$(basename "$p") $p 0755 0 0"
	done
} >"$out.tmp/initrd.list"
"$out.tmp/gen_init_cpio" "$out.tmp/initrd.list" >"$out.tmp/initrd.cpio"
rm -rf "$out.tmp/src"
# The first to finish wins; a loser's copy is the same bytes.
has_initrd() { [ -f "$1/initrd.cpio" ]; }
publish_dir "$out.tmp" "$final" has_initrd || die "could not move the initrd to $final"
trap - EXIT
echo "$final/initrd.cpio"
