#!/bin/bash
# make test-lab: scripts/lava-submit.sh against a real LAVA lab, set up here
# on 127.0.0.1 and torn down at the end (issue 16).  Nothing stands in for
# the lab: Debian's lava-server (its API served by gunicorn, its
# lava-scheduler) on a PostgreSQL cluster of the test's own, and a
# lava-worker with two qemu devices made from lava/lab/qemu-tcg.jinja2 on
# the stock qemu device type.  make lava's jobs fetch the kernels and the
# initrd over http from 127.0.0.1 (ARTIFACT_URL=), as a lab's workers would.
# Proven: memfd_fuse and fuse_evict on x86_64, control FAIL and incremental
# PASS by the oracle on the console LAVA captured, every job Complete with
# LAVA's own case agreeing; a wrong expectation is a mismatch (exit 1); a
# job the lab cannot run is an ERROR (exit 5); a wrong token is one line
# (exit 2), and so is a lab that does not answer (exit 5).
#
# Not run by make test (not named tNNNN-*.sh): it installs lava-server and
# takes minutes.  As root (PostgreSQL runs as its postgres user).  The
# kernels: RUN_DIR= (a run of make check-series that built control and
# incremental for x86_64), else make check-series VARIANTS=control,incremental
# STEPS=apply,build ARCHS=x86_64 makes them (cache hits after a full run).
# Nothing outside the scratch directory is written but what lava-run
# itself uses (/var/lib/lava/dispatcher/tmp/JOB_ID, removed by the worker);
# /etc/lava-server is left as it was (checked).  KEEP_SCRATCH=1 keeps the
# logs (the lab is stopped all the same).
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=../harness.sh
. "$(dirname "$0")/../harness.sh"

export CACHE_DIR=${CACHE_DIR:-$PROJECT_DIR/.cache}
export RESULTS_ROOT=$SCRATCH/results
unset VARIANTS STEPS ARCHS ARTIFACT_URL LAVA_URL LAVA_USER LAVA_TOKEN LAVA_IDENTITY DRY_RUN OUT_DIR
LAB=$SCRATCH/lab
SUBMIT=$PROJECT_DIR/scripts/lava-submit.sh
PGBIN=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1 | xargs -r dirname)
export LAB SUBMIT PGBIN
t_start=$SECONDS

if [ "$(id -u)" != 0 ]; then
	test_skip 'a real LAVA lab on 127.0.0.1' 'not root: the lab runs PostgreSQL as its postgres user'
	test_done
	exit
fi
for c in lava-server lava-worker gunicorn3 lavacli "$PGBIN/initdb"; do
	if ! command -v "$c" >/dev/null 2>&1; then
		test_skip 'a real LAVA lab on 127.0.0.1' "no $c: bash scripts/deps.sh lava lab"
		test_done
		exit
	fi
done

