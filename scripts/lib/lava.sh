# shellcheck shell=bash
# lib/lava.sh: reading a LAVA job's log.  Sourced by boot-lava.sh and
# lava-submit.sh alone, not by lib.sh: lib.sh's files are inputs of every
# cached verdict, this one only of the boots through LAVA (step-boot.sh
# hashes it with boot-lava.sh).

# lava_log FORM LOG TEST CONSOLE: the guest's serial console (every
# "target" line, as LAVA read it from the serial port) into CONSOLE, and
# on stdout what LAVA said, one line each, in the log's order:
#   case RESULT          a result of TEST's case (pass, fail)
#   job complete|incomplete  LAVA's own "job" case
#   job-error MSG        that case's error_msg: why LAVA failed the job
#   error MSG            an error message of the job
#   timeout              the test monitor timed out
#   boot CMD             the QEMU command LAVA ran
# MSG with its runs of white space made one space, CMD as LAVA wrote it.
# FORM is how the log comes: "lines", lava-run's own log, one YAML mapping
# a line (not JSON: a YAML tag such as '! "7"' appears; a line that is no
# mapping is skipped); "list", from lavacli jobs logs --raw, one YAML list
# of mappings (anything else fails, with one line).  Read with
# python3-yaml, which lava-dispatcher and lavacli both need.
lava_log() {
	/usr/bin/python3 - "$PROG" "$@" <<-\EOF
		import sys, yaml
		prog, form, src, test, console = sys.argv[1:]
		loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

		def bad(why):
		    sys.exit("%s: error: %s: not a LAVA job log (lavacli jobs logs --raw): %s" % (prog, src, why))

		def read_list():
		    try:
		        with open(src, errors="replace") as f:
		            entries = yaml.load(f, Loader=loader) or []
		    except (OSError, yaml.YAMLError) as e:
		        bad(str(e).splitlines()[0])
		    if not isinstance(entries, list):
		        bad("not a list")
		    return entries

		def read_lines(f):
		    for line in f:
		        try:
		            yield yaml.load(line, Loader=loader)
		        except yaml.YAMLError:
		            continue

		def one_line(msg):
		    return " ".join(str(msg).split())

		entries = read_list() if form == "list" else read_lines(open(src, errors="replace"))
		with open(console, "w") as out:
		    for d in entries:
		        if not isinstance(d, dict):
		            continue
		        lvl, msg = d.get("lvl"), d.get("msg")
		        if lvl == "target":
		            out.write((msg if isinstance(msg, str) else str(msg)) + "\n")
		        elif lvl == "results" and isinstance(msg, dict):
		            if msg.get("definition") == "lava":
		                if msg.get("case") == "job":
		                    print("job", "complete" if msg.get("result") == "pass" else "incomplete")
		                    if msg.get("error_msg"):
		                        print("job-error", one_line(msg["error_msg"]))
		            elif msg.get("case") == test:
		                print("case", msg.get("result"))
		        else:
		            if lvl == "error" and msg:
		                print("error", one_line(msg))
		            if isinstance(msg, str):
		                if lvl == "info" and msg.startswith("Boot command: "):
		                    print("boot", msg[len("Boot command: "):].replace("\n", " "))
		                if "lava test monitoring has timed out" in msg:
		                    print("timeout")
	EOF
}
