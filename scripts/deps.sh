#!/bin/bash
# deps.sh: install the Debian packages the project needs, once.
#
#   deps.sh [FEATURE...]   install what the table below names for base and each
#                          FEATURE (fuzz, mail-test, lava, lab), plus each
#                          selected arch's packages (ARCHS=, arches/*.conf)
#   deps.sh --list         every package of every feature and arch, one a line
#   deps.sh --missing [FEATURE...]  what is not installed yet, one a line
#
# As root it runs apt-get; otherwise it prints the exact command and stops.
# An arch record with DPKG_ARCH= other than the host's has that foreign
# architecture added to dpkg first.  Recommends are never installed, so
# the table names everything a program runs, even what a Recommends brings.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# The Debian (bookworm) packages this project needs, one a line: data, not
# code.  Add a package here, never install one by hand (a hand install hides
# a missing line until a fresh machine fails).
#
#   package    feature    why (the program run, and who runs it)
#
# Features: base is installed for every make verb; the others only when
# their verb or test runs (deps.sh FEATURE...).  Each arch adds its own
# packages from arches/<arch>.conf (QEMU, cross gcc, EXTRA_PACKAGES).
packages_table() {
	cat <<'EOT'
# -- what every script runs (the shell and its everyday tools) ---------------
bash              base   every script
coreutils         base   cat, cp, mv, sort, sha256sum, timeout, date, ... in every script
findutils         base   find, xargs
grep              base   grep in every script
sed               base   sed in every script
gawk              base   awk: the kernel's scripts and ours (a fresh image's awk is mawk; we name gawk so both behave alike)
diffutils         base   diff, cmp (tests, static findings)
tar               base   unpacking Debian's kernel source tarballs
xz-utils          base   the .tar.xz kernel source tarballs
gzip              base   gzip (kernel build)
util-linux        base   setsid, script (a pseudo-terminal for make send SEND=1 tests), flock
procps            base   ps, pkill (stopping QEMU and backends)
bsdutils          base   script (pseudo-terminal), logger
make              base   every verb; the kernel's build
git               base   scratch trees, git am, format-patch, patch-id
git-email         base   git send-email (make send SEND=1 / REFLECT=1)
libmailtools-perl base   git send-email's Mail::Address (git-email only Recommends it; without it send-email dies)
libio-socket-ssl-perl base  git send-email to a TLS mail server (sendemail.smtpEncryption; a Recommends)
libauthen-sasl-perl base   git send-email's SMTP AUTH (sendemail.smtpUser; a Recommends)
jq                base   summary.json
# -- kernel build ------------------------------------------------------------
gcc               base   the kernel and the host programs (oracle, vhost-user-fs)
libc6-dev         base   host programs, the static guest programs
flex              base   kernel build (kconfig lexer)
bison             base   kernel build (kconfig parser)
bc                base   kernel build (timeconst)
libelf-dev        base   kernel build (objtool)
libssl-dev        base   kernel build (sign-file, extract-cert)
cpio              base   usr/gen_init_cpio's peers; initrd inspection
kmod              base   kernel build's depmod check
perl              base   scripts/checkpatch.pl, get_maintainer.pl, kernel build helpers
python3           base   the kernel's Python helpers, b4, spatch's Python rules (/usr/bin/python3)
ccache            base   kernel builds shared across trees and clones
pkg-config        base   libfuse flags for the memfd selftest's fuse_mnt
libfuse-dev       base   memfd selftest's fuse_mnt, linked statically (libfuse.a)
linux-source-6.1  base   the embedded default target (Debian's 6.1 source)
linux-source-6.12 base   checkpatch.pl new enough for Closes: (always the 6.12 one)
# -- static analysis ----------------------------------------------------------
sparse            base   make C=2
coccinelle        base   spatch for make coccicheck
ocaml             base   ocamlopt: spatch compiles the kernel's OCaml script rules with it (coccinelle does not depend on it)
quilt             base   quilt push -a in the apply step
patch             base   quilt's patch(1)
# -- mail ---------------------------------------------------------------------
b4                base   make send (b4 send -o), make am (b4 am)
# -- tests ---------------------------------------------------------------------
valgrind          base   tests run the host programs under memcheck
shellcheck        base   the project's own scripts are shellcheck-clean (tests)
# -- mail-test: the SMTP round trip (tests/t9100-smtp-roundtrip.sh) ----------
python3-aiosmtpd  mail-test  a real SMTP server on 127.0.0.1 that t9100 sends to (/usr/bin/python3 -m aiosmtpd)
# -- lava: LAVA jobs run here with the real dispatcher (make lava, BACKEND=lava, t1010, t1020)
lava-common       lava   lava_common.schemas.validate: t1010 validates every job make lava writes (/usr/bin/python3)
lava-dispatcher   lava   lava-run: BACKEND=lava boots each guest test through LAVA without a server (scripts/boot-lava.sh)
lavacli           lava   submitting the same jobs to a LAVA lab (LAVA_URL=, scripts/lava-submit.sh)
curl              base   make kcidb-submit: POSTs results/<run>/kcidb.json to KCIDB_REST as kci-dev does
# -- lab: a real LAVA lab on 127.0.0.1 (make test-lab) --------------------------
lava-server       lab    the LAVA server make test-lab submits to: lava-server manage, gunicorn3 (its Depends), lava-worker from lava-dispatcher
postgresql        lab    lava-server's database: tests/lab/t-lab.sh runs a cluster of its own (initdb, pg_ctl, psql)
# -- fuzzing (make fuzz) --------------------------------------------------------
clang             fuzz   libFuzzer harnesses of oracle/ and vhost-user-fs/ (scripts/fuzz.sh)
libclang-rt-14-dev fuzz  libFuzzer and the ASan/UBSan runtimes for clang (only a Recommends of clang)
EOT
}

