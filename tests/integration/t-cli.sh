#!/usr/bin/env bash
# The binary's interface: help, version, verb table, exit codes, argv[0]
# aliases, the JSON error envelope and configuration selection and errors.
. "$(dirname "$0")/lib.sh"

expect_exit 0 uc --help
assert_grep "rpmscan" "$T/out" "verb list"
expect_exit 0 uc --version
assert_grep "^unicage [0-9]" "$T/out" "version"
expect_exit 0 uc rpmscan --help
assert_grep "usage: unicage rpmscan" "$T/out" "verb help"
assert_grep "--requires" "$T/out" "verb help lists options"
expect_exit 3 uc
expect_exit 3 uc frobnicate
assert_grep "unknown verb 'frobnicate'" "$T/err" "unknown verb"
expect_exit 3 uc --frobnicate rpmscan
expect_exit 3 uc rpmscan --frobnicate
expect_exit 3 uc rpmscan
assert_grep "name packages, or give --all or --rpm" "$T/err" "nothing selected"
expect_exit 3 uc rpmscan --all uc-core
expect_exit 3 uc rpmscan --all --rpm x.rpm
expect_exit 3 uc rpmscan --tsv --json --all
expect_exit 3 uc rpmscan --sysroot
assert_grep "needs a value" "$T/err" "missing option value"

# JSON error envelope, on stdout, nothing else there
expect_exit 3 uc --json frobnicate
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d == {"data": None, "metadata": {"result": "BadRequest", "message": d["metadata"]["message"]}}, d
assert "frobnicate" in d["metadata"]["message"]
PY
expect_exit 4 uc rpmscan --json --sysroot "$T/nowhere" --all
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["metadata"]["result"]=="NotFound", d' "$T/out"

# argv[0] rpmscan behaves as `unicage rpmscan`
ln -s "$UC" "$T/rpmscan"
expect_exit 0 "$T/rpmscan" --help
assert_grep "usage: unicage rpmscan" "$T/out" "alias help"
expect_exit 4 "$T/rpmscan" --sysroot "$T/nowhere" --all

# Configuration: -c FILE and UNICAGE_CONFIG select it; an unknown key or a
# bad value is exit 3 naming file:line; a missing chosen file is exit 4.
fixture_root "$T/root"
printf '# comment\n\nsysroot = %s\nmin_uid=500\n' "$T/root" > "$T/good.conf"
expect_exit 0 uc -c "$T/good.conf" rpmscan --tsv uc-core
expect_exit 0 uc rpmscan -c "$T/good.conf" --tsv uc-core
UNICAGE_CONFIG=$T/good.conf expect_exit 0 uc rpmscan --tsv uc-core
printf 'sysroot = /\n# ok\nfrobnicate = 1\n' > "$T/bad.conf"
expect_exit 3 uc -c "$T/bad.conf" rpmscan --all
assert_grep "bad.conf:3: unknown key 'frobnicate'" "$T/err" "unknown key names file:line"
printf 'min_uid = many\n' > "$T/bad.conf"
expect_exit 3 uc -c "$T/bad.conf" rpmscan --all
assert_grep "bad.conf:1: min_uid must be a non-negative integer" "$T/err" "bad value"
printf 'sysroot = relative/path\n' > "$T/bad.conf"
expect_exit 3 uc -c "$T/bad.conf" rpmscan --all
assert_grep "bad.conf:1:" "$T/err" "relative path"
printf 'sysroot = /\nsysroot = /srv\n' > "$T/bad.conf"
expect_exit 3 uc -c "$T/bad.conf" rpmscan --all
assert_grep "bad.conf:2: 'sysroot' already set on line 1" "$T/err" "duplicate key"
printf 'just words\n' > "$T/bad.conf"
expect_exit 3 uc --json -c "$T/bad.conf" rpmscan --all
assert_grep '"result":"BadRequest"' "$T/out" "config error in JSON"
expect_exit 4 uc -c "$T/missing.conf" rpmscan --all
UNICAGE_CONFIG=$T/missing.conf expect_exit 4 uc rpmscan --all

