# The index of verbs.  Each verb is one script under scripts/ that can also
# be run alone; `make help` lists them.  Variables pass through the
# environment: LINUX_TREE, VARIANTS, STEPS, ARCHS, KEEP_GOING, REPEAT, ...

SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps check-series test test-lab bench send am mutants fuzz lava kcidb-submit clean

help:
	@echo "make check-series   every variant through every step, proven in a VM (LINUX_TREE=, VARIANTS=, STEPS=, ARCHS=, KEEP_GOING=1, REPEAT=N, JOBS=N, PLAN=1)"
	@echo "make test           the project's own tests; ends with 'N passed, N failed'"
	@echo "make test-lab       a real LAVA lab on 127.0.0.1, set up and torn down: make lava's jobs submitted by scripts/lava-submit.sh (RUN_DIR=; minutes; not in make test)"
	@echo "make lava           LAVA job definitions for every variant x arch x test, from the cache's kernels, into results/lava (ARTIFACT_URL=)"
	@echo "make kcidb-submit   POST results/latest/kcidb.json to KCIDB_REST=https://TOKEN@HOST/submit (DRY_RUN=1 prints the request)"
	@echo "make bench          the engine's goals: references alone, cold, warm, edits, boot scaling; into bench/results.md (hours; BENCH_QUICK=1)"
	@echo "make send           b4 dry run: the exact messages of the series (REFLECT=1, SEND=1 to mail)"
	@echo "make am VARIANT=    apply the mailed series as a maintainer would (git am and b4 am)"
	@echo "make mutants        plant faults one at a time in a scratch copy, run the tests that must notice (ONLY=, KEEP=1)"
	@echo "make fuzz           libFuzzer on every oracle/ and vhost-user-fs/ harness, FUZZ_SECONDS=600 in total; a finding is saved under tests/data/fuzz/ and named"
	@echo "make deps           install the Debian packages this needs (as root)"
	@echo "make clean          remove .cache/ and results/"

deps:
	@bash scripts/deps.sh

check-series: deps
	@bash scripts/check-series.sh

# The tests start a real SMTP server (python3-aiosmtpd) and run LAVA's own
# dispatcher: their packages come with the test verb.
test: deps
	@bash scripts/deps.sh mail-test lava
	@bash tests/run

# Not part of make test: it installs lava-server and runs a whole lab.
test-lab: deps
	@bash scripts/deps.sh lava lab
	@bash tests/lab/t-lab.sh

bench: deps
	@bash scripts/bench.sh

send: deps
	@bash scripts/send.sh

am: deps
	@bash scripts/am.sh

mutants: deps
	@bash scripts/mutants.sh

fuzz: deps
	@bash scripts/deps.sh fuzz
	@bash scripts/fuzz.sh

lava: deps
	@bash scripts/deps.sh lava
	@bash scripts/lava-jobs.sh

kcidb-submit: deps
	@bash scripts/kcidb.sh --submit "$${RUN_DIR:-results/latest}"

clean:
	rm -rf .cache results
