#!/usr/bin/env bash
# The README's first command ends in `make demo`: it must run to the end,
# exit 0 and leave nothing behind.
. "$(dirname "$0")/lib.sh"
# its own TMPDIR: other runs on this machine may have demos of their own
mkdir "$T/tmp"
demos() { find "$T/tmp" -maxdepth 1 -name "unicage-demo.*" | wc -l; }
TMPDIR=$T/tmp expect_exit 0 "$UNICAGE_SRC/scripts/demo.sh" "$UC"
assert_grep "generation gen-000002 is current" "$T/out" "demo built a skeleton and updated it"
assert_grep "nothing to do" "$T/out" "demo's no-op update"
assert_grep '"result":"NotFound"' "$T/out" "demo's JSON error"
assert_eq "$(demos)" 0 "demo left its tree behind"
