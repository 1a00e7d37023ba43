#!/usr/bin/env bash
# Run every tests/integration/t-*.sh against the real binary, each in a new
# private mount namespace (unshare -m --propagation private; a test with a
# line "# unshare: -n -i" also gets new network and IPC namespaces) with its
# own temporary root; prints one line per test and "N passed, N failed, N skipped".
#   tests/integration/run.sh /abs/path/to/unicage [t-name...]
# UNICAGE_TEST_MUST_WORK=1 (CI): a skipped test counts as a failure, but for
# the tests named in UNICAGE_TEST_MAY_SKIP (CI's sanitizer run: services
# cannot load a sanitizer-built PAM module).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export UNICAGE_BIN=${1:?usage: run.sh UNICAGE_BINARY [tests...]}
shift
export UNICAGE_SRC=$(cd "$here/../.." && pwd)
export UNICAGE_SHARED=${UNICAGE_SHARED:-$(cd "$UNICAGE_SRC/.." && pwd)/shared}
must=${UNICAGE_TEST_MUST_WORK:-0}

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=("$here"/t-*.sh)

pass=0 fail=0 skip=0
# Fixture RPMs are built once per run and shared (read-only) by the tests.
export UC_FIXTURE_CACHE=$(mktemp -d /tmp/unicage-fixtures.XXXXXX)
trap 'rm -rf "$UC_FIXTURE_CACHE"' EXIT

# unicage's default places that exist before the run (an installed
# unicage's): only new ones count against a test
host_had=()
for p in /run/unicage /etc/unicage /var/lib/unicage; do [ -e "$p" ] && host_had+=("$p"); done
for t in "${tests[@]}"; do
    [ -f "$t" ] || t="$here/$t"
    name=$(basename "$t" .sh)
    log="$UC_FIXTURE_CACHE/$name.log"
    if [ "$(id -u)" != 0 ]; then
        rc=77
        echo "integration tests need root (mount namespaces, rpm --root)" > "$log"
    elif ! unshare -m --propagation private true 2>/dev/null; then
        rc=77
        echo "unshare -m --propagation private is not permitted here" > "$log"
    else
        # a test that starts services or tests IPC asks for more with a
        # header line "# unshare: -n -i" (only these flags are taken)
        extra=$(sed -n 's/^# unshare: \(\(-[ni] *\)*\)$/\1/p' "$t" | head -n 1)
        start=$(date +%s%N)
        # shellcheck disable=SC2086
        unshare -m $extra --propagation private bash "$t" > "$log" 2>&1
        rc=$?
        # a test never touches the host: unicage's default places must not
        # appear (a unicage.conf without run_dir made /run/unicage so)
        for p in /run/unicage /etc/unicage /var/lib/unicage; do
            if [ -e "$p" ] && ! printf '%s\n' "${host_had[@]}" | grep -qx "$p"; then
                echo "FAIL: the test made $p on the host" >> "$log"
                rc=1
                host_had+=("$p")
            fi
        done
    fi
    tenths=$(( ($(date +%s%N) - ${start:-$(date +%s%N)}) / 100000000 ))
    secs="$((tenths / 10)).$((tenths % 10))"
    case $rc in
    0) pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
    77)
        reason=$(tail -n 1 "$log")
        if [ "$must" = 1 ] && [[ " ${UNICAGE_TEST_MAY_SKIP:-} " != *" $name "* ]]; then
            fail=$((fail + 1)); echo "FAIL $name: skipped, but UNICAGE_TEST_MUST_WORK=1: $reason"
        else
            skip=$((skip + 1)); echo "SKIP $name: $reason"
        fi ;;
    *)
        fail=$((fail + 1)); echo "FAIL $name (exit $rc)"
        # a suite of many cases (t-contain) says "=> CASE: FAIL": what led
        # to each, then the end of the log
        grep -B 12 -E '^=> .*: FAIL' "$log" | sed 's/^/    : /' | head -n 120
        sed 's/^/    | /' "$log" | tail -n 40 ;;
    esac
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
