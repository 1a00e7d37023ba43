#!/usr/bin/env bash
# The man pages (man/*.scd, built by `make man` with scdoc): each renders
# with `man -l` without a warning and has NAME, SYNOPSIS and DESCRIPTION;
# unicage(8) has a section for every verb `unicage --help` lists, and each
# verb's section names every option that verb's --help names; unicage.conf(5)
# and the shipped default unicage.conf name every key the parser knows
# (lib/config.c); every page the others refer to exists. (No root needed;
# run with the integration tests because it checks the built binary.)
. "$(dirname "$0")/lib.sh"
command -v man >/dev/null || skip "no man (package man-db)"
src=$UNICAGE_SRC
bdir=$(dirname "$UC")
# the build directory (a test build of binaries sits in BUILD/test/)
[ -d "$bdir/man" ] || bdir=$(dirname "$bdir")
mandir=$bdir/man
pages=(unicage.8 unicage.conf.5 unicage-cage.mp.5 unicage-conf.d.5 pam_unicage.8)
[ -f "$src/proxy/daemon.c" ] && pages+=(unicage-proxyd.8)
render() { MANWIDTH=100 LC_ALL=C.UTF-8 man -l "$mandir/$1" 2> "$T/man.err" | col -bx; }
for p in "${pages[@]}"; do
    [ -f "$mandir/$p" ] || fail "no $p in $mandir (make man)"
    render "$p" > "$T/$p.txt"
    [ ! -s "$T/man.err" ] || { cat "$T/man.err" >&2; fail "man -l $p warned"; }
    for s in NAME SYNOPSIS DESCRIPTION; do
        grep -q "^$s$" "$T/$p.txt" || fail "$p has no $s section"
    done
    # the page's name in its header
    head -n 1 "$T/$p.txt" | grep -q "^${p%.*}(${p##*.})" || fail "$p: header is not ${p%.*}(${p##*.})"
done

# every verb has a section, naming the verb's options
"$UC" --help | awk '/^Verbs:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' > "$T/verbs"
[ "$(wc -l < "$T/verbs")" -ge 30 ] || fail "unicage --help lists $(wc -l < "$T/verbs") verbs?"
grep -E '^   [a-z][a-z-]*$' "$T/unicage.8.txt" | sed 's/^ *//' > "$T/sections"
while read -r v; do
    grep -qx -- "$v" "$T/sections" || fail "unicage(8) has no section for the verb $v"
    # the section: from its heading to the next heading
    awk -v v="   $v" '$0 == v { on = 1; next } on && /^   [a-z][a-z-]*$/ { exit } on && /^[A-Z]/ { exit } on' \
        "$T/unicage.8.txt" > "$T/section"
    "$UC" "$v" --help | sed '/^Common options:/,$d' | { grep -o -E -- '--[a-z][a-z-]+' || true; } | sort -u |
        while read -r o; do
            grep -q -- "$o" "$T/section" || fail "unicage(8), $v: no $o (it is in 'unicage $v --help')"
        done
done < "$T/verbs"
# and no section for a verb that does not exist
while read -r s; do
    grep -qx -- "$s" "$T/verbs" || fail "unicage(8) has a section for $s, which is no verb"
done < "$T/sections"

# every configuration key: in unicage.conf(5) and in the default file
sed -n 's/^ *KEY(\([a-z_]*\),.*/\1/p' "$src/lib/config.c" > "$T/keys"
[ "$(wc -l < "$T/keys")" -ge 10 ] || fail "found $(wc -l < "$T/keys") keys in lib/config.c?"
while read -r k; do
    grep -q -E "^       $k\b|^       .*, $k\b" "$T/unicage.conf.5.txt" || fail "unicage.conf(5) does not describe $k"
    case $k in
    passwd_file | group_file) ;; # NSS replaced by files: for tests, not shown to admins
    *) grep -q "^# $k = " "$src/packaging/unicage.conf" || fail "the default unicage.conf does not show $k" ;;
    esac
done < "$T/keys"

# SEE ALSO: every unicage page named exists
cat "$T"/*.txt | grep -o -E '(unicage[a-z.-]*|pam_unicage)\([58]\)' | sort -u | while read -r ref; do
    name=${ref%(*}; sec=${ref#*(}; sec=${sec%)}
    [ -f "$mandir/$name.$sec" ] || { [ "$name" = unicage-proxyd ] && [ ! -f "$src/proxy/daemon.c" ]; } ||
        fail "$ref is referred to but not built"
done
echo "man pages ok"
