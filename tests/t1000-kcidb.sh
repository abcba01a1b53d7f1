#!/bin/bash
# scripts/kcidb.sh: a check-series run directory as KCIDB v5.3 (checkouts,
# builds, tests), checked against the v5.3 rules it relies on by our own
# checker (tests/data/kcidb/kcidb-v5.3-rules.jq, written from KCIDB's
# published definition), each rule seen failing on a broken file; the
# KCIDB_REST submission as kci-dev sends it, with curl replaced by a
# recorder (nothing is sent), and DRY_RUN=1.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

KCIDB=$PROJECT_DIR/scripts/kcidb.sh
RULES=$TEST_DATA/kcidb/kcidb-v5.3-rules.jq
FIXTURE=$TEST_DATA/kcidb/run-20231109-143700
# The variants file of the run the fixture was made from: the expectations
# (and MISS for a test it names but the run never reported) are that run's.
VARIANTS_FILE=$TEST_DATA/kcidb/run-20231109-143700.variants
export KCIDB RULES FIXTURE VARIANTS_FILE
unset KCIDB_ORIGIN KCIDB_REST KCIDB_MESSAGE_ID RESULTS_URL DRY_RUN

# The fixture run in $SCRATCH/run-..., its target a small git tree with the
# base refs prepare-target.sh makes (v4, v4-reverted).
test_expect_success 'setup: the fixture run and its target tree' '
	git init -q target &&
	git -C target -c user.name=t -c user.email=t@e commit -q --allow-empty -m "6.1 with v4" &&
	git -C target tag check-series/base/v4 &&
	git -C target -c user.name=t -c user.email=t@e commit -q --allow-empty -m "v4 reverted" &&
	git -C target tag check-series/base/v4-reverted &&
	cp -rL "$FIXTURE" run-20231109-143700 &&
	jq --arg d "$SCRATCH/target" ".target.dir = \$d" "$FIXTURE/summary.json" >run-20231109-143700/summary.json &&
	cp -r run-20231109-143700 pristine
'

test_expect_success 'kcidb.sh writes kcidb.json: version 5.3, one checkout per variant, a build per variant and arch' '
	bash "$KCIDB" run-20231109-143700 2>err &&
	test_grep "2 checkouts, 4 builds, 20 tests" err &&
	J=run-20231109-143700/kcidb.json &&
	jq -e ".version == {major: 5, minor: 3}" $J &&
	test "$(jq -r "[.checkouts[].misc.variant] | join(\" \")" $J)" = "control incremental" &&
	test "$(jq -r "[.builds[] | .id] | join(\" \")" $J)" = "local:run-20231109-143700/control/x86_64 local:run-20231109-143700/control/arm64 local:run-20231109-143700/incremental/x86_64 local:run-20231109-143700/incremental/arm64"
'

test_expect_success 'the v5.3 rules: the written file breaks none' '
	jq -r -f "$RULES" run-20231109-143700/kcidb.json >errors &&
	test_cmp /dev/null errors
'

test_expect_success 'checkout: tree name, the base commit (local, named so), patchset as KCIDB hashes it' '
	J=run-20231109-143700/kcidb.json &&
	c() { jq -r ".checkouts[] | select(.misc.variant == \"$1\") | $2" $J; } &&
	test "$(c incremental .git_commit_hash)" = "$(git -C target rev-parse check-series/base/v4)" &&
	test "$(c control .git_commit_hash)" = "$(git -C target rev-parse check-series/base/v4)" &&
	test "$(c incremental .tree_name)" = debian-linux-source-6.1 &&
	c incremental .git_commit_name | grep -q "^local commit: v4 of the embedded 6.1 tree" &&
	test "$(c incremental .misc.local_commit)" = true &&
	P=$PROJECT_DIR/patches/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch &&
	test "$(c incremental .patchset_hash)" = "$(sha256sum "$P" | cut -c-64 | sha256sum | cut -c-64)" &&
	test "$(c incremental ".patchset_files[0].url")" = "file://$P" &&
	test "$(c control .patchset_hash)" = "" &&
	test "$(c control ".patchset_files | length")" = 0 &&
	test "$(c incremental .valid)" = true &&
	test "$(c incremental "has(\"message_id\")")" = false
'

