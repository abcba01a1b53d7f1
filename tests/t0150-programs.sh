#!/bin/bash
# scripts/programs.sh and mk/prog.mk: the host and guest programs are built
# once for their content into $CACHE_DIR/programs/ (a second call runs no
# compiler, not even make), a header edit gives a new key and make's own
# dependency files recompile what includes it, a compile error is one line
# and leaves no directory, two calls at once share one directory, --key
# prints the key alone (guest-image.sh keys the initrd by the guest one),
# and the three Makefiles build with one flags policy: -std=gnu11 -Wall
# -Wextra -Werror (libFuzzer and replay harnesses too), the user's CFLAGS
# after it, new flags rebuilding; guest programs static, for aarch64 when
# cross-built.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

export CACHE_DIR=$SCRATCH/cache
unset CC CFLAGS LDFLAGS LDLIBS SANITIZE CROSS_COMPILE MAKEFLAGS
PROGRAMS=$PROJECT_DIR/scripts/programs.sh
export PROGRAMS

# A copy of the project to edit: what programs.sh and the Makefiles read.
P=$SCRATCH/proj
mkdir -p "$P"
cp -r "$PROJECT_DIR/scripts" "$PROJECT_DIR/mk" "$PROJECT_DIR/arches" \
	"$PROJECT_DIR/guest" "$PROJECT_DIR/oracle" "$PROJECT_DIR/vhost-user-fs" "$P/"
rm -rf "$P"/{guest,oracle,vhost-user-fs}/out
export P

# every_line PATTERN FILE: FILE has lines, and each matches PATTERN (ERE);
# shows those that do not.
every_line() {
	test -s "$2" || { echo "every_line: $2 is empty" >&2; return 1; }
	if grep -v -E -e "$1" "$2" >&2; then
		echo "every_line: the lines above do not match '$1' ($2)" >&2
		return 1
	fi
}

# empty FILE: FILE has nothing in it; shows what it has.
empty() {
	if [ -s "$1" ]; then
		echo "empty: $1 is not:" >&2
		cat "$1" >&2
		return 1
	fi
}

test_expect_success 'host: oracle, vhost-user-fs, test_driver in programs/host-KEY, the one line on stdout' '
	bash "$PROGRAMS" host >out 2>err &&
	test "$(wc -l <out)" = 1 &&
	dir=$(cat out) &&
	[[ $dir =~ ^$CACHE_DIR/programs/host-[0-9a-f]{16}$ ]] &&
	for p in oracle vhost-user-fs test_driver; do
		test -x "$dir/$p" || return 1
	done &&
	ls -A "$CACHE_DIR/programs" >list &&
	echo "${dir##*/}" >exp && test_cmp exp list
'

test_expect_success 'a second call prints the same directory at once: no make, no compiler, nothing rewritten' '
	mkdir -p trap &&
	for t in make cc gcc clang; do
		printf "#!/bin/bash\n[ \"\$1\" = --version ] && exec /usr/bin/%s --version\necho \"%s \$*\" >>\"$SCRATCH/calls\"\nexit 1\n" "$t" "$t" >trap/$t &&
		chmod +x trap/$t || return 1
	done &&
	dir=$(cat out) &&
	stat -c "%n %Y %i" "$dir"/* >before &&
	t0=$(date +%s%N) &&
	PATH=$SCRATCH/trap:$PATH bash "$PROGRAMS" host >out2 2>err2 &&
	echo "# second call: $(( ($(date +%s%N) - t0) / 1000000 )) ms" &&
	test_cmp out out2 &&
	empty err2 &&
	test ! -e calls &&
	stat -c "%n %Y %i" "$dir"/* >after &&
	test_cmp before after
'

test_expect_success '--key: the key that names the directory, nothing built; a guest header is in the guest key' '
	dir=$(cat out) &&
	CACHE_DIR=$SCRATCH/key-cache bash "$PROGRAMS" --key host >key 2>err &&
	empty err &&
	echo "${dir##*/host-}" >exp && test_cmp exp key &&
	test ! -e "$SCRATCH/key-cache" &&
	bash "$P/scripts/programs.sh" --key guest x86_64 >g1 &&
	echo "/* edited */" >>"$P/guest/virtiofs.h" &&
	test_when_finished "cp \"$PROJECT_DIR/guest/virtiofs.h\" \"$P/guest/virtiofs.h\"" &&
	bash "$P/scripts/programs.sh" --key guest x86_64 >g2 &&
	test_grep "^[0-9a-f]{16}$" g1 && test_grep "^[0-9a-f]{16}$" g2 &&
	! cmp -s g1 g2
