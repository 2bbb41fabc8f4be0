#!/bin/sh
# Mutation testing of one library file against some unit test programs
# (names from tests/unit). Not part of `make check`: minutes per file.
#
#   nice -n 5 sh tests/mutate.sh FILE.c TEST...
#   e.g. sh tests/mutate.sh lib/smtp/cmd.c test_smtp_engine test_smtp_transcripts
#
# Works in a scratch copy of the tree (the working tree is never written),
# makes one mutant of FILE.c at a time (one classic operator at one site:
# == <-> !=, < <-> <=, > <-> >=, && <-> ||, "+ 1" <-> "- 1", literal
# 0 <-> 1, "return 0;" -> "return -1;"; comments, strings and preprocessor
# lines are left alone), rebuilds the named tests (under ASan) and runs
# them. Prints one verdict line per mutant, a summary
#   FILE: N mutants, K killed, S survived (score K/(K+S))
# and the survivors as "file:line: original -> mutant".
#
# Environment:
#   LM_MUTATE_MAX=n        stop after the first n mutants
#   LM_MUTATE_LINES=a-b    only mutate lines a..b of FILE.c
#   LM_MUTATE_TIMEOUT=s    per test program (default 10 s: longer = killed;
#                          10 times that for runs with every split)
#   LM_MUTATE_SPLITS=n     LM_TR_SPLITS for the transcript tests (default
#                          16 split points; empty = every split: slow)
#   LM_MUTATE_CONFIRM=1    re-run each survivor with every split
#   LM_MUTATE_SANITIZE=0   build without ASan/UBSan (faster, fewer kills)
exec python3 "$(dirname "$0")/mutate.py" "$@"
