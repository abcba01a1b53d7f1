#!/bin/bash
# boot-lava.sh ARCH KERNEL INITRD TEST LOG: scripts/boot.sh through LAVA.
# The same arguments and outputs: one boot of the test kernel running one
# guest test, the serial console in LOG for the oracle; exit 0 the guest
# ended by itself, 124 it was stopped after BOOT_TIMEOUT seconds (HANG).
# The boot is a LAVA job (scripts/lava-jobs.sh --job) run by Debian's
# lava-dispatcher without a server:
#   lava-run --device qemu-ARCH.yaml --job-id N --output-dir DIR JOB.yaml
# LOG is the console LAVA saw (its "target" log lines); beside it:
#   LOG.lava          LAVA's own verdict: "TEST pass|fail" from the job's
#                     monitor (no line: LAVA recorded no case), then
#                     "job complete|incomplete"
#   LOG.lava-job.yaml the job, LOG.lava.log lava-run's whole log (one JSON
#                     mapping a line)
# Tests named virtiofs_* keep the local backend (scripts/boot.sh): they
# need our vhost-user-fs backend beside QEMU, and LAVA cannot see the
# protocol violations it logs.
#
#   LAVA_VARIANT=  the variant, for the job's metadata (default: the name
#                  of LOG's directory, as step-boot.sh lays results out)
#   DRY_RUN=1      print the lava-run command and the job, and exit
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=lib/lava.sh
. "$PROJECT_DIR/scripts/lib/lava.sh"

[ $# = 5 ] || die "usage: boot-lava.sh ARCH KERNEL INITRD TEST LOG"
arch_load "$1"
kernel=$2 initrd=$3 test=$4 log=$5
timeout_s=${BOOT_TIMEOUT:-120}
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "BOOT_TIMEOUT=$timeout_s: give whole seconds"

case $test in
virtiofs_*)
	note "$test: local backend (scripts/boot.sh): LAVA cannot run our vhost-user-fs backend beside QEMU nor see its violations"
	exec bash "$PROJECT_DIR/scripts/boot.sh" "$@"
	;;
esac

variant=${LAVA_VARIANT:-$(basename "$(dirname "$(realpath -m "$log")")")}
work=$(mktemp -d "${TMPDIR:-/tmp}/boot-lava.XXXXXX")
trap 'rm -rf "$work"' EXIT
ARCHS=$ARCH_NAME bash "$PROJECT_DIR/scripts/lava-jobs.sh" --devices "$work" >/dev/null
bash "$PROJECT_DIR/scripts/lava-jobs.sh" --job "$ARCH_NAME" "$kernel" "$initrd" "$test" "$variant" "$work/job.yaml"
# LAVA names its scratch directory after the job id: concurrent jobs need
# distinct ids.  Our pid is unique among the live ones.
job_id=$$
cmd=(lava-run --device "$work/qemu-$ARCH_NAME.yaml" --job-id "$job_id" --output-dir "$work/out" "$work/job.yaml")
if [ "${DRY_RUN:-0}" = 1 ]; then
	echo "+ ${cmd[*]}" >&2
	sed 's/^/  | /' "$work/job.yaml" >&2
	exit 0
fi
require_tool lava-run lava-dispatcher
[ -f "$kernel" ] || die "$kernel: no such kernel"
[ -f "$initrd" ] || die "$initrd: no such initrd"
echo "+ ${cmd[*]}" >&2
cp "$work/job.yaml" "$log.lava-job.yaml"
rc=0
# LAVA's own timeouts end a hung guest; this one ends a hung LAVA.
timeout -k 10 $((3 * timeout_s + 180)) "${cmd[@]}" >/dev/null 2>"$log.lava.log" </dev/null || rc=$?

# Out: the console in LOG; LAVA's verdicts in LOG.lava: the monitor's case
# for the test, "timeout" when the monitor timed out, the job's result; the
# QEMU command LAVA ran on stderr, for the step log.
if lava=$(lava_log lines "$log.lava.log" "$test" "$log"); then
	sed -n 's/^boot /+ /p' <<<"$lava" >&2
	TEST=$test awk '
		$1 == "case" { print ENVIRON["TEST"] " " substr($0, 6) }
		$0 == "timeout" { timeout = 1 }
		$1 == "job" { job = $2 }
		END {
			if (timeout) print "timeout"
			if (job != "") print "job " job
		}' <<<"$lava" >"$log.lava"
else
	note "could not read lava-run's log $log.lava.log"
fi

if [ $rc = 124 ] || [ $rc = 137 ] || grep -qx timeout "$log.lava"; then
	exit 124
fi
if ! grep -q '^job ' "$log.lava"; then
	note "lava-run ended (exit $rc) without a job result: see $log.lava.log"
fi
exit 0
