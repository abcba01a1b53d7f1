# shellcheck shell=bash
# lib/variants.sh: the variants file, read once per process (sourced by
# scripts/lib.sh).  Each variant is one line: name base patches same-as
# expect... (the file's own comment says what each column means).

_VARIANTS_READ=""
declare -gA _V_LINE=()
_V_NAMES=()

# _variants_read: parse VARIANTS_FILE into _V_NAMES and _V_LINE (again
# only if VARIANTS_FILE changed: tests point it elsewhere).
_variants_read() {
	[ "$_VARIANTS_READ" != "$VARIANTS_FILE" ] || return 0
	local name line
	_V_LINE=()
	_V_NAMES=()
	while read -r name line; do
		case $name in "" | \#*) continue ;; esac
		_V_NAMES+=("$name")
		_V_LINE[$name]="$name $line"
	done <"$VARIANTS_FILE"
	_VARIANTS_READ=$VARIANTS_FILE
}

# _variant_field NAME N: the Nth column of NAME's line.
_variant_field() {
	_variants_read
	local f
	read -r -a f <<<"${_V_LINE[$1]:-}"
	echo "${f[$2 - 1]:-}"
}

variant_names() {
	_variants_read
	printf '%s\n' "${_V_NAMES[@]}"
}

variant_exists() {
	_variants_read
	[ -n "${_V_LINE[$1]+x}" ]
}

variant_base() {
	_variant_field "$1" 2
}

# variant_patches NAME: the patch file names, one a line (none for "-").
variant_patches() {
	local p names
	p=$(_variant_field "$1" 3)
	[ "$p" = - ] || [ -z "$p" ] || {
		IFS=, read -r -a names <<<"$p"
		printf '%s\n' "${names[@]}"
	}
}

# variants_with_patch NAME: the variants whose patches include NAME, one a
# line, in the variants file's order.
variants_with_patch() {
	_variants_read
	local v f
	for v in "${_V_NAMES[@]}"; do
		read -r -a f <<<"${_V_LINE[$v]}"
		[ "${f[2]:--}" != - ] || continue
		case ",${f[2]}," in *",$1,"*) echo "$v" ;; esac
	done
}

# patch_paths FILE...: the paths the patch files touch (both sides of a
# rename), one a line, sorted.
patch_paths() {
	grep -h '^diff --git a/' "$@" | awk '{ print substr($3, 3); print substr($4, 3) }' | sort -u
}

# patch_sparse_patterns FILE...: patch_paths as sparse-checkout patterns
# (gitignore's syntax): each anchored at the top, special characters
# escaped.
patch_sparse_patterns() {
	patch_paths "$@" | sed 's/[][*?!#\\ ]/\\&/g; s|^|/|'
}

# patch_is_fault NAME: whether the variants file names a fault planted for
# a test-only variant (faults/FILE), not a patch of the series.
patch_is_fault() {
	[ "${1#faults/}" != "$1" ]
}

variant_same_as() {
	_variant_field "$1" 4
}

# variant_expect NAME: "TEST VERDICT" lines (VERDICT without its :CLASS).
variant_expect() {
	_variants_read
	local f kv want
	read -r -a f <<<"${_V_LINE[$1]:-}"
	for kv in "${f[@]:4}"; do
		want=${kv#*=}
		echo "${kv%%=*} ${want%%:*}"
	done
}

# variant_want NAME TEST: the verdict NAME expects of TEST (without its
# :CLASS), or nothing when NAME does not name TEST.
variant_want() {
	_variants_read
	local f kv want
	read -r -a f <<<"${_V_LINE[$1]:-}"
	for kv in "${f[@]:4}"; do
		[ "${kv%%=*}" = "$2" ] || continue
		want=${kv#*=}
		echo "${want%%:*}"
	done
}

# variant_expect_class NAME TEST: the class an expected FAIL must have
# (TEST=FAIL:CLASS, a class of the oracle's), or nothing when any will do.
variant_expect_class() {
	_variants_read
	local f kv
	read -r -a f <<<"${_V_LINE[$1]:-}"
	for kv in "${f[@]:4}"; do
		[ "${kv%%=*}" = "$2" ] || continue
		case $kv in *=*:*) echo "${kv##*:}" ;; esac
	done
}

# selected_variants: VARIANTS= (comma or space separated) or all, checked.
selected_variants() {
	local v list
	list=${VARIANTS:-$(variant_names | tr '\n' ' ')}
	for v in ${list//,/ }; do
		variant_exists "$v" ||
			die "unknown variant '$v' in VARIANTS=: known are $(variant_names | tr '\n' ' ')(see the variants file)"
		echo "$v"
	done
}

# variant_bases: the distinct bases named in the variants file.
variant_bases() {
	_variants_read
	local n
	for n in "${_V_NAMES[@]}"; do _variant_field "$n" 2; done | sort -u
}
