#!/bin/bash
# step-boot.sh VARIANT ARCH TEST RUN [KERNEL]: the VM proof, one boot.
# Boot the variant's SLUB_DEBUG kernel for ARCH (KERNEL, which the plan
# names; default: found by content, the plan's tree and lib.sh
# kernel_path) with the guest initrd, run guest test TEST, judge the
# serial log with the oracle and compare with the variants file's
# expectation.  check-series runs one such job per arch x test x run
# (REPEAT=N runs), side by side, then folds them:
#
# step-boot.sh --fold VARIANT: the boot step's verdict for VARIANT from the
# records of its boots ($RUN_DIR/VARIANT/boot/ARCH-TEST-RUN/).  A control
# that does not fail is a failure: the proof would have proved nothing.
#
# Exit (one boot and the fold alike): 0 every test passed as expected;
# 2 (XFAIL) every verdict matched and some were expected failures; 1 a
# verdict differed from its expectation; 5 (ERROR) a boot could not be
# judged: QEMU or the backend did not start, or the oracle gave no verdict
# (never a kernel verdict).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

usage="usage: step-boot.sh [--key] VARIANT ARCH TEST RUN [KERNEL] | --fold VARIANT"
# BACKEND=lava boots through LAVA's own dispatcher (scripts/boot-lava.sh);
# virtio-fs tests keep the local backend there (it says so in the log).
case ${BACKEND:-local} in
local) boot_script=boot.sh ;;
lava) boot_script=boot-lava.sh ;;
*) die "BACKEND=$BACKEND: give local or lava" ;;
esac

# other_class CLASS SIGNATURE: whether a FAIL whose oracle signature is
# SIGNATURE ("CLASS FUNCTION" or just the class) is of another class than
# the CLASS the variants file asks (TEST=FAIL:CLASS): a failure of another
# class proves nothing.  No CLASS asked: any FAIL will do.
other_class() {
	[ -n "$1" ] && [ "${2%% *}" != "$1" ]
}

