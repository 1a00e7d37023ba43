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
if have_shared; then # the real RHEL host's part
    assert_grep "added: coreutils-single (provides coreutils)" "$T/out" "demo: addrpm on RHEL"
    assert_grep "^uid=1001(alice) gid=1001(alice)" "$T/out" "demo: id in the RHEL cage"
    assert_grep "libc.so.6 (libc6,x86-64.*) => /lib64/libc.so.6" "$T/out" "demo: ldconfig -p in the RHEL cage"
fi
assert_eq "$(demos)" 0 "demo left its tree behind"
