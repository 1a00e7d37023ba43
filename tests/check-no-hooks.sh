#!/usr/bin/env bash
# The binaries `make install` installs hold no test hook (issue 17): no
# UNICAGE_TEST_* knob, no UNICAGE_CORE or UNICAGE_INIT, no import limit from
# the environment. An environment variable must not change what an installed
# root binary runs or skips. (The test build in build/test/ has them.)
#   tests/check-no-hooks.sh BINARY...
set -euo pipefail
bad=0
for b in "$@"; do
    [ -f "$b" ] || { echo "check-no-hooks: $b missing" >&2; exit 1; }
    if found=$(strings -a "$b" | grep -E 'UNICAGE_(TEST_[A-Z_]+|CORE|INIT|IMPORT_MAX_[A-Z]+)' | sort -u) && [ -n "$found" ]; then
        echo "FAIL check-no-hooks: $b holds test hooks: $(echo $found)" >&2
        bad=1
    fi
done
[ $bad = 0 ] && echo "PASS check-no-hooks ($#: no test hook in the installed binaries)"
exit $bad
