# command-words.awk: the words in command position in shell code, one a
# line: the first word of each simple command (after ; | && || ( $( ` and
# the keywords that start a command), past VAR=value assignments and past
# wrappers that run another command (timeout, env, exec, xargs, ...), whose
# command is taken too.  A heuristic for the dependency test, not a parser:
# it errs on the side of finding too many words.
function emit(w) {
	gsub(/^["']|["']$/, "", w)
	if (w ~ /^(\/usr)?\/s?bin\/[A-Za-z0-9_.+-]+$/ || w ~ /^[a-z][a-z0-9_.+-]*$/)
		print w
}
# Here-document bodies are data (tables, programs for other interpreters),
# not shell commands: skipped up to their terminator.
heredoc != "" {
	t = $0
	sub(/^\t+/, "", t)
	if (t == heredoc) heredoc = ""
	next
}
{
	line = $0
	if (match(line, /<<-?[ \t]*['"]?[A-Za-z_][A-Za-z0-9_]*/)) {
		heredoc = substr(line, RSTART, RLENGTH)
		sub(/^<<-?[ \t]*['"]?/, "", heredoc)
	}
	# Comments: whole-line, and " # ..." at the end.
	if (line ~ /^[ \t]*#/) next
	sub(/[ \t]#[ \t].*$/, "", line)
	gsub(/\$\(|`|&&|\|\||[;|(){}]/, "\n", line)
	n = split(line, parts, "\n")
	for (i = 1; i <= n; i++) {
		m = split(parts[i], w, /[ \t]+/)
		j = 1
		while (j <= m) {
			if (w[j] == "" || w[j] ~ /^[A-Za-z_][A-Za-z0-9_]*=/ ||
			    w[j] ~ /^(if|then|do|else|elif|while|until|!|time|local)$/) { j++; continue }
			if (w[j] ~ /^(timeout|env|exec|xargs|command|nice|setsid|nohup|flock|stdbuf)$/) {
				emit(w[j]); j++
				# the wrapper's own options and numbers
				while (j <= m && (w[j] ~ /^-/ || w[j] ~ /^[0-9.]+[smh]?$/ || w[j] ~ /^[A-Za-z_][A-Za-z0-9_]*=/)) j++
				continue
			}
			emit(w[j])
			break
		}
	}
}
