#!/bin/bash
# Every external command the project runs, and the ones its tools run (a
# list by hand, tests/data/commands), comes from a Debian package that
# the table in scripts/deps.sh names or that one of those brings as a dependency: a fresh
# machine gets it from scripts/deps.sh, not from whoever set this one up.
# shellcheck disable=SC2016 # test bodies are expanded later, inside the test
# shellcheck source=harness.sh
. "$(dirname "$0")/harness.sh"

DEPS=$PROJECT_DIR/scripts/deps.sh
COMMANDS=$TEST_DATA/commands
export DEPS COMMANDS

mkdir -p "$SCRATCH/bin"
# closure PACKAGE...: the packages and everything they depend on, installed.
cat >"$SCRATCH/bin/closure" <<'EOF2'
# One dpkg-query for every installed package, then a walk in awk: the
# packages, their Depends and Pre-Depends (every alternative), and for a
# virtual package whoever provides it.
dpkg-query -W -f='${Package}\t${Depends}, ${Pre-Depends}\t${Provides}\n' 2>/dev/null |
	sed -e 's/([^)]*)//g' -e 's/:any//g' |
	awk -F'\t' -v roots="$*" '
	{
		deps[$1] = $2
		n = split($3, pv, /[ ,]+/)
		for (i = 1; i <= n; i++) if (pv[i] != "") prov[pv[i]] = prov[pv[i]] " " $1
	}
	END {
		nq = split(roots, q, " ")
		while (nq > 0) {
			p = q[nq--]
			sub(/:.*/, "", p)
			if (p == "" || (p in seen)) continue
			seen[p] = 1
			m = split(deps[p] "," prov[p], d, /[,| ]+/)
			for (i = 1; i <= m; i++) if (d[i] != "" && !(d[i] in seen)) q[++nq] = d[i]
		}
		for (p in seen) print p
	}' | sort
EOF2
export CLOSURE="bash $SCRATCH/bin/closure"

test_expect_success 'deps.sh --list: one package a line, every feature and arch' '
	bash "$DEPS" --list >list &&
	test "$(wc -l <list)" -ge 40 &&
	test_grep_not "[[:space:]]" list &&
	for p in make gcc git perl gawk coccinelle ocaml qemu-system-x86 qemu-system-arm gcc-aarch64-linux-gnu; do
		grep -qx "$p" list || { echo "$p not in deps.sh --list" >&2; return 1; }
	done &&
	test "$(sort list | uniq -d)" = ""
'
test_expect_success 'deps.sh: an unknown feature or option is one clear line, exit non-zero' '
	test_must_fail bash "$DEPS" no-such-feature 2>err && test "$(wc -l <err)" = 1 &&
	test_grep "unknown feature .no-such-feature." err &&
	test_must_fail bash "$DEPS" --bogus 2>err && test "$(wc -l <err)" = 1
'
test_expect_success 'nothing of base and the arches is missing after make deps' '
	bash "$DEPS" --missing >missing && test_cmp /dev/null missing
'
test_expect_success 'a package dpkg does not have is missing, among installed ones (one dpkg-query for all)' '
	mkdir -p p/scripts && cp -r "$PROJECT_DIR/scripts/." p/scripts/ && cp -r "$PROJECT_DIR/arches" p/ &&
	sed -i "s/^jq                base /no-such-package-t0050 base  (test)\n&/" p/scripts/deps.sh &&
	grep -q "^no-such-package-t0050" p/scripts/deps.sh &&
	bash p/scripts/deps.sh --missing >missing && echo no-such-package-t0050 >want && test_cmp want missing
'
test_expect_success 'every command the project runs comes from a named package' '
	bash "$DEPS" --list >list &&
	$CLOSURE $(cat list) >closure &&
	{
		awk -f "$TESTS_DIR/lib/command-words.awk" "$PROJECT_DIR"/scripts/*.sh "$PROJECT_DIR"/tests/*.sh "$PROJECT_DIR"/tests/lab/*.sh \
			"$PROJECT_DIR"/tests/run "$PROJECT_DIR/.ci/run" &&
		sed -n "s/^[[:space:]]*@\{0,1\}\([a-z][a-z0-9_.+-]*\) .*/\1/p" "$PROJECT_DIR/Makefile" &&
		awk "\$1 == \"run\" && \$3 == \"base\" { print \$2 }" "$COMMANDS" &&
		for c in "$PROJECT_DIR"/arches/*.conf; do
			(. "$c" && echo "$QEMU" && echo "${CROSS_COMPILE:-}gcc") || return 1
		done
	} | sort -u >words &&
	awk "\$1 == \"notrun\" { print \$2 }" "$COMMANDS" | sort -u >notrun &&
	comm -23 words notrun >candidates &&
	: >paths &&
	while read -r w; do
		case $(type -t "$w" 2>/dev/null) in builtin | keyword) continue ;; esac
		case $w in
		/*) path=$w ;;
		*) path=$(type -P "$w") || continue ;;
		esac
		real=$(readlink -f "$path") &&
		printf "%s %s %s\n" "$w" "$path" "$real" >>paths || return 1
	done <candidates &&
	# One dpkg -S for every path, as it is and without /usr (usrmerge:
	# dpkg may know /bin/sed for /usr/bin/sed).
	awk "{ print \$3; print \$2; r = \$3; sub(/^\/usr/, \"\", r); print r }" paths | sort -u >ask &&
	{ xargs dpkg -S <ask 2>/dev/null || true; } | sed "s|^\([^:, ]*\)[^/]*: /|\1 /|" >owners &&
	: >unmapped &&
	while read -r w path real; do
		r2=${real#/usr}
		pkg=$(awk -v a="$real" -v b="$path" -v c="$r2" "\$2 == a || \$2 == b || \$2 == c { print \$1; exit }" owners)
		if [ -z "$pkg" ]; then
			echo "$w ($path) is not from a Debian package: the project must run the Debian one" >>unmapped
		elif ! grep -qx "$pkg" closure; then
			echo "$w ($path) is from $pkg, which the table in scripts/deps.sh does not name or bring" >>unmapped
		else
			echo "$w: $pkg"
		fi
	done <paths &&
	test_cmp /dev/null unmapped
'
test_expect_success 'the commands run by our tools (by hand) are installed' '
	awk "\$1 == \"run\" && \$3 == \"base\" { print \$2 }" "$COMMANDS" >run &&
	while read -r c; do
		case $c in /*) test -x "$c" ;; *) type -P "$c" >/dev/null ;; esac ||
			{ echo "$c is not installed: scripts/deps.sh must install its package" >&2; return 1; }
	done <run
'
test_expect_success 'the check fails on a command from a package nobody named' '
	bash "$DEPS" --list | grep -vx ocaml >list &&
	$CLOSURE $(cat list) >closure &&
	dpkg -S "$(readlink -f "$(type -P ocamlopt)")" >owner && test_grep "^ocaml: " owner &&
	test_grep "^gcc$" closure && test_grep_not "^ocaml$" closure
'
test_expect_success 'python3: our scripts run Debian s, never the first one on PATH' '
	awk -f "$TESTS_DIR/lib/command-words.awk" "$PROJECT_DIR"/scripts/*.sh "$PROJECT_DIR"/tests/*.sh "$PROJECT_DIR"/tests/lab/*.sh >words &&
	test_grep_not "^python3$" words
'
test_done
