# The KCIDB I/O schema v5.3 rules scripts/kcidb.sh relies on, as a jq
# program: one line "RULE: WHERE: WHAT" per violation, none for a good file.
#   jq -r -f kcidb-v5.3-rules.jq kcidb.json
# Written from KCIDB's published definition (kernelci/kcidb-io,
# kcidb_io/schema/v05_03.py and the versions it inherits its patterns from:
# origin [a-z0-9_]+, ids "origin:anything", sha1 commit hashes, sha256
# patchset hashes, dotted test paths, the status enum, date-time and uri
# formats, closed property sets, no null properties).  Facts, not its code;
# KernelCI's own validator checks the same file independently.

def err(rule; where; what): "\(rule): \(where): \(what)";

def origin_re: "^[a-z0-9_]+$";
def id_re: "^[a-z0-9_]+:";
def path_re: "^([a-zA-Z0-9_-]+([.][a-zA-Z0-9_-]+)*)?$";
def statuses: ["FAIL", "ERROR", "MISS", "PASS", "DONE", "SKIP"];

# RFC 3339 date-time (JSON schema's "date-time"), with the fields in range.
def rfc3339:
	type == "string" and
	test("^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$") and
	(.[5:7] | tonumber) as $mo | (.[8:10] | tonumber) as $d |
	(.[11:13] | tonumber) as $h | (.[14:16] | tonumber) as $mi | (.[17:19] | tonumber) as $s |
	$mo >= 1 and $mo <= 12 and $d >= 1 and $d <= 31 and $h <= 23 and $mi <= 59 and $s <= 60;

# A URI: a scheme, a colon, no white space or NUL.
def uri: type == "string" and test("^[A-Za-z][A-Za-z0-9+.-]*:[^[:space:]\u0000]*$");

def no_nul: type == "string" and (test("\u0000") | not);

# keys(WHERE; ALLOWED): properties outside the closed set.
def closed(where; allowed):
	(keys - allowed)[] as $k | err("unknown-property"; where; "\($k) is not a v5.3 property");

def required(where; names):
	. as $o | names[] as $n | select($o | has($n) | not) | err("required"; where; "\($n) is missing");

def typed(where; key; t):
	select(has(key)) | select((.[key] | type) != t) |
	err("type"; where; "\(key) must be a \(t), is \(.[key] | type)");

def strings(where; names):
	. as $o | names[] as $n | select($o | has($n)) | select($o[$n] | no_nul | not) |
	err("type"; where; "\($n) must be a string without NUL");

def times(where; names):
	. as $o | names[] as $n | select($o | has($n)) | select($o[$n] | rfc3339 | not) |
	err("rfc3339"; where; "\($n) \($o[$n] | tojson) is not an RFC 3339 date-time");

def uris(where; names):
	. as $o | names[] as $n | select($o | has($n)) | select($o[$n] | uri | not) |
	err("uri"; where; "\($n) \($o[$n] | tojson) is not a URI");

def common(where):
	(select(has("id")) | select((.id | type) != "string" or (.id | test(id_re) | not)) |
		err("id-pattern"; where; "id \(.id | tojson) must be ORIGIN:anything, ORIGIN matching [a-z0-9_]+")),
	(select(has("origin")) | select((.origin | type) != "string" or (.origin | test(origin_re) | not)) |
		err("origin-pattern"; where; "origin \(.origin | tojson) must match [a-z0-9_]+")),
	(select(has("id") and has("origin") and (.id | type) == "string" and (.origin | type) == "string") |
		. as $o | select($o.id | startswith("\($o.origin):") | not) |
		err("id-origin"; where; "id \($o.id | tojson) does not start with its origin \($o.origin):")),
	(select(has("status")) | select(.status as $s | statuses | index($s) | not) |
		err("status"; where; "status \(.status | tojson) is not one of \(statuses | join(" "))")),
	typed(where; "misc"; "object"),
	typed(where; "duration"; "number"),
	times(where; ["start_time", "_timestamp"]),
	uris(where; ["log_url", "config_url", "git_repository_url"]),
	strings(where; ["comment", "log_excerpt", "tree_name", "git_commit_name", "compiler",
	                "config_name", "command", "git_repository_branch", "git_commit_message"]),
	(select(has("log_excerpt")) | select((.log_excerpt | length) > 16384) |
		err("log-excerpt"; where; "log_excerpt is longer than 16384 characters"));