# free_port: a TCP port nobody listens on, on 127.0.0.1.
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# secret: 32 random letters and digits.
secret() {
	head -c 64 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | cut -c1-32
}
# start NAME CMD...: a service in a session of its own (so that stopping it
# stops its children: gunicorn's workers, the worker's lava-run and QEMU),
# its output in $LAB/log/NAME.out, its id in $LAB/NAME.pid.
start() {
	local name=$1
	shift
	setsid "$@" >"$LAB/log/$name.out" 2>&1 </dev/null &
	echo $! >"$LAB/$name.pid"
}
# wait_until SECONDS CMD...: until CMD succeeds; fails after SECONDS.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -lt $end ] || return 1
		sleep 1
	done
}
# lab_cli ARGS: lavacli as the lab's admin (the identity "lab").
lab_cli() {
	XDG_CONFIG_HOME=$LAB/xdg lavacli -i lab "$@"
}
# lab_env: the lab's settings, for lava-server and its services.
lab_env() {
	# shellcheck source=/dev/null
	. "$LAB/env"
}
# stop NAME: the service's whole session, TERM then KILL after 20 s.
stop() {
	local pid
	[ -f "$LAB/$1.pid" ] || return 0
	pid=$(cat "$LAB/$1.pid")
	kill -TERM -- "-$pid" 2>/dev/null || true
	wait_until 20 eval "! kill -0 -- -$pid" || kill -KILL -- "-$pid" 2>/dev/null || true
	wait_until 5 eval "! kill -0 -- -$pid" || return 1
	rm -f "$LAB/$1.pid"
}
# lab_teardown: every service stopped, the database dropped, the cluster
# stopped and removed.  Run by the last test and again at exit (a test that
# died before it leaves nothing running either).
lab_teardown() {
	local s rc=0
	for s in worker scheduler gunicorn artifacts; do stop "$s" || rc=1; done
	if [ -f "$LAB/pg.port" ] && [ -d "$LAB/pg/data" ] &&
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$LAB/pg/data" status >/dev/null 2>&1; then
		runuser -u postgres -- psql -h "$LAB/pg" -p "$(cat "$LAB/pg.port")" -v ON_ERROR_STOP=1 -q \
			-c 'DROP DATABASE IF EXISTS lavaserver' -c 'DROP ROLE IF EXISTS lavaserver' || rc=1
		runuser -u postgres -- "$PGBIN/pg_ctl" -D "$LAB/pg/data" -m fast -w stop >/dev/null || rc=1
	fi
	rm -rf "$LAB/pg"
	return $rc
}
export -f free_port secret start wait_until lab_cli lab_env stop lab_teardown
trap 'rc=$?; lab_teardown >/dev/null 2>&1; (exit $rc); _test_exit' EXIT

test_expect_success 'setup: a PostgreSQL cluster of its own on 127.0.0.1, the lavaserver database' '
	chmod 711 "$SCRATCH" && mkdir -m 711 "$LAB" && mkdir -p "$LAB/log" &&
	{ find /etc/lava-server -type f -print0 | sort -z | xargs -0 sha256sum; } >"$LAB/etc-before" &&
	install -d -o postgres -g postgres -m 700 "$LAB/pg" &&
	runuser -u postgres -- "$PGBIN/initdb" -D "$LAB/pg/data" -U postgres -E UTF8 --locale=C.UTF-8 \
		-A scram-sha-256 --auth-local=peer >"$LAB/log/initdb.out" 2>&1 &&
	port=$(free_port) && echo "$port" >"$LAB/pg.port" &&
	runuser -u postgres -- "$PGBIN/pg_ctl" -D "$LAB/pg/data" -l "$LAB/pg/postgresql.log" -w \
		-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$LAB/pg" start >/dev/null &&
	pw=$(secret) &&
	runuser -u postgres -- psql -h "$LAB/pg" -p "$port" -v ON_ERROR_STOP=1 -q \
		-c "CREATE ROLE lavaserver LOGIN PASSWORD '"'"'$pw'"'"'" \
		-c "CREATE DATABASE lavaserver OWNER lavaserver ENCODING '"'"'UTF8'"'"' TEMPLATE template0" &&
	mkdir -p "$LAB/media" "$LAB/devices" "$LAB/health-checks" &&
	# lava-server reads its settings from the environment too: the
	# database, paths and logs of this lab, none of /etc/lava-server.
	cat >"$LAB/env" <<-EOF &&
	export DATABASE_URL=postgres://lavaserver:$pw@127.0.0.1:$port/lavaserver
	export SECRET_KEY=$(secret)
	export LAVA_SETTINGS_MEDIA_ROOT=$LAB/media
	export LAVA_SETTINGS_DEVICES_PATH=$LAB/devices
	export LAVA_SETTINGS_HEALTH_CHECKS_PATH=$LAB/health-checks
	export LAVA_SETTINGS_DJANGO_LOGFILE=$LAB/log/django.log
	EOF
	chmod 600 "$LAB/env"
'

