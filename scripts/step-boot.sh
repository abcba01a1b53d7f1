#!/bin/bash
# step-boot.sh VARIANT: the VM proof.  For each selected arch, boot the
# variant's SLUB_DEBUG kernel once per guest test named in the variants
# file (REPEAT=N times each), judge every serial log with the oracle, and
# compare with the expectation there.  A control that does not fail is a
# failure: the proof would have proved nothing.
#
# Exit: 0 every test passed as expected; 2 (XFAIL) every verdict matched
# and some were expected failures; 1 a verdict differed from its
# expectation; 5 (ERROR) a boot could not be judged: QEMU or the backend
# did not start, or the oracle gave no verdict (never a kernel verdict).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

v=${2:-${1:-}}
repeat=${REPEAT:-1}
[[ $repeat =~ ^[1-9][0-9]*$ ]] || die "REPEAT=$repeat: give a whole number of runs, 1 or more"
list=$(selected_arches) || exit 1
mapfile -t arches <<<"$list"
mapfile -t expect < <(variant_expect "$v")
# BACKEND=lava boots through LAVA's own dispatcher (scripts/boot-lava.sh);
# virtio-fs tests keep the local backend there (it says so in the log).
case ${BACKEND:-local} in
local) boot_script=boot.sh ;;
lava) boot_script=boot-lava.sh ;;
*) die "BACKEND=$BACKEND: give local or lava" ;;
esac
fact() { sed -n "s/^$1=//p" "$FACTS" | tail -n 1; }

oracle_bin() {
	make -s -C "$PROJECT_DIR/oracle" O="$CACHE_DIR/tools/oracle" >&2
	echo "$CACHE_DIR/tools/oracle/oracle"
}

if [ "${1:-}" = --key ]; then
	[ ${#expect[@]} -gt 0 ] || exit "$KEY_NA"
	k="$repeat ${expect[*]} ${BOOT_TIMEOUT:-120} $(hash_files "$PROJECT_DIR"/oracle/*.c "$PROJECT_DIR"/vhost-user-fs/*.[ch] "$PROJECT_DIR/scripts/boot.sh")"
	k="$k ${BACKEND:-local}"
	[ "${BACKEND:-local}" = local ] ||
		k="$k $(hash_files "$PROJECT_DIR/scripts/boot-lava.sh" "$PROJECT_DIR/scripts/lava-jobs.sh" "$PROJECT_DIR"/lava/*.in)"
	for a in "${arches[@]}"; do
		arch_load "$a"
		img=$(fact "kernel_$a")
		k="$k $a:$( [ -f "$img" ] && sha256sum "$img" | cut -c1-16) $(bash "$PROJECT_DIR/scripts/guest-image.sh" "$a" 2>/dev/null) $("$QEMU" --version 2>/dev/null | head -1)"
	done
	echo "$k"
	exit 0
fi

oracle=$(oracle_bin)
mismatch=()
fails=()
passes=()
errors=()
for a in "${arches[@]}"; do
	arch_load "$a"
	kernel=$(fact "kernel_$a")
	[ -f "$kernel" ] || { echo "$a: no kernel: run the build step first (STEPS=build,boot)" >"$STEP_SUMMARY"; exit "$STEP_ERROR"; }
	initrd=$(bash "$PROJECT_DIR/scripts/guest-image.sh" "$a")
	for line in "${expect[@]}"; do
		read -r test want <<<"$line"
		nfail=0
		sig=""
		fp=""
		for r in $(seq "$repeat"); do
			log=$VARIANT_DIR/boot-$a-$test-$r.serial.log
			t0=$(date +%s%N)
			rc=0
			bash "$PROJECT_DIR/scripts/$boot_script" "$a" "$kernel" "$initrd" "$test" "$log" 2>"$log.boot-stderr" || rc=$?
			if [ $rc != 0 ] && [ $rc != 124 ]; then
				errors+=("$a $test run $r: $(tail -n 1 "$log.boot-stderr" | sed "s/^boot: error: //")")
				echo "$a $test run $r/$repeat: ERROR ${errors[-1]}"
				continue
			fi
			args=()
			[ -f "$log.violations" ] && args=(--violations "$log.violations")
			# A time limit: the oracle reads hostile guest output.
			verdict=$(timeout 60 "$oracle" "${args[@]}" "$log" "$test" || true)
			got="" signature="" function="" detail="" fingerprint=""
			IFS=$'\t' read -r _ got signature function detail fingerprint <<<"$verdict"
			if [ -z "$got" ]; then
				errors+=("$a $test run $r: no verdict from the oracle on $log")
				echo "$a $test run $r/$repeat: ERROR ${errors[-1]}"
				continue
			fi
			if [ $rc = 124 ]; then
				got=FAIL signature=hang function=- detail="killed after ${BOOT_TIMEOUT:-120} s: $detail"
			fi
			echo "$a $test run $r/$repeat: $got ${signature:--} ${function:--} ($(elapsed_since "$t0") s) $detail"
			if [ "$got" = FAIL ]; then
				nfail=$((nfail + 1))
				[ -n "$sig" ] || sig="$signature $function"
				# The first crash's call-trace fingerprint: two runs'
				# crashes compare by it.
				[ -n "$fp" ] || [ "${fingerprint:--}" = - ] || fp=$fingerprint
			fi
		done
		[ -z "$fp" ] || [ -n "${fingerprint_all:-}" ] || fingerprint_all=$fp
		rate="$a $test $( [ "$want" = FAIL ] && echo "failed $nfail/$repeat" || echo "passed $((repeat - nfail))/$repeat")"
		echo "expected $want, $rate${sig:+ ($sig)}"
		if [ "$want" = FAIL ] && [ $nfail = "$repeat" ]; then
			fails+=("$rate: $sig")
		elif [ "$want" = PASS ] && [ $nfail = 0 ]; then
			passes+=("$rate")
		elif [ "$want" = FAIL ]; then
			mismatch+=("$rate, expected FAIL: the proof proved nothing")
		else
			mismatch+=("$a $test failed $nfail/$repeat, expected PASS: $sig")
		fi
	done
done

if [ ${#errors[@]} -gt 0 ]; then
	(IFS=';'; echo "${#errors[@]} boot(s) could not be judged: ${errors[*]}") >"$STEP_SUMMARY"
	exit "$STEP_ERROR"
fi
[ -z "${fingerprint_all:-}" ] || echo "boot_fingerprint=$fingerprint_all" >>"$FACTS"
if [ ${#mismatch[@]} -gt 0 ]; then
	echo "boot_signature=${mismatch[0]}" >>"$FACTS"
	(IFS=';'; echo "${mismatch[*]}") >"$STEP_SUMMARY"
	exit 1
fi
if [ ${#fails[@]} -gt 0 ]; then
	echo "boot_signature=${fails[0]#*: }" >>"$FACTS"
	(IFS=';'; echo "as expected: ${fails[*]}${passes[*]:+; ${passes[*]}}") >"$STEP_SUMMARY"
	exit 2
fi
(IFS=';'; echo "${passes[*]}") >"$STEP_SUMMARY"