'

test_expect_success 'a header edit: a new key, and make rebuilds just the objects that include it' '
	bash "$P/scripts/programs.sh" host >d1 2>/dev/null &&
	echo "/* edited */" >>"$P/vhost-user-fs/log.h" &&
	test_when_finished "cp \"$PROJECT_DIR/vhost-user-fs/log.h\" \"$P/vhost-user-fs/log.h\"" &&
	bash "$P/scripts/programs.sh" host >d2 2>/dev/null &&
	! test_cmp d1 d2 &&
	test -x "$(cat d2)/vhost-user-fs" &&
	cp "$PROJECT_DIR/vhost-user-fs/log.h" "$P/vhost-user-fs/log.h" &&
	make -C "$P/vhost-user-fs" O="$SCRATCH/o" >m1 2>&1 &&
	make -C "$P/vhost-user-fs" O="$SCRATCH/o" >m2 2>&1 &&
	test_grep_not " -c -o " m2 &&
	echo "/* edited */" >>"$P/vhost-user-fs/log.h" &&
	make -C "$P/vhost-user-fs" O="$SCRATCH/o" >m3 2>&1 &&
	test_grep " -c -o [^ ]*/\.obj/vhost-user-fs/log\.o log\.c" m3 &&
	test_grep " -c -o [^ ]*/\.obj/vhost-user-fs/main\.o main\.c" m3 &&
	test_grep_not "test_driver\.o" m3
'

test_expect_success 'a compile error: non-zero exit, one line naming it, no directory left' '
	rm -rf "$CACHE_DIR/programs" &&
	cp "$P/oracle/oracle.c" oracle.c.orig &&
	test_when_finished "cp \"$SCRATCH/oracle.c.orig\" \"$P/oracle/oracle.c\"" &&
	echo "int broken = ;" >>"$P/oracle/oracle.c" &&
	test_must_fail bash "$P/scripts/programs.sh" host >out 2>err &&
	cat err &&
	empty out &&
	test "$(wc -l <err)" = 1 &&
	test_grep "^programs: error: building oracle/ for host failed: .*oracle.c:[0-9]+:[0-9]+: error: " err &&
	find "$CACHE_DIR/programs" -mindepth 1 -type d >dirs &&
	empty dirs
'

test_expect_success 'two calls at once, both building: one directory, complete, nothing else left' '
	rm -rf "$CACHE_DIR/programs" &&
	{ bash "$PROGRAMS" host >c1 2>e1 & } &&
	p1=$! &&
	{ bash "$PROGRAMS" host >c2 2>e2 & } &&
	p2=$! &&
	wait $p1 && wait $p2 &&
	cat e1 e2 &&
	test_grep ": built$" e1 && test_grep ": built$" e2 &&
	test_cmp c1 c2 &&
	dir=$(cat c1) &&
	ls -A "$CACHE_DIR/programs" >list &&
	echo "${dir##*/}" >exp && test_cmp exp list &&
	ls -A "$dir" >progs &&
	printf "%s\n" .programs oracle test_driver vhost-user-fs >exp && test_cmp exp progs
'

test_expect_success 'usage and an unknown arch: one line, non-zero' '
	test_must_fail bash "$PROGRAMS" 2>err &&
	test "$(wc -l <err)" = 1 && test_grep "usage: programs.sh host \| programs.sh guest ARCH" err &&
	test_must_fail bash "$PROGRAMS" guest sparc 2>err &&
	test "$(wc -l <err)" = 1 && test_grep "no arches/sparc.conf" err
'