test_expect_success 'setup: lava-server: the schema, an admin with an API token, a worker, device type qemu, two devices of lava/lab/qemu-tcg.jinja2' '
	lab_env &&
	lava-server manage migrate --noinput >"$LAB/log/migrate.out" 2>&1 &&
	lava-server manage users add lab-admin --superuser --staff --passwd "$(secret)" &&
	lava-server manage tokens add --user lab-admin --description t-lab >"$LAB/api.token" &&
	test "$(wc -c <"$LAB/api.token")" -gt 30 &&
	lava-server manage workers add lab-worker | sed -n "s/^Token: //p" >"$LAB/worker.token" &&
	test -s "$LAB/worker.token" &&
	lava-server manage device-types add qemu &&
	for d in qemu-01 qemu-02; do
		cp "$PROJECT_DIR/lava/lab/qemu-tcg.jinja2" "$LAB/devices/$d.jinja2" &&
		lava-server manage devices add --device-type qemu --worker lab-worker "$d" || return 1
	done &&
	mkdir -m 700 "$LAB/xdg" &&
	printf "lab:\n  uri: http://127.0.0.1:%s/RPC2\n  username: lab-admin\n  token: %s\n" \
		"$(free_port | tee "$LAB/http.port")" "$(cat "$LAB/api.token")" >"$LAB/xdg/lavacli.yaml"
'

test_expect_success 'setup: the API (gunicorn), lava-scheduler and lava-worker on 127.0.0.1; the worker online, both devices idle' '
	lab_env && port=$(cat "$LAB/http.port") &&
	start gunicorn gunicorn3 lava_server.wsgi --bind "127.0.0.1:$port" --workers 2 --worker-class eventlet \
		--log-level INFO --log-file "$LAB/log/gunicorn.log" &&
	start scheduler lava-server manage lava-scheduler --level INFO --log-file "$LAB/log/scheduler.log" &&
	wait_until 60 curl -sf "http://127.0.0.1:$port/api/v0.2/system/version/" ||
		{ tail -n 20 "$LAB/log/gunicorn.log" "$LAB/log/gunicorn.out"; return 1; }
	start worker lava-worker --name lab-worker --url "http://127.0.0.1:$port/" --token-file "$LAB/worker.token" \
		--worker-dir "$LAB/worker" --level INFO --log-file "$LAB/log/worker.log" &&
	wait_until 60 eval "lab_cli workers show lab-worker | grep -q \"^state *: Online\"" ||
		{ lab_cli workers show lab-worker; tail -n 20 "$LAB/log/worker.log"; return 1; }
	lab_cli devices list >devices &&
	test_grep "qemu-01 \(qemu\): Idle,Good" devices &&
	test_grep "qemu-02 \(qemu\): Idle,Good" devices
'

test_expect_success 'the lab renders our QEMU options on the stock qemu template: no KVM, TCG, no reboot, q35 on x86_64, virt/cortex-a57 on arm64' '
	lab_env &&
	lava-server manage shell -c "
