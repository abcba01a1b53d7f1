# SPDX-License-Identifier: GPL-2.0
# mk/prog.mk: how every C program of this project is built, in one place
# (as kselftest's lib.mk is for the selftests).  A program directory's
# Makefile lists what it builds, then includes this file:
#
#	PROGS := oracle			make (all): $(O)/oracle
#	oracle-srcs := oracle.c		a program's sources (default: NAME.c)
#	FUZZ_PROGS := fuzz_oracle	make fuzz: libFuzzer harnesses
#	REPLAY_PROGS := replay_x	make fuzz-replay: the harnesses without
#					libFuzzer (default source: fuzz_x.c)
#	FUZZ_SRCS := ...		linked into every harness and replay
#	REPLAY_SRCS := ...		linked into every replay (its main())
#	LOCAL_CPPFLAGS := -D_GNU_SOURCE	for every program of the directory
#	LOCAL_LDFLAGS := -static
#	include ../mk/prog.mk
#	fuzz: $(FUZZ_TARGETS)
#	fuzz-replay: $(REPLAY_TARGETS)
#
# The policy, the same for every program:
#   O=DIR		where programs go; relative to the program's directory
#			(make -C), default out/.  Objects and dependency files
#			go to O/.obj/PROG/, so every program has its own flags.
#   CROSS_COMPILE=	CC is $(CROSS_COMPILE)gcc; CC= on the command line wins.
#   flags		-O2 -g, then -std=gnu11 -Wall -Wextra -Werror, then the
#			directory's LOCAL_CPPFLAGS, then the user's CFLAGS
#			(appended: CFLAGS=-O0 wins); CFLAGS is also used to
#			link, with LOCAL_LDFLAGS, LDFLAGS and LDLIBS.
#   SANITIZE=1		ASan + UBSan for every program (give it its own O, or
#			not: a change of flags rebuilds, see O/.obj/PROG/cmd).
#   fuzz		$(FUZZ_CC) (clang) with libFuzzer + ASan + UBSan, the
#			same warnings, then the user's FUZZ_CFLAGS.
#   fuzz-replay		$(CC) with ASan + UBSan always and -DFUZZ_REPLAY_MAIN.
#   headers		-MMD -MP: a header edit rebuilds what includes it.
# `make print-progs` prints PROGS (scripts/programs.sh checks its output).

.DEFAULT_GOAL := all

O ?= out
override O := $(patsubst %/,%,$(O))
ifeq ($(O),)
$(error O= is empty: give the directory the programs go to)
endif
CC := $(CROSS_COMPILE)gcc
FUZZ_CC ?= clang

PROG_OPTFLAGS := -O2 -g
PROG_WARNFLAGS := -std=gnu11 -Wall -Wextra -Werror
PROG_DEPFLAGS := -MMD -MP
PROG_SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
PROG_FUZZFLAGS := -O1 -g -fsanitize=fuzzer $(PROG_SANFLAGS)

FUZZ_TARGETS := $(FUZZ_PROGS:%=$(O)/%)
REPLAY_TARGETS := $(REPLAY_PROGS:%=$(O)/%)

# Per kind of program: its compiler, compile flags and link flags.
prog-cc = $(CC)
prog-cflags = $(PROG_OPTFLAGS) $(PROG_WARNFLAGS) $(LOCAL_CPPFLAGS) \
	$(if $(filter 1,$(SANITIZE)),$(PROG_SANFLAGS)) $(CFLAGS)
fuzz-cc = $(FUZZ_CC)
fuzz-cflags = $(PROG_FUZZFLAGS) $(PROG_WARNFLAGS) $(LOCAL_CPPFLAGS) $(FUZZ_CFLAGS)
replay-cc = $(CC)
replay-cflags = $(PROG_OPTFLAGS) $(PROG_WARNFLAGS) $(LOCAL_CPPFLAGS) \
	-DFUZZ_REPLAY_MAIN $(PROG_SANFLAGS) $(CFLAGS)
prog-ldflags = $(LOCAL_LDFLAGS) $(LDFLAGS)
fuzz-ldflags = $(LOCAL_LDFLAGS)
replay-ldflags = $(LOCAL_LDFLAGS) $(LDFLAGS)

# Default sources: NAME.c; a replay_X or fuzz_X_replay program, fuzz_X.c.
prog-srcs = $(or $($(1)-srcs),$(1).c)
fuzz-srcs = $(or $($(1)-srcs),$(1).c) $(FUZZ_SRCS)
replay-srcs = $(or $($(1)-srcs),$(patsubst %_replay,%,$(patsubst replay_%,fuzz_%,$(1))).c) \
	$(FUZZ_SRCS) $(REPLAY_SRCS)

# A single quote inside a shell single-quoted string.
prog-quote = $(subst ','\'',$(1))

# $(call prog-template,NAME,KIND): the rules of program NAME.  O/.obj/NAME/cmd
# holds the command line; it is rewritten only when that changes, and
# everything of NAME depends on it, so new flags rebuild.
define prog-template
$(1)-objs := $$(patsubst %.c,$$(O)/.obj/$(1)/%.o,$$(call $(2)-srcs,$(1)))
$(1)-cmd := $$(strip $$($(2)-cc) $$($(2)-cflags))
$(1)-link := $$(strip $$($(2)-cc) $$($(2)-cflags) $$($(2)-ldflags))

$$(O)/$(1): $$($(1)-objs) $$(O)/.obj/$(1)/cmd | $$(O)
	$$($(1)-link) -o $$@ $$($(1)-objs) $$(LDLIBS)

$$(O)/.obj/$(1)/%.o: %.c $$(O)/.obj/$(1)/cmd
	$$($(1)-cmd) $$(PROG_DEPFLAGS) -c -o $$@ $$<

$$(O)/.obj/$(1)/cmd: FORCE
	@mkdir -p $$(@D) && printf '%s\n' '$$(call prog-quote,$$($(1)-link) $$($(1)-objs) $$(LDLIBS))' >$$@.new && \
	if cmp -s $$@.new $$@; then rm -f $$@.new; else mv -f $$@.new $$@; fi
endef

$(foreach p,$(PROGS),$(eval $(call prog-template,$(p),prog)))
$(foreach p,$(FUZZ_PROGS),$(eval $(call prog-template,$(p),fuzz)))
$(foreach p,$(REPLAY_PROGS),$(eval $(call prog-template,$(p),replay)))

all: $(PROGS:%=$(O)/%)

$(O):
	mkdir -p $@

print-progs:
	@echo $(PROGS)

clean:
	rm -rf $(O)

FORCE:

-include $(wildcard $(O)/.obj/*/*.d)

.PHONY: all clean print-progs fuzz fuzz-replay FORCE
