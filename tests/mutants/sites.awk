# Every place a mechanical fault can be planted in one source file, one a
# line: FILE US LINE US KIND US MUTATED-LINE US WHAT (US: \037).  POSIX awk
# (mawk and gawk agree).  -v file=PATH (as printed), -v lang=c|sh.
#   cond  a condition negated: C `if (X)` -> `if (!(X))`; shell
#         `if X; then` -> `if ! { X; }; then` (and `if ! X` -> `if X`)
#   cmp   one comparison operator flipped: == != <= >= (and < > in C; in
#         shell they are redirections), = inside [ ] / test, -eq -ne -lt
#         -ge -gt -le
#   del   an error exit deleted: C `return -1;`, `return 1;`, `return -EX;`
#         (the statement becomes `{ }`); shell `die ...`, `return 1`, `exit 1`
#         (the command becomes `:`)
# Comments, preprocessor lines, text inside C string literals and shell
# "..." strings are left alone (a fault there is not a fault of the code).
BEGIN {
	US = "\037"
	nflip = split("== != <= >= < > -eq -ne -lt -ge -gt -le", flip_from, " ")
	split("!= == > < >= <= -ne -eq -ge -lt -le -gt", flip_to, " ")
}

function emit(kind, after, what) {
	print file US FNR US kind US after US what
}

# in_c_string(s, pos): is position pos of s inside a "..." or '.' literal?
function in_c_string(s, pos,    i, c, q) {
	q = ""
	for (i = 1; i < pos; i++) {
		c = substr(s, i, 1)
		if (q != "" && c == "\\") { i++; continue }
		if (q == "" && (c == "\"" || c == "'")) q = c
		else if (c == q) q = ""
	}
	return q != ""
}

# in_dquotes(s, pos): is position pos of a shell line inside "..."?  (Text
# there is a message, not a test; single quotes hold awk code: not skipped.)
function in_dquotes(s, pos,    i, c, q) {
	q = 0
	for (i = 1; i < pos; i++) {
		c = substr(s, i, 1)
		if (c == "\\") { i++; continue }
		if (c == "\"") q = !q
	}
	return q
}

# close_paren(s, open): the index of the ")" matching the "(" at open, or 0.
function close_paren(s, open,    i, c, d) {
	d = 0
	for (i = open; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "(") d++
		else if (c == ")" && --d == 0) return i
	}
	return 0
}

# is_op_at(s, i, op): op at i is that operator, not part of a longer one.
function is_op_at(s, i, op,    before, after, l) {
	l = length(op)
	if (substr(s, i, l) != op) return 0
	before = substr(s, i - 1, 1)
	after = substr(s, i + l, 1)
	if (op ~ /^-/) return before == " " && after == " "
	if (op == "<" || op == ">")
		return before == " " && after == " "
	# == != <= >=: not ===, !==, <<=, >>=
	if (before ~ /[=!<>]/ || after == "=") return 0
	return 1
}

# last_then(s): where the last "; then" of s starts, or 0.
function last_then(s,    i, r) {
	r = 0
	for (i = 1; i <= length(s) - 5; i++)
		if (substr(s, i, 6) == "; then") r = i
	return r
}

function cmp_sites(s, shtest,    k, i, op, l) {
	for (k = 1; k <= nflip; k++) {
		op = flip_from[k]
		# < and > in shell are redirections
		if (lang == "sh" && (op == "<" || op == ">")) continue
		l = length(op)
		for (i = 2; i + l <= length(s) + 1; i++) {
			if (!is_op_at(s, i, op)) continue
			if (lang == "c" && in_c_string(s, i)) continue
			if (lang == "sh" && in_dquotes(s, i)) continue
			emit("cmp", substr(s, 1, i - 1) flip_to[k] substr(s, i + l), op " -> " flip_to[k])
		}
	}
	# shell: [ A = B ] and [ A != B ] (a single = is assignment elsewhere)
	if (lang == "sh" && shtest)
		for (i = 2; i <= length(s) - 1; i++)
			if (substr(s, i - 1, 3) == " = " && !in_dquotes(s, i))
				emit("cmp", substr(s, 1, i - 1) "!=" substr(s, i + 1), "= -> !=")
}

lang == "c" && /^[ \t]*(#|\/\/|\/\*|\*)/ { next }
lang == "sh" && /^[ \t]*#/ { next }

lang == "c" {
	line = $0
	cmp_sites(line, 0)
	if ((p = index(line, "if (")) > 0 && !in_c_string(line, p) &&
	    (p == 1 || substr(line, p - 1, 1) ~ /[ \t]/)) {
		q = close_paren(line, p + 3)
		if (q > 0)
			emit("cond", substr(line, 1, p + 3) "!(" substr(line, p + 4, q - p - 4) ")" substr(line, q),
			     "if (X) -> if (!(X))")
	}
	if (match(line, /return (-1|1|-E[A-Z]+);/))
		emit("del", substr(line, 1, RSTART - 1) "{ }" substr(line, RSTART + RLENGTH),
		     "deleted " substr(line, RSTART, RLENGTH))
	next
}

lang == "sh" {
	line = $0
	shtest = line ~ /(\[ |test )/
	cmp_sites(line, shtest)
	if (match(line, /(^|[ \t])(el)?if ! /)) {
		emit("cond", substr(line, 1, RSTART + RLENGTH - 3) substr(line, RSTART + RLENGTH),
		     "if ! X -> if X")
	} else if (match(line, /(^|[ \t])(el)?if /) && (t = last_then(line)) > RSTART + RLENGTH) {
		emit("cond", substr(line, 1, RSTART + RLENGTH - 1) "! { " substr(line, RSTART + RLENGTH, t - RSTART - RLENGTH) "; }" substr(line, t),
		     "if X -> if ! { X; }")
	}
	if (match(line, /(^|[ \t;&|{])die /)) {
		st = RSTART + (substr(line, RSTART, 1) == "d" ? 0 : 1)
		emit("del", substr(line, 1, st - 1) ": " substr(line, st + 4), "deleted die")
	} else if (match(line, /(^|[ \t;&|{])(return|exit) 1([ \t;]|$)/)) {
		st = RSTART + (substr(line, RSTART, 1) ~ /[re]/ ? 0 : 1)
		w = substr(line, st) ; sub(/ 1.*/, "", w)
		emit("del", substr(line, 1, st - 1) ":" substr(line, st + length(w) + 2), "deleted " w " 1")
	}
}