import yaml
from lava_scheduler_app.models import Device
d = Device.objects.get(hostname=\"qemu-01\")
for arch in (\"amd64\", \"arm64\"):
    q = d.load_configuration(job_ctx={\"arch\": arch})[\"actions\"][\"boot\"][\"methods\"][\"qemu\"][\"parameters\"]
    print(arch, q[\"command\"], \" \".join(q[\"options\"] + q.get(\"extra\", [])))
" >rendered &&
	cat rendered &&
	test_grep "^amd64 qemu-system-x86_64 .*-m 512 .*-M q35 -accel tcg -no-reboot$" rendered &&
	test_grep "^arm64 qemu-system-aarch64 -cpu cortex-a57 -machine virt .*-m 512 .*-accel tcg -no-reboot$" rendered &&
	test_grep_not "enable-kvm" rendered &&
	test_grep_not "cpu host" rendered
'

test_expect_success 'the kernels: RUN_DIR=, else make check-series VARIANTS=control,incremental STEPS=apply,build ARCHS=x86_64' '
	if [ -n "${RUN_DIR:-}" ]; then
		run=$RUN_DIR
	else
		make -s -C "$PROJECT_DIR" check-series VARIANTS=control,incremental STEPS=apply,build ARCHS=x86_64 >cs.out 2>&1 ||
			{ tail -n 30 cs.out; return 1; }
		run=$RESULTS_ROOT/latest
	fi &&
	# Which kernel is where in the run: lava-jobs.sh knows (next test).
	test -d "$run" && echo "$run" >"$LAB/run"
'

test_expect_success 'make lava ARTIFACT_URL=http://127.0.0.1:PORT/: the jobs, their kernels and initrd served over http' '
	aport=$(free_port) && url=http://127.0.0.1:$aport/ &&
	RUN_DIR=$(cat "$LAB/run") VARIANTS=control,incremental ARCHS=x86_64 ARTIFACT_URL=$url \
		bash "$PROJECT_DIR/scripts/lava-jobs.sh" "$SCRATCH/jobs" &&
	test "$(grep -c "	lava " "$SCRATCH/jobs/jobs.tsv")" = 4 &&
	grep -ho "url: .http://[^'"'"']*" "$SCRATCH/jobs"/*.yaml | sed "s|^url: .$url||" | sort -u >artifacts &&
	test "$(wc -l <artifacts)" = 3 &&
	while read -r rel; do
		test -f "$CACHE_DIR/$rel" && mkdir -p "$LAB/artifacts/$(dirname "$rel")" &&
		ln -s "$CACHE_DIR/$rel" "$LAB/artifacts/$rel" || return 1
	done <artifacts &&
	start artifacts /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$LAB/artifacts" "$aport" &&
	while read -r rel; do
		wait_until 20 curl -sfI "$url$rel" || return 1
	done <artifacts
'

test_expect_success 'lava-submit.sh on the lab: control FAIL, incremental PASS; every job Complete, LAVA'"'"'s own case agreeing' '
	LAVA_URL=http://127.0.0.1:$(cat "$LAB/http.port") LAVA_USER=lab-admin LAVA_TOKEN=$(cat "$LAB/api.token") LAVA_POLL=2 \
		bash "$SUBMIT" "$SCRATCH/jobs" >out 2>err ||
		{ cat out err; return 1; }
	cat out &&
	for row in "control memfd_fuse FAIL FAIL fail general-protection-fault fuse_evict_inode" \
		   "control fuse_evict FAIL FAIL fail general-protection-fault fuse_evict_inode" \
		   "incremental memfd_fuse PASS PASS pass -" \
		   "incremental fuse_evict PASS PASS pass -"; do
		set -- $row &&
		test_grep "^$1 +x86_64 +$2 +$3 +$4 +[0-9]+ +Complete, case $5 +$6${7:+ $7}$" out || return 1
	done &&
	test_grep "^lava-submit: 4 as expected, 0 not as expected, 0 errors" out &&
	test_grep "virtiofs_submount" out &&
	# LAVA itself, asked apart from the script: each job Finished, Complete,
	# and its fuse case what the oracle said.
	awk "\$1 ~ /^(control|incremental)$/ { print \$6, \$3, tolower(\$5) }" out >ids &&
	test "$(wc -l <ids)" = 4 &&
	while read -r id t want; do
		lab_cli jobs show "$id" --json >show &&
		test "$(jq -r .state show) $(jq -r .health show)" = "Finished Complete" &&
		lab_cli results "$id" fuse "$t" >case &&
		test "$(cat case)" = "$want" || { cat show case; return 1; }
	done <ids &&
	! grep -rqF "$(cat "$LAB/api.token")" out err "$SCRATCH/jobs/lab"
'

test_expect_success 'a wrong expectation is a mismatch, exit 1 (through a lavacli identity)' '
	mkdir -p jobs-mismatch &&
	j=incremental-x86_64-fuse_evict.yaml &&
	sed "s/^  expected: .PASS.$/  expected: '"'"'FAIL'"'"'/" "$SCRATCH/jobs/$j" >jobs-mismatch/$j &&
	test_grep "expected: .FAIL." jobs-mismatch/$j &&
	grep -e "^#" -e "^$j	" "$SCRATCH/jobs/jobs.tsv" >jobs-mismatch/jobs.tsv &&
	rc=0 && XDG_CONFIG_HOME=$LAB/xdg LAVA_IDENTITY=lab LAVA_POLL=2 bash "$SUBMIT" jobs-mismatch >out 2>err || rc=$? &&
	cat out && test "$rc" = 1 &&
	test_grep "^MISMATCH: incremental x86_64 fuse_evict: expected FAIL, got PASS" out &&
	test_grep "^lava-submit: 0 as expected, 1 not as expected, 0 errors" out
'

test_expect_success 'a job the lab cannot run (its kernel is not there: 404) is an ERROR, exit 5, never a verdict' '
	mkdir -p jobs-broken &&
	j=control-x86_64-fuse_evict.yaml &&
	sed "s|\(url: .http://127.0.0.1:[0-9]*/\)kernels/[^'"'"']*|\1no-such-kernel|" "$SCRATCH/jobs/$j" >jobs-broken/$j &&
	test_grep "no-such-kernel" jobs-broken/$j &&
	grep -e "^#" -e "^$j	" "$SCRATCH/jobs/jobs.tsv" >jobs-broken/jobs.tsv &&
	rc=0 && LAVA_URL=http://127.0.0.1:$(cat "$LAB/http.port")/RPC2 LAVA_USER=lab-admin LAVA_TOKEN=$(cat "$LAB/api.token") LAVA_POLL=2 \
		bash "$SUBMIT" jobs-broken >out 2>err || rc=$? &&
	cat out && test "$rc" = 5 &&
	test_grep "^control +x86_64 +fuse_evict +FAIL +ERROR +[0-9]+ +Incomplete, case none +Incomplete: .*Resource unavailable at .http://127.0.0.1:[0-9]+/no-such-kernel. \(404\)" out &&
	test_grep "^lava-submit: 0 as expected, 0 not as expected, 1 errors" out
'

test_expect_success 'a wrong token, a lab that does not answer: one clear line, nothing submitted' '
	before=$(lab_cli jobs list | grep -c "^\*") &&
	rc=0 && LAVA_URL=http://127.0.0.1:$(cat "$LAB/http.port") LAVA_USER=lab-admin LAVA_TOKEN=wrong-token \
		bash "$SUBMIT" "$SCRATCH/jobs" >out 2>err || rc=$? &&
	cat out err && test "$rc" = 2 && test "$(wc -l <err)" = 1 &&
	test_grep "^lava-submit: error: the lab \(http://127.0.0.1:[0-9]+\) refused this user and token \(401 Unauthorized\)" err &&
	test "$(lab_cli jobs list | grep -c "^\*")" = "$before" &&
	rc=0 && LAVA_URL=http://127.0.0.1:$(free_port) LAVA_USER=lab-admin LAVA_TOKEN=x \
		bash "$SUBMIT" "$SCRATCH/jobs" >out 2>err || rc=$? &&
	test "$rc" = 5 && test "$(wc -l <err)" = 1 && test_grep "does not answer" err
'

test_expect_success 'teardown: every service stopped, the database dropped, nothing left running or behind' '
	port=$(cat "$LAB/http.port") && ids=$(cat "$LAB"/*.pid) &&
	lab_teardown &&
	for pid in $ids; do
		test_must_fail kill -0 -- "-$pid" || return 1
	done &&
	test_must_fail curl -sf "http://127.0.0.1:$port/api/v0.2/system/version/" &&
	test ! -e "$LAB/pg" &&
	{ ps -eo args | grep -F "$LAB" | grep -v grep || true; } >left && test_cmp /dev/null left &&
	while read -r id _; do test ! -e "/var/lib/lava/dispatcher/tmp/$id" || return 1; done <ids &&
	{ find /etc/lava-server -type f -print0 | sort -z | xargs -0 sha256sum; } >etc-after &&
	test_cmp "$LAB/etc-before" etc-after
'

echo "# t-lab: the lab test took $((SECONDS - t_start)) s"
test_done