# --- the verb table (cli/cli.c) does what it says ---------------------------
verbs=$(uc --help | sed -n '/^Verbs:/,/^$/p' | awk 'NF > 1 {print $1}')
[ "$(echo "$verbs" | wc -l)" -gt 30 ] || fail "verb list: $verbs"
# every verb's help works for anyone, and names the verb
for v in $verbs; do
    expect_exit 0 setpriv --reuid=65534 --regid=65534 --clear-groups "$UC" "$v" --help
    assert_grep "^usage: unicage $v" "$T/out" "$v --help"
done
# NEED_ROOT: exit 2 "must be run as root" before anything else (the
# configuration, unreadable for nobody here, is not even opened)
root_verbs="unify init update update-list rollback gc enable disable enable-all disable-all
    toggle-mode update-etc mount umount remount remount-all umount-all enter exec check export
    import user-created user-renamed user-deleted clean remove-all"
for v in $root_verbs; do
    grep -qx "$v" <<< "$verbs" || fail "$v is not in the verb list"
    expect_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$UC" "$v" alice
    assert_grep "$v: must be run as root" "$T/err" "$v as nobody"
    grep -q "Operation not permitted\|Permission denied" "$T/err" && fail "$v did something before the root check"
done
expect_exit 2 setpriv --reuid=65534 --regid=65534 --clear-groups "$UC" --json mount alice
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["metadata"]["result"]=="PermissionDenied", d' "$T/out"
# usage lines: verbs that take no USER say so
for v in enable-all disable-all toggle-mode list-enabled list-disabled display-user-mode \
    remount-all umount-all list clean remove-all; do
    expect_exit 0 uc "$v" --help
    head -n 1 "$T/out" | grep -q USER && fail "$v --help: $(head -n 1 "$T/out")"
done
for v in enable disable user-status mount umount remount user-created user-deleted getprefix; do
    expect_exit 0 uc "$v" --help
    head -n 1 "$T/out" | grep -q USER || fail "$v --help names no USER: $(head -n 1 "$T/out")"
done
expect_exit 0 uc user-renamed --help
assert_grep "^usage: unicage user-renamed OLD NEW" "$T/out" "user-renamed usage"
# a mistyped verb: the nearest one
expect_exit 3 uc mout alice
assert_grep "did you mean 'mount'" "$T/err" "nearest verb"
expect_exit 3 uc user-stauts alice
assert_grep "did you mean 'user-status'" "$T/err" "nearest verb"
expect_exit 3 uc xyzzy
grep -q "did you mean" "$T/err" && fail "a suggestion for a word like no verb"
# an unknown option of a verb: exit 3 naming it
expect_exit 3 uc mount --frob alice
assert_grep "unknown option '--frob'" "$T/err" "unknown verb option"
expect_exit 3 uc export -o
assert_grep "needs a value" "$T/err" "missing value"
# the test build has the test hooks; the default build must not (make check
# also greps `strings` of the installed binaries: tests/check-no-hooks.sh)
printf '#!/bin/sh\ntouch %s/fake-core-ran\nexit 0\n' "$T" > "$T/fake-core"; chmod +x "$T/fake-core"
UNICAGE_CORE=$T/fake-core expect_exit 0 "$UC" --version
[ -e "$T/fake-core-ran" ] || fail "the test build ignores UNICAGE_CORE"
rm -f "$T/fake-core-ran"
release=$(dirname "$UC")/../unicage # make check runs build/test/unicage
if [ -x "$release" ]; then
    UNICAGE_CORE=$T/fake-core expect_exit 0 "$release" --version
    [ ! -e "$T/fake-core-ran" ] || fail "the installed build runs what UNICAGE_CORE names"
    assert_grep "^unicage [0-9]" "$T/out" "the release build's own core answered"
fi
