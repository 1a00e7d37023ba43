#!/usr/bin/env bash
# Run the cmocka unit test binaries; cmocka prints its own summary per binary,
# this prints the total. No root needed.
set -u
fail=0 pass=0
for t in "$@"; do
    if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $t"; fi
done
echo "unit: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