def resources(where; key):
	select(has(key)) | .[key] as $l |
	if ($l | type) != "array" then err("type"; where; "\(key) must be an array of resources")
	else $l | to_entries[] | .key as $i | .value as $r | "\(where).\(key)[\($i)]" as $w |
		if ($r | type) != "object" then err("type"; $w; "a resource is an object")
		else ($r | closed($w; ["name", "url"])),
		     ($r | required($w; ["name", "url"])),
		     ($r | select(has("name")) | select((.name | type) != "string" or (.name | test("^[^/\u0000]+$") | not)) |
			err("resource-name"; $w; "name \(.name | tojson) must be a file name (no /)")),
		     ($r | uris($w; ["url"]))
		end
	end;

def checkout($i):
	"checkouts[\($i)]" as $w |
	closed($w; ["_timestamp", "id", "origin", "tree_name", "git_repository_url", "git_commit_hash",
	            "git_commit_name", "git_commit_tags", "git_commit_message", "git_repository_branch",
	            "git_repository_branch_tip", "patchset_files", "patchset_hash", "message_id", "comment",
	            "start_time", "origin_builds_finish_time", "origin_tests_finish_time", "log_url",
	            "log_excerpt", "valid", "misc"]),
	required($w; ["id", "origin"]),
	common($w),
	times($w; ["origin_builds_finish_time", "origin_tests_finish_time"]),
	typed($w; "valid"; "boolean"),
	typed($w; "git_repository_branch_tip"; "boolean"),
	(select(has("git_commit_hash")) | select((.git_commit_hash | type) != "string" or (.git_commit_hash | test("^[0-9a-f]{40}$") | not)) |
		err("commit-hash"; $w; "git_commit_hash \(.git_commit_hash | tojson) is not a full sha1")),
	(select(has("patchset_hash")) | select((.patchset_hash | type) != "string" or (.patchset_hash | test("^$|^[0-9a-f]{64}$") | not)) |
		err("patchset-hash"; $w; "patchset_hash \(.patchset_hash | tojson) is neither empty nor a sha256")),
	(select(has("git_repository_url")) | select(.git_repository_url | test("^https://") | not) |
		err("uri"; $w; "git_repository_url must be an https:// URL")),
	(select(has("message_id")) | select((.message_id | type) != "string" or (.message_id | test("^[^@[:space:]<>]+@[^@[:space:]<>]+$") | not)) |
		err("message-id"; $w; "message_id \(.message_id | tojson) is not an address-like Message-ID (no <>)")),
	resources($w; "patchset_files");

def build($i):
	"builds[\($i)]" as $w |
	closed($w; ["_timestamp", "checkout_id", "id", "origin", "comment", "start_time", "duration",
	            "architecture", "command", "compiler", "input_files", "output_files", "config_name",
	            "config_url", "log_url", "log_excerpt", "status", "misc"]),
	required($w; ["checkout_id", "id", "origin"]),
	common($w),
	(select(has("checkout_id")) | select((.checkout_id | type) != "string" or (.checkout_id | test(id_re) | not)) |
		err("id-pattern"; $w; "checkout_id \(.checkout_id | tojson) must be ORIGIN:anything")),
	(select(has("architecture")) | select((.architecture | type) != "string" or (.architecture | test("^[a-z0-9_]*$") | not)) |
		err("architecture"; $w; "architecture \(.architecture | tojson) must match [a-z0-9_]*")),
	resources($w; "input_files"), resources($w; "output_files");