test_expect_success 'one policy: the Makefiles carry no flags; every compile and link has them, CFLAGS after' '
	test_grep "^include \.\./mk/prog\.mk$" "$PROJECT_DIR/guest/Makefile" &&
	test_grep "^include \.\./mk/prog\.mk$" "$PROJECT_DIR/oracle/Makefile" &&
	test_grep "^include \.\./mk/prog\.mk$" "$PROJECT_DIR/vhost-user-fs/Makefile" &&
	for d in guest oracle vhost-user-fs; do
		grep -v "^#" "$PROJECT_DIR/$d/Makefile" >"mk-$d" &&
		test_grep_not "(^|[[:space:]])-(W|O[0-9s]?|g|std=|fsanitize)" "mk-$d" || return 1
	done &&
	for d in guest oracle vhost-user-fs; do
		make -n -C "$PROJECT_DIR/$d" O="$SCRATCH/n-$d" CFLAGS=-DUSER_FLAG >"n-$d" 2>&1 &&
		grep -E "^gcc " "n-$d" >"cmds-$d" &&
		test_grep " -c -o " "cmds-$d" && test_grep " -o [^ ]*/n-$d/[^ /.]+ " "cmds-$d" &&
		every_line "^gcc -O2 -g -std=gnu11 -Wall -Wextra -Werror( -D_GNU_SOURCE)? -DUSER_FLAG( -static)? " "cmds-$d" ||
		return 1
	done &&
	test_grep "-D_GNU_SOURCE" cmds-vhost-user-fs && test_grep_not "-D_GNU_SOURCE" cmds-oracle &&
	test_grep "-Werror -DUSER_FLAG -static -o " cmds-guest && test_grep_not "-static" cmds-oracle
'

test_expect_success 'one policy for harnesses: fuzz (clang, libFuzzer) and fuzz-replay (ASan+UBSan), SANITIZE=1' '
	for d in oracle vhost-user-fs; do
		make -n -C "$PROJECT_DIR/$d" O="$SCRATCH/f-$d" fuzz >"f-$d" 2>&1 &&
		grep -E "^clang " "f-$d" >"fc-$d" &&
		every_line "-fsanitize=fuzzer -fsanitize=address,undefined .*-std=gnu11 -Wall -Wextra -Werror" "fc-$d" &&
		make -n -C "$PROJECT_DIR/$d" O="$SCRATCH/r-$d" fuzz-replay >"r-$d" 2>&1 &&
		grep -E "^gcc " "r-$d" >"rc-$d" &&
		every_line "^gcc -O2 -g -std=gnu11 -Wall -Wextra -Werror .*-DFUZZ_REPLAY_MAIN -fsanitize=address,undefined " "rc-$d" &&
		make -n -C "$PROJECT_DIR/$d" O="$SCRATCH/s-$d" SANITIZE=1 >"s-$d" 2>&1 &&
		grep -E "^gcc " "s-$d" >"sc-$d" &&
		every_line "-Werror .*-fsanitize=address,undefined" "sc-$d" ||
		return 1
	done
'

test_expect_success 'new flags in the same O rebuild; the same flags again rebuild nothing' '
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/fl" >fl1 2>&1 &&
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/fl" SANITIZE=1 >fl2 2>&1 &&
	test_grep "-fsanitize=address,undefined .* -c -o " fl2 &&
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/fl" SANITIZE=1 >fl3 2>&1 &&
	test_grep_not "^gcc " fl3 &&
	make -C "$PROJECT_DIR/oracle" O="$SCRATCH/fl" >fl4 2>&1 &&
	test_grep "^gcc .* -c -o " fl4
'

if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
	test_expect_success 'guest arm64: static aarch64 programs in programs/guest-arm64-KEY' '
		bash "$PROGRAMS" guest arm64 >out 2>err &&
		dir=$(cat out) &&
		[[ $dir =~ ^$CACHE_DIR/programs/guest-arm64-[0-9a-f]{16}$ ]] &&
		for p in init memfd_fuse fuse_evict virtiofs_submount; do
			readelf -h "$dir/$p" >hdr && test_grep "Machine:[[:space:]]+AArch64" hdr &&
			readelf -l "$dir/$p" >phdr && test_grep_not "INTERP" phdr || return 1
		done &&
		bash "$PROGRAMS" guest x86_64 >out64 2>/dev/null &&
		test "$(cat out64)" != "$dir" &&
		readelf -h "$(cat out64)/init" >hdr && test_grep "Machine:[[:space:]]+Advanced Micro Devices X86-64" hdr
	'
else
	test_skip 'guest arm64: static aarch64 programs in programs/guest-arm64-KEY' \
		'aarch64-linux-gnu-gcc is not installed (apt-get install gcc-aarch64-linux-gnu)'
fi

test_done