test_expect_success 'builds: config name, compiler, per-arch duration from the build summary, status, log' '
	J=run-20231109-143700/kcidb.json &&
	b() { jq -r ".builds[] | select(.id == \"local:run-20231109-143700/$1\") | $2" $J; } &&
	test "$(b control/x86_64 .duration)" = 250.1 &&
	test "$(b control/arm64 .duration)" = 162.5 &&
	test "$(b incremental/arm64 .duration)" = 0 &&
	test "$(b incremental/arm64 .misc.kernel_reused)" = true &&
	test "$(b control/arm64 .architecture)" = arm64 &&
	b control/x86_64 .config_name | grep -q "^tinyconfig+kvm_guest.config+.*slub-debug.config$" &&
	b control/arm64 .config_name | grep -q "+arch-arm64.config$" &&
	b control/x86_64 .compiler | grep -q "^gcc" &&
	b control/arm64 .compiler | grep -q . &&
	test "$(b control/x86_64 .status)" = PASS &&
	b control/x86_64 .log_url | grep -q "/control/build-x86_64.make.log$" &&
	b control/x86_64 .start_time | grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"
'

test_expect_success 'guest tests: dotted path, oracle verdict, crash signature in misc, QEMU and arch named' '
	J=run-20231109-143700/kcidb.json &&
	t() { jq -r ".tests[] | select(.id == \"local:run-20231109-143700/$1\") | $2" $J; } &&
	test "$(t control/x86_64/memfd_fuse/1 .path)" = fuse.memfd_fuse &&
	test "$(t control/x86_64/memfd_fuse/1 .status)" = FAIL &&
	test "$(t control/x86_64/memfd_fuse/1 .misc.signature)" = general-protection-fault &&
	test "$(t control/x86_64/memfd_fuse/1 .misc.function)" = fuse_evict_inode &&
	test "$(t control/x86_64/memfd_fuse/1 .misc.expected)" = FAIL &&
	test "$(t control/arm64/fuse_evict/1 .misc.signature)" = paging-request &&
	t control/arm64/fuse_evict/1 .environment.comment | grep -q "^QEMU: .*qemu-system-aarch64 -M virt -cpu cortex-a57 -m 512, accel tcg; arch arm64" &&
	t control/x86_64/memfd_fuse/1 .environment.comment | grep -q "qemu-system-x86_64 -M q35 -m 512.*arch x86_64" &&
	t control/x86_64/memfd_fuse/1 .log_url | grep -q "/control/boot-x86_64-memfd_fuse-1.serial.log$" &&
	test "$(t incremental/x86_64/fuse_evict/1 .status)" = PASS &&
	test "$(t incremental/x86_64/fuse_evict/1 "has(\"log_excerpt\")")" = false &&
	test "$(jq "[.tests[] | select(.path | startswith(\"fuse.\"))] | length" $J)" = 12
'

test_expect_success 'static checks are tests of the static arch build; every verdict has its KCIDB status' '
	J=run-20231109-143700/kcidb.json &&
	s() { jq -r ".tests[] | select(.id == \"local:run-20231109-143700/$1\") | .status" $J; } &&
	test "$(s incremental/x86_64/checkpatch)" = PASS &&
	test "$(s incremental/x86_64/coccinelle)" = FAIL &&
	test "$(s incremental/x86_64/w1)" = ERROR &&
	test "$(s control/x86_64/sparse)" = SKIP &&
	test "$(jq "[.tests[] | select(.build_id | endswith(\"/arm64\")) | select(.path | startswith(\"fuse.\") | not)] | length" $J)" = 0
'

test_expect_success 'a test the variants file names that never reported is MISS; a bad line is ignored' '
	rm -rf r && cp -r pristine r &&
	grep -v "^x86_64 fuse_evict run" pristine/control/boot.log >r/control/boot.log &&
	printf "%s\n" "x86_64 \$(reboot) run 1/1: PASS - - (1 s) ok" "x86_64 a/b run 1/1: PASS - - (1 s)" >>r/control/boot.log &&
	bash "$KCIDB" r 2>err &&
	test "$(jq -r ".tests[] | select(.id == \"local:r/control/x86_64/fuse_evict/1\") | .status" r/kcidb.json)" = MISS &&
	test "$(jq "[.tests[] | select(.path | startswith(\"fuse.\"))] | length" r/kcidb.json)" = 12 &&
	jq -r -f "$RULES" r/kcidb.json >errors && test_cmp /dev/null errors
'

test_expect_success 'KCIDB_ORIGIN names every id; a bad origin is refused in one line and nothing is written' '
	rm -rf r && cp -r pristine r &&
	KCIDB_ORIGIN=my_lab bash "$KCIDB" r 2>err &&
	jq -e "[.checkouts[], .builds[], .tests[]] | all(.origin == \"my_lab\" and (.id | startswith(\"my_lab:\")))" r/kcidb.json &&
	jq -e "[.builds[].checkout_id, .tests[].build_id] | all(startswith(\"my_lab:\"))" r/kcidb.json &&
	rm r/kcidb.json &&
	test_must_fail env KCIDB_ORIGIN=My-Lab bash "$KCIDB" r 2>err &&
	test "$(wc -l <err)" = 1 && test_grep "KCIDB_ORIGIN=My-Lab: an origin is lower-case" err &&
	test ! -e r/kcidb.json
'

test_expect_success 'the Message-ID of a mailed patch (or KCIDB_MESSAGE_ID) becomes the checkout message_id' '
	rm -rf r p && cp -r pristine r && cp -r "$PROJECT_DIR/patches" p &&
	P=p/0001-fuse-ensure-submount_lookup-is-initialized-on-alloc.patch &&
	sed -i "2i Message-ID: <20231109223700.12345-1-kjlx@templeofstupid.com>" $P &&
	PATCHES_DIR=$PWD/p bash "$KCIDB" r 2>err &&
	test "$(jq -r ".checkouts[] | select(.misc.variant == \"incremental\") | .message_id" r/kcidb.json)" = 20231109223700.12345-1-kjlx@templeofstupid.com &&
	test "$(jq -r ".checkouts[] | select(.misc.variant == \"incremental\") | .patchset_hash" r/kcidb.json)" = "$(sha256sum $P | cut -c-64 | sha256sum | cut -c-64)" &&
	KCIDB_MESSAGE_ID="<cover@example.org>" bash "$KCIDB" r 2>err &&
	test "$(jq -r ".checkouts[0].message_id" r/kcidb.json)" = cover@example.org &&
	jq -r -f "$RULES" r/kcidb.json >errors && test_cmp /dev/null errors
'

test_expect_success 'a linux-next run names the tree linux-next and no local commit' '
	rm -rf r && cp -r pristine r &&
	jq ".target.kind = \"linux-next\" | .target.linux_tree = \"/nonexistent/linux-next\"" pristine/summary.json >r/summary.json &&
	bash "$KCIDB" r 2>err &&
	jq -e "all(.checkouts[]; .tree_name == \"linux-next\" and .misc.local_commit == false)" r/kcidb.json
'

test_expect_success 'bad input: one line each, non-zero, no kcidb.json' '
	test_must_fail bash "$KCIDB" 2>err && test_grep "usage: kcidb.sh" err &&
	test_must_fail bash "$KCIDB" nowhere 2>err && test "$(wc -l <err)" = 1 &&
	test_grep "nowhere: no such run directory" err &&
	mkdir empty && test_must_fail bash "$KCIDB" empty 2>err && test "$(wc -l <err)" = 1 &&
	test_grep "has no summary.json: not a finished check-series run" err && test ! -e empty/kcidb.json &&
	mkdir half && echo "{\"schema\": 1, \"results\": " >half/summary.json &&
	test_must_fail bash "$KCIDB" half 2>err && test "$(wc -l <err)" = 1 &&
	test_grep "is not a check-series summary" err && test ! -e half/kcidb.json
'

# Each rule of the checker, broken once: MUTATION (jq on a good file) and the
# rule it must report.
test_expect_success 'the checker: every rule fails on a file that breaks it' '
	G=run-20231109-143700/kcidb.json &&
	while IFS="|" read -r rule mutation; do
		jq "$mutation" "$G" >bad.json || return 1
		if jq -r -f "$RULES" bad.json >errors; then :; fi
		grep -q "^$rule: " errors || { echo "rule $rule not reported for: $mutation" >&2; cat errors >&2; return 1; }
	done <<-\EOF
	required|del(.version)
	required|del(.tests[0].build_id)
	required|del(.builds[0].checkout_id)
	required|del(.checkouts[0].origin)
	version|.version.major = 4
	version|.version.minor = 4
	unknown-property|.builds[0].arch = "x86_64"
	unknown-property|.tests[0].environment.qemu = "7.2"
	unknown-property|.extra = []
	id-pattern|.checkouts[0].id = "no-origin-here"
	id-pattern|.builds[0].checkout_id = "Local:x"
	id-origin|.tests[0].id = "other:x"
	origin-pattern|.builds[1].origin = "Local-CI"
	status|.tests[0].status = "XFAIL"
	status|.builds[0].status = "pass"
	path|.tests[4].path = "fuse/memfd_fuse"
	path|.tests[4].path = "fuse..memfd_fuse"
	path|.tests[4].path = ".fuse"
	rfc3339|.builds[0].start_time = "2023-11-09 14:37:00"
	rfc3339|.tests[0].start_time = "2023-13-09T14:37:00Z"
	rfc3339|.checkouts[0].start_time = "2023-11-09T14:37:00"
	commit-hash|.checkouts[0].git_commit_hash = "abc123"
	patchset-hash|.checkouts[1].patchset_hash = "xyz"
	message-id|.checkouts[0].message_id = "<a@b>"
	uri|.tests[4].log_url = "/work/main/results/x.log"
	uri|.checkouts[0].git_repository_url = "git://example.org/linux.git"
	resource-name|.checkouts[1].patchset_files[0].name = "patches/0001.patch"
	architecture|.builds[0].architecture = "x86-64"
	type|.tests[0].duration = "3.8"
	type|.checkouts[0].valid = "yes"
	log-excerpt|.tests[4].log_excerpt = ("x" * 16385)
	null|.tests[0].misc.signature = null
	duplicate-id|.tests[1].id = .tests[0].id
	dangling|.tests[0].build_id = "local:nowhere"
	dangling|.builds[0].checkout_id = "local:nowhere"
	EOF
'

test_expect_success 'submit DRY_RUN=1: prints the request kci-dev would send (token hidden), sends nothing' '
	mkdir bin && printf "#!/bin/sh\necho called >>\"%s/curl.calls\"\n" "$SCRATCH" >bin/curl && chmod +x bin/curl &&
	rm -rf r && cp -r pristine r &&
	PATH=$PWD/bin:$PATH DRY_RUN=1 KCIDB_REST=https://s3cr3t@kcidb.example.org bash "$KCIDB" --submit r >out 2>&1 &&
	test_grep "^POST https://kcidb.example.org/submit$" out &&
	test_grep "^Content-Type: application/json$" out &&
	test_grep "^Authorization: Bearer <token from KCIDB_REST, 6 characters>$" out &&
	test_grep "2 checkouts, 4 builds, 20 tests" out &&
	test_grep_not s3cr3t out &&
	test -f r/kcidb.json && test ! -e curl.calls &&
	DRY_RUN=1 KCIDB_REST=https://t@h.example:8443/api/submit bash "$KCIDB" --submit r >out 2>&1 &&
	test_grep "^POST https://h.example:8443/api/submit$" out
'

test_expect_success 'submit: curl POSTs the file with the Bearer token on stdin, not on its command line' '
	rm -rf bin && mkdir bin && cat >bin/curl <<-\EOF &&
	#!/bin/bash
	printf "%s\n" "$@" >"$SCRATCH/curl.args"
	cat >"$SCRATCH/curl.stdin"
	out=""; prev=""
	for a in "$@"; do [ "$prev" = -o ] && out=$a; prev=$a; done
	echo "{\"ok\": true}" >"$out"
	printf "%s" "${FAKE_HTTP_CODE:-200}"
	EOF
	chmod +x bin/curl &&
	PATH=$PWD/bin:$PATH KCIDB_REST=https://s3cr3t@kcidb.example.org/ bash "$KCIDB" --submit run-20231109-143700 >out 2>&1 &&
	test_grep "submitted .*kcidb.json to https://kcidb.example.org/submit" out &&
	test_grep "^Authorization: Bearer s3cr3t$" curl.stdin &&
	test_grep_not s3cr3t curl.args &&
	test_grep "^@$SCRATCH/run-20231109-143700/kcidb.json$" curl.args &&
	test_grep "^Content-Type: application/json$" curl.args &&
	test_grep "^https://kcidb.example.org/submit$" curl.args &&
	test_must_fail env PATH=$PWD/bin:$PATH FAKE_HTTP_CODE=401 KCIDB_REST=https://bad@kcidb.example.org bash "$KCIDB" --submit run-20231109-143700 >out 2>&1 &&
	test_grep "KCIDB refused the submission: HTTP 401" out &&
	test_must_fail env KCIDB_REST=https://kcidb.example.org/submit bash "$KCIDB" --submit run-20231109-143700 2>err &&
	test "$(wc -l <err)" = 1 && test_grep "the token goes before the @" err &&
	test_must_fail env -u KCIDB_REST bash "$KCIDB" --submit run-20231109-143700 2>err &&
	test_grep "KCIDB_REST is not set" err
'

test_expect_success 'a run with a variant the variants file does not name (and no apply step): still a kcidb.json' '
	rm -rf r && cp -r pristine r && mv r/incremental r/gone &&
	sed -i "s/^incremental /gone /" r/records.tsv &&
	rm -f r/gone/apply.log &&
	jq "(.results[] | select(.variant == \"incremental\") | .variant) |= \"gone\"" pristine/summary.json >r/summary.json &&
	bash "$KCIDB" r 2>err &&
	jq -e "[.checkouts[].misc.variant] | index(\"gone\")" r/kcidb.json
'

test_expect_success 'a real run, when there is one: its kcidb.json keeps the v5.3 rules' '
	latest=$PROJECT_DIR/results/latest &&
	if [ -f "$latest/summary.json" ]; then
		rm -rf real && cp -rL "$latest" real 2>/dev/null
		VARIANTS_FILE=$PROJECT_DIR/variants bash "$KCIDB" real 2>err &&
		jq -r -f "$RULES" real/kcidb.json >errors && test_cmp /dev/null errors
	else
		echo "no results/latest: nothing more to check"
	fi
'

test_expect_success 'kcidb.sh is shellcheck-clean' '
	shellcheck -x "$KCIDB"
'

test_done
