#!/bin/bash
# The SMTP round trip: a real mail server on 127.0.0.1 (Debian's
# python3-aiosmtpd, started and stopped here) that writes what it receives
# to an mbox; a real make check-series (warm after t9000: its cache is the
# shared one) opens the SEND=1 gate; `make send SEND=1` runs under a
# pseudo-terminal and is answered as a person answers, after the prompt
# ("no" once, then "yes"), with sendemail.smtpServer/smtpServerPort pointing
# at the server; the received mbox, fed to make am, gives the incremental
# tree on the embedded target and the v5 tree (the same) on the
# linux-next-like tree (tests/make-next-tree.sh).  Nothing leaves 127.0.0.1:
# the server never relays, and it is the only server git send-email knows.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

# check-series runs in the shared cache (warm after t9000); send and am in
# a shared clone of its tree in this script's own cache.
SRC_CACHE=${CACHE_DIR:-$SCRATCH/src-cache}
export CACHE_DIR=$SCRATCH/cache RESULTS_ROOT=$SCRATCH/results SRC_CACHE
export HOME=$SCRATCH/home
unset XDG_CONFIG_HOME GIT_CONFIG_GLOBAL LINUX_TREE SEND REFLECT VARIANT MBOX VARIANTS STEPS
MBOX_IN=$SCRATCH/received.mbox
export MBOX_IN

# The server: aiosmtpd on 127.0.0.1, a free port, each message appended to
# $MBOX_IN (LF line ends) and its envelope recipients to $MBOX_IN.rcpts.  It
# stops itself after 30 minutes whatever happens to this script.
cat >"$SCRATCH/smtpd.py" <<'PY'
import mailbox, os, signal, socket, sys, time

# Drop what the test's shell left open (its output pipes): the test must
# not wait for this server to end.
os.closerange(3, 4096)
from aiosmtpd.controller import Controller

portfile, path, lifetime, pidfile = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with open(pidfile, "w") as f:
    f.write(str(os.getpid()))

class Handler:
    async def handle_DATA(self, server, session, envelope):
        box = mailbox.mbox(path)
        box.lock()
        box.add(envelope.original_content.replace(b"\r\n", b"\n"))
        box.flush()
        box.unlock()
        with open(path + ".rcpts", "a") as f:
            f.write(" ".join(envelope.rcpt_tos) + "\n")
        return "250 OK"

s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
ctl = Controller(Handler(), hostname="127.0.0.1", port=port)
ctl.start()
with open(portfile + ".tmp", "w") as f:
    f.write(str(port))
os.rename(portfile + ".tmp", portfile)
signal.signal(signal.SIGTERM, lambda *a: (ctl.stop(), sys.exit(0)))
time.sleep(lifetime)
ctl.stop()
PY

# answer WORD LOG: make send SEND=1 under a pseudo-terminal (script), and
# WORD typed once its prompt is on the screen, as a person does.
cat >"$SCRATCH/answer.sh" <<'EOF2'
answer() {
	rm -f in "$2" "$2.rc" && mkfifo in || return 1
	{ script -qfec "make -s -C \"$PROJECT_DIR\" send SEND=1" /dev/null <in >"$2" 2>&1; echo $? >"$2.rc"; } &
	exec 3>in
	for _ in $(seq 1200); do
		grep -q "Type .yes. to send" "$2" 2>/dev/null && break
		[ -e "$2.rc" ] && break
		sleep 0.5
	done
	echo "$1" >&3
	exec 3>&-
	wait
	grep -q "Type .yes. to send" "$2"
}
EOF2

test_expect_success 'setup: target tree, identity, the mail server on 127.0.0.1, git send-email pointed at it' '
	{ /usr/bin/python3 -c "import aiosmtpd" 2>/dev/null ||
		{ echo "python3-aiosmtpd is missing: run bash scripts/deps.sh mail-test (as root)" >&2; return 1; }; } &&
	setup_target_clone &&
	git config --global user.name "Test Sender" &&
	git config --global user.email sender@example.org &&
	setsid -f /usr/bin/python3 smtpd.py port "$MBOX_IN" 1800 smtpd.pid </dev/null >smtpd.log 2>&1 &&
	for _ in $(seq 100); do test -s port && break; sleep 0.1; done &&
	test -s port &&
	git config --global sendemail.smtpServer 127.0.0.1 &&
	git config --global sendemail.smtpServerPort "$(cat port)" &&
	git config --global sendemail.smtpEncryption none &&
	bash "$PROJECT_DIR/tests/make-next-tree.sh" "$SCRATCH/next" >/dev/null
'