def test_run($i):
	"tests[\($i)]" as $w |
	closed($w; ["_timestamp", "build_id", "id", "origin", "environment", "path", "comment", "log_url",
	            "log_excerpt", "status", "number", "start_time", "duration", "input_files",
	            "output_files", "misc"]),
	required($w; ["build_id", "id", "origin"]),
	common($w),
	(select(has("build_id")) | select((.build_id | type) != "string" or (.build_id | test(id_re) | not)) |
		err("id-pattern"; $w; "build_id \(.build_id | tojson) must be ORIGIN:anything")),
	(select(has("path")) | select((.path | type) != "string" or (.path | test(path_re) | not)) |
		err("path"; $w; "path \(.path | tojson) is not a dotted path of [a-zA-Z0-9_-] names")),
	(select(has("environment")) | .environment as $e |
		if ($e | type) != "object" then err("type"; $w; "environment must be an object")
		else ($e | closed("\($w).environment"; ["compatible", "comment", "misc"])),
		     ($e | strings("\($w).environment"; ["comment"])),
		     ($e | typed("\($w).environment"; "misc"; "object"))
		end),
	resources($w; "input_files"), resources($w; "output_files");

# Nulls: "no properties can be null" (anywhere, misc included: we never
# write one).
def nulls: paths(. == null) | map(tostring) | join(".") | err("null"; .; "null property");

if type != "object" then err("type"; "top"; "the file must be a JSON object")
else
	closed("top"; ["version", "checkouts", "builds", "tests", "issues", "incidents"]),
	required("top"; ["version"]),
	(select(has("version")) | .version |
		if type != "object" then err("version"; "version"; "must be an object")
		else closed("version"; ["major", "minor"]),
		     (select(.major != 5) | err("version"; "version"; "major must be 5, is \(.major | tojson)")),
		     (select(has("minor")) | select((.minor | type) != "number" or .minor != (.minor | floor) or .minor < 0 or .minor > 3) |
			err("version"; "version"; "minor must be an integer 0..3, is \(.minor | tojson)"))
		end),
	(["checkouts", "builds", "tests"][] as $k | select(has($k)) | select((.[$k] | type) != "array") |
		err("type"; $k; "must be an array")),
	((.checkouts // []) | to_entries[] | .key as $i | .value | if type == "object" then checkout($i) else err("type"; "checkouts[\($i)]"; "must be an object") end),
	((.builds // []) | to_entries[] | .key as $i | .value | if type == "object" then build($i) else err("type"; "builds[\($i)]"; "must be an object") end),
	((.tests // []) | to_entries[] | .key as $i | .value | if type == "object" then test_run($i) else err("type"; "tests[\($i)]"; "must be an object") end),
	# Links inside one submission: what the file relies on to be complete.
	(([.checkouts[]?.id] | group_by(.)[] | select(length > 1) | err("duplicate-id"; "checkouts"; "\(.[0]) appears \(length) times")),
	 ([.builds[]?.id] | group_by(.)[] | select(length > 1) | err("duplicate-id"; "builds"; "\(.[0]) appears \(length) times")),
	 ([.tests[]?.id] | group_by(.)[] | select(length > 1) | err("duplicate-id"; "tests"; "\(.[0]) appears \(length) times"))),
	([.checkouts[]?.id] as $c | .builds // [] | to_entries[] | select(.value.checkout_id as $x | $c | index([$x]) | not) |
		err("dangling"; "builds[\(.key)]"; "checkout_id \(.value.checkout_id | tojson) is not in checkouts")),
	([.builds[]?.id] as $b | .tests // [] | to_entries[] | select(.value.build_id as $x | $b | index([$x]) | not) |
		err("dangling"; "tests[\(.key)]"; "build_id \(.value.build_id | tojson) is not in builds")),
	nulls
end
