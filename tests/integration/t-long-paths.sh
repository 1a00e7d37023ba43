#!/usr/bin/env bash
# A path below state_dir that does not fit in PATH_MAX is refused with "File
# name too long" (exit 3) and nothing is written; it is never cut. (Before,
# state_dir/users/users.enabled was cut to ".../users/users.enab" and read
# as "nobody enabled", and the "%.4000s/..." builders used the first 4000
# bytes of a longer state_dir: another directory.)
. "$(dirname "$0")/lib.sh"
# $T/long/aaa.../bbb: $1 bytes, in components of 200 bytes
long_dir() {
    local d=$T/long
    while [ ${#d} -lt $(($1 - 201)) ]; do d=$d/$(printf 'a%.0s' $(seq 200)); done
    printf '%s/%s' "$d" "$(printf 'b%.0s' $(seq $(($1 - ${#d} - 1))))"
}
# unicage.conf lines are at most 4096 bytes: state_dir can be 4080, and
# state_dir/users/users.enabled (+20) cannot be a path
state=$(long_dir 4080)
[ ${#state} -eq 4080 ] || fail "long_dir made ${#state} bytes"
mkdir -p "$state"
printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1001:1001::/home/alice:/bin/sh\n' > "$T/passwd"
printf 'root:x:0:\nalice:x:1001:\n' > "$T/group"
mkdir -p "$T/etc"
cat > "$UNICAGE_CONFIG" <<CONF
state_dir = $state
config_dir = $T/etc
run_dir = $T/run
passwd_file = $T/passwd
group_file = $T/group
CONF
expect_exit 3 uc enable alice
assert_grep 'File name too long' "$T/err" "enable with a long state_dir"
assert_grep "${state:0:60}" "$T/err" "the message names the path's start"
# (only the lock the verb takes first)
[ ! -e "$state/users" ] || fail "state_dir/users was made: $(ls -A "$state/users")"
# a state_dir that fits leaves room: the same command works
sed -i "s|^state_dir = .*|state_dir = $T/state|" "$UNICAGE_CONFIG"
expect_exit 0 uc enable alice
assert_grep '^alice$' "$T/state/users/users.enabled" "alice enabled with a short state_dir"
echo ok