# feature_packages FEATURE...: the packages of those features, file order.
feature_packages() {
	awk -v want=" $* " '!/^[[:space:]]*#/ && NF >= 2 && index(want, " " $2 " ") { print $1 }' <(packages_table)
}

all_features() {
	packages_table | awk '!/^[[:space:]]*#/ && NF >= 2 { print $2 }' | awk '!seen[$0]++'
}

# arch_packages ARCH: the packages its record names.
arch_packages() {
	(
		arch_load "$1"
		# shellcheck disable=SC2086 # EXTRA_PACKAGES is a list of words
		printf '%s\n' "$QEMU_PACKAGE" "$TOOLCHAIN_PACKAGE" ${EXTRA_PACKAGES:-}
	)
}

mode=install
case ${1:-} in
--list) mode=list && shift ;;
--missing) mode=missing && shift ;;
-*) die "unknown option '$1': use --list, --missing or feature names ($(all_features | tr '\n' ' '))" ;;
esac

known=" $(all_features | tr '\n' ' ') "
for f in "$@"; do
	case $known in *" $f "*) ;; *) die "unknown feature '$f': known are${known}(see the table in scripts/deps.sh)" ;; esac
done

if [ "$mode" = list ]; then
	{
		# shellcheck disable=SC2046 # feature names are words
		feature_packages $(all_features)
		for a in $(arch_names); do arch_packages "$a"; done
	} | awk '!seen[$0]++'
	exit 0
fi

arches=$(selected_arches) || exit 1
mapfile -t pkgs < <({
	feature_packages base "$@"
	for a in $arches; do arch_packages "$a"; done
} | awk '!seen[$0]++')
foreign=()
for a in $arches; do
	arch_load "$a"
	if [ -n "${DPKG_ARCH:-}" ] && [ "$DPKG_ARCH" != "$(dpkg --print-architecture)" ] &&
		! dpkg --print-foreign-architectures | grep -qx "$DPKG_ARCH"; then
		foreign+=("$DPKG_ARCH")
	fi
done

# One dpkg-query for them all (one each took a second of every make verb):
# a package dpkg does not know is not in its answer, so missing too.  A
# name is NAME (the native arch's, or arch all) or NAME:ARCH (libfuse-dev:arm64).
declare -A installed=()
native=$(dpkg --print-architecture)
while IFS=$'\t' read -r p a st; do
	[ "$st" = "install ok installed" ] || continue
	installed[$p:$a]=1
	[ "$a" != "$native" ] && [ "$a" != all ] || installed[$p]=1
done < <(dpkg-query -W -f='${Package}\t${Architecture}\t${Status}\n' "${pkgs[@]}" 2>/dev/null || true)
missing=()
for p in "${pkgs[@]}"; do
	[ -n "${installed[$p]:-}" ] || missing+=("$p")
done
if [ "$mode" = missing ]; then
	[ ${#missing[@]} = 0 ] || printf '%s\n' "${missing[@]}"
	exit 0
fi
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	add=""
	for f in ${foreign[@]+"${foreign[@]}"}; do add="${add}dpkg --add-architecture $f && "; done
	die "missing Debian packages; as root run: ${add}apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
fi
t0=$(date +%s%N)
for f in ${foreign[@]+"${foreign[@]}"}; do
	note "adding the dpkg architecture $f (for ${missing[*]})"
	dpkg --add-architecture "$f"
done
note "installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Another apt (a second make, a helper) may hold the lock: wait for it.
apt_opts=(-o DPkg::Lock::Timeout=600)
apt-get "${apt_opts[@]}" update -qq || die "apt-get update failed: check the network and /etc/apt/sources.list"
apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	die "apt-get install failed for: ${missing[*]} (rerun 'make deps' to see apt's own message)"
note "installed ${#missing[@]} package(s) in $(elapsed_since "$t0") s"
