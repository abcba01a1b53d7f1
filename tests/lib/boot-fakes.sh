# shellcheck shell=bash
# tests/lib/boot-fakes.sh: what a boot needs, without a kernel, for the
# tests of the boot step and of the engine.  Source it with P (a project
# copy whose scripts/ may be replaced), SCRATCH and CACHE_DIR set; it makes
#   $SCRATCH/bin/qemu-system-x86_64   a stand-in QEMU that replays
#                                     $FAKE_SERIAL/TEST.N.log (run N of
#                                     TEST, counted in TEST.count), else
#                                     KERNEL-CONTENT.TEST.log, else
#                                     TEST.log; TEST.hang or TEST.N.hang:
#                                     after the log, never end; QEMU_FAIL=1:
#                                     fail to start as a bad option does;
#                                     every call is logged to
#                                     $FAKE_SERIAL/calls (its arguments)
#   $P/scripts/programs.sh            prints $SCRATCH/progs: the real
#                                     oracle and a stand-in vhost-user-fs
#                                     backend (listens, writes the saved
#                                     violations of $FAKE_VIOLATIONS)
#   $P/scripts/guest-image.sh         prints $CACHE_DIR/initrd.cpio
# and exports FAKE_SERIAL, PATH (with $SCRATCH/bin first).  The caller
# sets ACCEL=tcg and ARCHS=x86_64 (the stand-in QEMU is x86_64's).
mkdir -p "$SCRATCH/bin" "$SCRATCH/serial"
# shellcheck disable=SC2016 # expanded by the stand-in, not here
printf '#!/bin/bash\necho "$CACHE_DIR/initrd.cpio"\n' >"$P/scripts/guest-image.sh"
export FAKE_SERIAL=$SCRATCH/serial
# The host programs: the real oracle, a stand-in backend.
PROGS=$SCRATCH/progs
make -s -C "$P/oracle" O="$PROGS" >/dev/null
printf '#!/bin/bash\necho "%s"\n' "$PROGS" >"$P/scripts/programs.sh"
# The backend: listens, writes the saved violations ($FAKE_VIOLATIONS), and
# ends when the client (the stand-in QEMU) has connected and gone.
cat >"$PROGS/vhost-user-fs" <<'EOF'
#!/bin/bash
while [ $# -gt 0 ]; do
	case $1 in
	--socket) sock=$2 ;;
	--violations) viol=$2 ;;
	--trace) trace=$2 ;;
	esac
	shift 2
done
echo "stand-in backend on $sock" >"$trace"
[ -z "${FAKE_VIOLATIONS:-}" ] || cat "$FAKE_VIOLATIONS" >"$viol"
exec /usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.close()' "$sock"
EOF
# QEMU: replays $FAKE_SERIAL/TEST.N.log (run N of TEST, counted in
# TEST.count), else TEST.log; TEST.hang (or TEST.N.hang): after the log,
# never end; QEMU_FAIL=1: fail to start as a bad option does.
cat >"$SCRATCH/bin/qemu-system-x86_64" <<'EOF'
#!/bin/bash
if [ -n "${QEMU_FAIL:-}" ]; then
	echo "qemu-system-x86_64: -machine q35: unsupported machine type" >&2
	exit 1
fi
test="" sock=""
for a in "$@"; do
	case $a in
	*guest.tests=*) test=${a##*guest.tests=}; test=${test%% *} ;;
	socket,id=char0,path=*) sock=${a##*path=} ;;
	esac
done
echo "$*" >>"$FAKE_SERIAL/calls"
n=$(( $(cat "$FAKE_SERIAL/$test.count" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$FAKE_SERIAL/$test.count"
kernel=""
prev=""
for a in "$@"; do [ "$prev" != -kernel ] || kernel=$a; prev=$a; done
log=$FAKE_SERIAL/$test.$n.log
[ -f "$log" ] || log=$FAKE_SERIAL/$(head -c 64 "$kernel" 2>/dev/null).$test.log
[ -f "$log" ] || log=$FAKE_SERIAL/$test.log
if [ -n "$sock" ]; then
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.close()' "$sock"
fi
cat "$log"
if [ -f "$FAKE_SERIAL/$test.$n.hang" ] || [ -f "$FAKE_SERIAL/$test.hang" ]; then
	exec sleep 60
fi
exit 0
EOF
chmod +x "$SCRATCH/bin/qemu-system-x86_64" "$PROGS/vhost-user-fs"
: >"$CACHE_DIR/initrd.cpio"
export PATH=$SCRATCH/bin:$PATH