# fact_of FILE KEY: _fact, KEY's last value in the facts FILE (read by the
# shell: the fold reads a few for every boot of the variant).
fact_of() {
	local l
	_fact=""
	[ -f "$1" ] || return 0
	while IFS= read -r l || [ -n "$l" ]; do
		[[ $l != "$2="* ]] || _fact=${l#"$2="}
	done <"$1"
}

# ---- the fold ------------------------------------------------------------------
if [ "${1:-}" = --fold ]; then
	v=${2:?$usage}
	[ -n "$(variant_expect "$v")" ] || exit "$KEY_NA"
	dir=$RUN_DIR/$v/boot
	mismatch=() fails=() passes=() errors=() skips=()
	tests=()
	while read -r test _; do tests+=("$test"); done < <(variant_expect "$v")
	mapfile -t arches < <(selected_arches)
	nrec=0 first_fp=""
	for a in "${arches[@]}"; do
		for test in "${tests[@]}"; do
			want=$(variant_want "$v" "$test")
			cls=$(variant_expect_class "$v" "$test")
			n=0 nfail=0 sig="" nother=0 osig=""
			# Runs in order: 1, 2, ... 10 (not 1, 10, 2): the records
			# ARCH-TEST-RUN by their run number.
			runs=()
			for rec in "$dir/$a-$test-"*; do
				r=${rec##*-}
				[[ $r =~ ^[1-9][0-9]*$ ]] || continue
				{ [ "$rec" = "$dir/$a-$test-$r" ] && [ -f "$rec/verdict" ]; } || continue
				runs[r]=$rec
			done
			logs=()
			for rec in ${runs[@]+"${runs[@]}"}; do
				nrec=$((nrec + 1))
				[ ! -f "$rec/log" ] || logs+=("$rec/log")
				IFS= read -r verdict <"$rec/verdict" || true
				case $verdict in
				ERROR | SKIP)
					summary_line=""
					[ ! -f "$rec/summary" ] || IFS= read -r summary_line <"$rec/summary" || true
					if [ "$verdict" = ERROR ]; then errors+=("$summary_line"); else skips+=("$summary_line"); fi
					continue
					;;
				esac
				n=$((n + 1))
				fact_of "$rec/facts" boot_got
				if [ "$_fact" = FAIL ]; then
					fact_of "$rec/facts" boot_signature
					s=$_fact
					if other_class "$cls" "$s"; then
						nother=$((nother + 1))
						[ -n "$osig" ] || osig=$s
						continue
					fi
					nfail=$((nfail + 1))
					[ -n "$sig" ] || sig=$s
					# The first crash's call-trace fingerprint (arch,
					# test and run order): two runs compare by it.
					[ -n "$first_fp" ] || { fact_of "$rec/facts" boot_fingerprint; first_fp=$_fact; }
				fi
			done
			[ ${#logs[@]} = 0 ] || cat "${logs[@]}"
			[ "$n" -gt 0 ] || continue
			if [ "$want" = FAIL ]; then rate="$a $test failed $nfail/$n"; else rate="$a $test passed $((n - nfail))/$n"; fi
			echo "expected $want${cls:+ of class $cls}, $rate${sig:+ ($sig)}${osig:+, $nother/$n failed otherwise ($osig)}"
			if [ "$nother" -gt 0 ]; then
				mismatch+=("$a $test failed $nother/$n as $osig, expected FAIL of class $cls: the proof proved nothing")
			elif [ "$want" = FAIL ] && [ "$nfail" = "$n" ]; then
				fails+=("$rate: $sig")
			elif [ "$want" = PASS ] && [ "$nfail" = 0 ]; then
				passes+=("$rate")
			elif [ "$want" = FAIL ]; then
				mismatch+=("$rate, expected FAIL: the proof proved nothing")
			else
				mismatch+=("$a $test failed $nfail/$n, expected PASS: $sig")
			fi
		done
	done
	[ "$nrec" -gt 0 ] || { echo "no boot was run (no records under $dir)" >"$STEP_SUMMARY"; exit "$STEP_ERROR"; }
	[ -z "$first_fp" ] || echo "boot_fingerprint=$first_fp" >>"$FACTS"
	if [ ${#errors[@]} -gt 0 ]; then
		(IFS=';'; echo "${#errors[@]} boot(s) could not be judged: ${errors[*]}") >"$STEP_SUMMARY"
		exit "$STEP_ERROR"
	fi
	if [ ${#mismatch[@]} -gt 0 ]; then
		echo "boot_signature=${mismatch[0]}" >>"$FACTS"
		(IFS=';'; echo "${mismatch[*]}") >"$STEP_SUMMARY"
		exit 1
	fi
	if [ ${#fails[@]} = 0 ] && [ ${#passes[@]} = 0 ]; then
		(IFS=';'; echo "${skips[*]}") >"$STEP_SUMMARY"
		exit "$STEP_SKIP"
	fi
	if [ ${#fails[@]} -gt 0 ]; then
		echo "boot_signature=${fails[0]#*: }" >>"$FACTS"
		(IFS=';'; echo "as expected: ${fails[*]}${passes[*]:+; ${passes[*]}}") >"$STEP_SUMMARY"
		exit 2
	fi
	(IFS=';'; echo "${passes[*]}") >"$STEP_SUMMARY"
	exit 0
fi

# ---- one boot ------------------------------------------------------------------
key_only=0
[ "${1:-}" != --key ] || { key_only=1; shift; }
[ $# = 4 ] || [ $# = 5 ] || die "$usage"
v=$1 a=$2 test=$3 r=$4 kernel=${5:-}
[[ $r =~ ^[1-9][0-9]*$ ]] || die "RUN=$r: give a run number, 1 or more"
want=$(variant_want "$v" "$test")
[ -n "$want" ] || { [ $key_only = 1 ] && exit "$KEY_NA"; die "variant $v does not name test $test in the variants file"; }
[ -n "$kernel" ] || kernel=$(kernel_path "$(plan_tree "$v")" "$a")
arch_load "$a"

# qemu_version: the first line of QEMU's --version.
qemu_version() {
	local out
	out=$("$QEMU" --version 2>/dev/null) || true
	echo "${out%%$'\n'*}"
}

if [ $key_only = 1 ]; then
	[ -f "$kernel" ] || { echo "no $a kernel at $kernel: its build job did not run" >&2; exit 1; }
	# The programs' directory is named by their sources and compiler.
	progs=${PROGRAMS_DIR:-$(bash "$PROJECT_DIR/scripts/programs.sh" host)}
	cls=$(variant_expect_class "$v" "$test")
	k="$want${cls:+:$cls} $test $r ${BOOT_TIMEOUT:-120} ${BACKEND:-local} ${progs##*/} $(hash_files "$PROJECT_DIR/scripts/boot.sh")"
	[ "${BACKEND:-local}" = local ] ||
		k="$k $(hash_files "$PROJECT_DIR/scripts/boot-lava.sh" "$PROJECT_DIR/scripts/lib/lava.sh" "$PROJECT_DIR/scripts/lava-jobs.sh" "$PROJECT_DIR"/lava/*.in)"
	echo "$k $a:$(sha256sum "$kernel" | cut -c1-16) $(bash "$PROJECT_DIR/scripts/guest-image.sh" --key "$a") $(qemu_version)"
	exit 0
fi

summary() { echo "$*" >"$STEP_SUMMARY"; }
what="$a $test run $r"
[ -f "$kernel" ] || { summary "$what: no kernel at $kernel: run the build step (STEPS=build,boot)"; exit "$STEP_ERROR"; }
initrd=$(bash "$PROJECT_DIR/scripts/guest-image.sh" "$a")
# Built once per run by check-series (PROGRAMS_DIR), else here.
oracle=${PROGRAMS_DIR:-$(bash "$PROJECT_DIR/scripts/programs.sh" host)}/oracle
log=$VARIANT_DIR/boot-$a-$test-$r.serial.log
t0=$(date +%s%N)
rc=0
LAVA_VARIANT=$v bash "$PROJECT_DIR/scripts/$boot_script" "$a" "$kernel" "$initrd" "$test" "$log" 2>"$log.boot-stderr" || rc=$?
cat "$log.boot-stderr"
if [ $rc != 0 ] && [ $rc != 124 ]; then
	summary "$what: $(tail -n 1 "$log.boot-stderr" | sed "s/^boot: error: //")"
	echo "$what: ERROR $(cat "$STEP_SUMMARY")"
	exit "$STEP_ERROR"
fi
args=()
[ -f "$log.violations" ] && args=(--violations "$log.violations")
# A time limit: the oracle reads hostile guest output.
verdict=$(timeout 60 "$oracle" "${args[@]}" "$log" "$test" || true)
got="" signature="" function="" detail="" fingerprint=""
IFS=$'\t' read -r _ got signature function detail fingerprint <<<"$verdict"
if [ -z "$got" ]; then
	summary "$what: no verdict from the oracle on $log"
	echo "$what: ERROR $(cat "$STEP_SUMMARY")"
	exit "$STEP_ERROR"
fi
if [ $rc = 124 ]; then
	got=FAIL signature=hang function=- detail="killed after ${BOOT_TIMEOUT:-120} s: $detail"
fi
# The line kcidb.sh reads back: ARCH TEST run R/N: GOT SIGNATURE FUNCTION (S s) DETAIL
echo "$what/${REPEAT:-1}: $got ${signature:--} ${function:--} ($(elapsed_since "$t0") s) $detail"
{
	echo "boot_got=$got"
	[ "$got" != FAIL ] || echo "boot_signature=${signature:--} ${function:--}"
	[ "$got" != FAIL ] || [ "${fingerprint:--}" = - ] || echo "boot_fingerprint=$fingerprint"
} >>"$FACTS"
# An expected FAIL of a named class (TEST=FAIL:CLASS in the variants file)
# proves nothing when the guest failed for another reason.
want_class=$(variant_expect_class "$v" "$test")
if [ "$got" = FAIL ] && [ "$want" = FAIL ] && other_class "$want_class" "${signature:--}"; then
	summary "$what: failed as ${signature:--} ${function:--}, expected FAIL of class $want_class: the proof proved nothing"
	exit 1
fi
if [ "$got" = "$want" ]; then
	if [ "$got" = FAIL ]; then
		summary "$what: FAIL as expected (${signature:--} ${function:--})"
	else
		summary "$what: PASS as expected"
	fi
	[ "$got" = FAIL ] && exit "$STEP_XFAIL"
	exit 0
fi
if [ "$want" = FAIL ]; then
	summary "$what: passed, expected FAIL: the proof proved nothing"
else
	summary "$what: failed, expected PASS: ${signature:--} ${function:--}"
fi
exit 1
