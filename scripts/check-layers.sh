#!/usr/bin/env bash
# The house of modules (../shared/DESIGN.md, "Code layout"; the GNUmakefile's
# MODULES): a module includes headers of its own level and below, never of
# a module above it, nor of another module of its level. Fails naming each
# #include that runs back up.
#   scripts/check-layers.sh   (from the top of the source tree)
set -euo pipefail
# lowest first; modules on one line are one level (neither includes the
# other). skel counts its generations' disk use with unify's vdu, so unify
# is below skel.
levels=(
    "lib"
    "rpmscan"
    "unify"
    "skel"
    "mount"
    "enter"
    "check export"
    "proxy"
    "pam cli"
)
# known arrows, to be removed (and taken out of here): "FILE HEADER"
allowed=(
)
declare -A level
for i in "${!levels[@]}"; do
    for m in ${levels[$i]}; do level[$m]=$i; done
done
bad=
for m in "${!level[@]}"; do
    for f in "$m"/*.c "$m"/*.h "$m"/*/*.c "$m"/*/*.h; do
        [ -e "$f" ] || continue
        while IFS= read -r inc; do
            t=${inc%%/*}
            [ -n "${level[$t]+x}" ] && [ "$t" != "$m" ] || continue
            [ "${level[$t]}" -lt "${level[$m]}" ] && continue
            case " ${allowed[*]} " in *" $f $inc "*) continue ;; esac
            bad="$bad$f includes $inc ($t is not below $m)"$'\n'
        done < <(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([a-z]*\/[^"]*\)".*/\1/p' "$f")
    done
done
if [ -n "$bad" ]; then
    echo "check-layers: an include runs back up the house of modules (${levels[*]}):" >&2
    printf '%s' "$bad" | sort | sed 's/^/  /' >&2
    exit 1
fi
echo "check-layers: no include runs back up (${#allowed[@]} known arrow(s) listed in the script)"
