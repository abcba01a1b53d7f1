#!/bin/bash
# scripts/lava-submit.sh without a lab: the judgement of real lab job logs
# (tests/data/lava-lab, from make test-lab), bad input, the dry run, a lab
# that does not answer.  The submission itself is proven against a real
# LAVA lab by tests/lab/t-lab.sh (make test-lab), not here.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

SUBMIT=$PROJECT_DIR/scripts/lava-submit.sh
LAB_DATA=$TEST_DATA/lava-lab
export SUBMIT LAB_DATA
unset LAVA_URL LAVA_USER LAVA_TOKEN LAVA_IDENTITY LAVA_WAIT LAVA_POLL DRY_RUN OUT_DIR ARTIFACT_URL VARIANTS ARCHS RUN_DIR
export RESULTS_ROOT=$SCRATCH/results

test_expect_success 'shellcheck: lava-submit.sh and the lab test' '
	shellcheck -x "$SUBMIT" "$PROJECT_DIR/tests/lab/t-lab.sh"
'

test_expect_success 'real lab logs: the oracle on the console LAVA captured, LAVA'"'"'s case beside it' '
	bash "$SUBMIT" --judge "$LAB_DATA/control-x86_64-memfd_fuse.raw.yaml" memfd_fuse console.control >got &&
	printf "memfd_fuse\tFAIL\tgeneral-protection-fault\tfuse_evict_inode\tfail\tcomplete\n" >expect &&
	test_cmp expect got &&
	test_grep "^SeaBIOS|SeaBIOS \(version" console.control &&
	test_grep "^general protection fault" console.control &&
	test_grep "Kernel panic - not syncing" console.control &&
	bash "$SUBMIT" --judge "$LAB_DATA/incremental-x86_64-fuse_evict.raw.yaml" fuse_evict console.incremental >got &&
	printf "fuse_evict\tPASS\t-\t-\tpass\tcomplete\n" >expect &&
	test_cmp expect got &&
	test_grep "^ok 1 fuse_evict$" console.incremental && test_grep "^# guest-done$" console.incremental
'

test_expect_success 'a job LAVA failed (its kernel URL gave 404) is ERROR, whatever its console shows' '
	bash "$SUBMIT" --judge "$LAB_DATA/incomplete-404-x86_64-fuse_evict.raw.yaml" fuse_evict >got &&
	printf "fuse_evict\tERROR\tlava-incomplete\t-\tnone\tincomplete\n" >expect &&
	test_cmp expect got
'

test_expect_success 'setup: make lava'"'"'s jobs for control and incremental on x86_64 (stand-in kernels: nothing boots here)' '
	mkdir -p cache/kernels/c cache/kernels/i cache/guest/x86_64-k run/control run/incremental &&
	echo bzImage >cache/kernels/c/image && echo bzImage >cache/kernels/i/image &&
	echo initrd >cache/guest/x86_64-k/initrd.cpio &&
	echo "kernel_x86_64=$SCRATCH/cache/kernels/c/image" >run/control/facts &&
	echo "kernel_x86_64=$SCRATCH/cache/kernels/i/image" >run/incremental/facts &&
	echo "+ qemu-system-x86_64 -M q35 -initrd $SCRATCH/cache/guest/x86_64-k/initrd.cpio -append x" >run/control/boot.log &&
	CACHE_DIR=$SCRATCH/cache RUN_DIR=$SCRATCH/run VARIANTS=control,incremental ARCHS=x86_64 \
		ARTIFACT_URL=http://lab.invalid/artifacts bash "$PROJECT_DIR/scripts/lava-jobs.sh" jobs >/dev/null &&
	test "$(grep -c "	lava " jobs/jobs.tsv)" = 4
'

test_expect_success 'DRY_RUN=1: the lavacli command of each lab job; the token on no line' '
	DRY_RUN=1 LAVA_URL=http://lab.invalid LAVA_USER=me LAVA_TOKEN=s3cret-token-value bash "$SUBMIT" jobs >out 2>err &&
	test "$(grep -c "^+ lavacli -i lava-submit jobs submit jobs/.*-x86_64-.*\.yaml$" out)" = 4 &&
	test_grep "^lava-submit: 4 job\(s\) of jobs for http://lab.invalid \(dry run: nothing submitted\)$" out &&
	test_grep_not "virtiofs" out &&
	! grep -q s3cret-token-value out err &&
	DRY_RUN=1 LAVA_IDENTITY=mylab bash "$SUBMIT" jobs >out &&
	test_grep "^\+ lavacli -i mylab jobs submit " out
'

test_expect_success 'bad input: one clear line, exit 2' '
	# Each case: environment | arguments | what the line says.
	while IFS="|" read -r envs args want; do
		rc=0 && { env $envs bash "$SUBMIT" $args >out 2>err || rc=$?; }
		test "$rc" = 2 && test "$(wc -l <err)" = 1 && test_grep "$want" err ||
			{ echo "case: $envs | $args (exit $rc)"; cat err; return 1; }
	done <<-EOF
	RESULTS_ROOT=$SCRATCH/none||no such job directory
	X=1|jobs more|usage
	X=1|--bogus|usage
	X=1|/etc|/etc/jobs.tsv: no job list
	X=1|jobs|which lab
	LAVA_URL=http://lab.invalid|jobs|needs LAVA_USER= and LAVA_TOKEN=
	LAVA_URL=http://me:tok@lab.invalid LAVA_USER=me LAVA_TOKEN=t|jobs|no user or token in it
	LAVA_URL=ftp://lab.invalid LAVA_USER=me LAVA_TOKEN=t|jobs|give http
	LAVA_IDENTITY=x LAVA_URL=http://lab.invalid|jobs|not both
	LAVA_IDENTITY=x LAVA_WAIT=soon|jobs|LAVA_WAIT=soon
	X=1|--judge /nonexistent memfd_fuse|/nonexistent: no such log
	X=1|--judge /etc/passwd memfd_fuse|not a LAVA job log
	EOF
'

test_expect_success 'a lab that does not answer: ERROR, exit 5, one line without the token' '
	port=$(/usr/bin/python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	rc=0 && { LAVA_URL=http://127.0.0.1:$port LAVA_USER=me LAVA_TOKEN=s3cret-token-value bash "$SUBMIT" jobs >out 2>err || rc=$?; } &&
	test "$rc" = 5 && test "$(wc -l <err)" = 1 &&
	test_grep "^lava-submit: ERROR: the lab \(http://127.0.0.1:$port\) does not answer: " err &&
	! grep -q s3cret-token-value out err
'

test_done