test_expect_success 'make check-series: the real run the gate needs (warm after t9000)' '
	CACHE_DIR=$SRC_CACHE make -s -C "$PROJECT_DIR" check-series >cs.out 2>&1 &&
	tail -n 1 cs.out | grep -qE "^check-series: [0-9]+ passed, 0 failed(, 0 errors)?$" &&
	jq -e ".series | length == 2" "$RESULTS_ROOT/latest/summary.json"
'

test_expect_success 'SEND=1 answered "no": the gate opens, nothing reaches the server' '
	. ./answer.sh && answer no send-no.out &&
	test_grep "proved these exact patch files" send-no.out &&
	test_grep "not sent \(answer was not .yes.\)" send-no.out &&
	test ! -e "$MBOX_IN"
'

test_expect_success 'SEND=1 answered "yes": three messages through SMTP, to the listed recipients only' '
	. ./answer.sh && answer yes send-yes.out &&
	test "$(cat send-yes.out.rc)" = 0 &&
	test_grep "sent 3 messages" send-yes.out &&
	test "$(grep -c "^From " "$MBOX_IN")" = 3 &&
	test "$(wc -l <"$MBOX_IN.rcpts")" = 3 &&
	# every real To/Cc address is an envelope recipient of each message
	R=$TEST_DATA/mail/real-thread/01-cover.eml &&
	sed -n "/^To:/,/^Subject:/p" "$R" | grep -oE "[[:alnum:]._+-]+@[[:alnum:].-]+" | tr "[:upper:]" "[:lower:]" | sort -u >real &&
	test "$(wc -l <real)" = 17 &&
	while read -r line; do
		tr " " "\n" <<<"$line" | tr "[:upper:]" "[:lower:]" | sort -u >got &&
		test "$(comm -23 real got)" = "" &&
		test_grep_not "^(stable@vger.kernel.org|sender@example.org|kjlx@templeofstupid.com)\$" got || return 1
	done <"$MBOX_IN.rcpts"
'

test_expect_success 'what arrived is the thread: subjects, threading, 2/2 is patches/v5-0002 exactly' '
	mkdir -p arrived && git mailsplit -oarrived "$MBOX_IN" >/dev/null &&
	for m in arrived/*; do git mailinfo -k /dev/null /dev/null <"$m" | sed -n "s/^Subject: //p"; done >subjects &&
	test_grep "^\[PATCH 0/2\] Fuse submount_lookup needs to be initialized\$" subjects &&
	test_grep "^\[PATCH 1/2\] fuse: ensure submount_lookup is initialized on alloc\$" subjects &&
	test_grep "^\[PATCH v5 2/2\] fuse: share lookup state between submount and its parent\$" subjects &&
	cover=$(grep -h -i "^Message-Id: .*-v1-0-" arrived/* | sed "s/^[^:]*: //") &&
	test "$(grep -l -i "^In-Reply-To: $cover" arrived/* | wc -l)" = 2 &&
	v5=$(grep -l "^Subject: \[PATCH v5 2/2\]" arrived/*) &&
	git mailinfo m1 p1 <"$v5" >/dev/null &&
	git mailinfo m2 p2 <"$PROJECT_DIR/patches/v5-0002-fuse-share-lookup-state-between-submount-and-its-parent.patch" >/dev/null &&
	test_cmp m2 m1 && sed "/^-- \$/,\$d" p1 | sed "\$d" >p1.nosig && test_cmp p2 p1.nosig
'

test_expect_success 'make am of the received mbox: incremental on the embedded target' '
	VARIANT=incremental MBOX=$MBOX_IN make -s -C "$PROJECT_DIR" am >am-inc.out 2>&1 &&
	want=$(git -C "$CACHE_DIR/trees/embedded-6.1" rev-parse "refs/tags/check-series/variant/incremental^{tree}") &&
	test_grep "both give tree $want" am-inc.out
'

test_expect_success 'make am of the received mbox on the linux-next-like tree: v5 and incremental, the same tree' '
	LINUX_TREE=$SCRATCH/next VARIANT=v5 MBOX=$MBOX_IN make -s -C "$PROJECT_DIR" am >am-v5.out 2>&1 &&
	LINUX_TREE=$SCRATCH/next VARIANT=incremental MBOX=$MBOX_IN make -s -C "$PROJECT_DIR" am >am-inc2.out 2>&1 &&
	a=$(sed -n "s/.*both give tree \([0-9a-f]*\),.*/\1/p" am-v5.out) && test -n "$a" &&
	test "$a" = "$(sed -n "s/.*both give tree \([0-9a-f]*\),.*/\1/p" am-inc2.out)"
'

test_expect_success 'stop the mail server' '
	kill "$(cat smtpd.pid)" &&
	for _ in $(seq 50); do kill -0 "$(cat smtpd.pid)" 2>/dev/null || break; sleep 0.1; done &&
	! kill -0 "$(cat smtpd.pid)" 2>/dev/null
'

test_done
