#!/usr/bin/env bash
# Bash completion (completion/unicage.bash), sourced into a bash and called
# as bash calls it (COMP_WORDS, COMP_CWORD): verbs (all of `unicage --help`'s),
# global options, each verb's options, users from unicage's lists (disable:
# the caged ones, enable: the others, umount/remount: those with a cage),
# packages for addrpm from the rpmdb of the configured sysroot (and never
# a ~/.rpmdb made on the way), delrpm from rpm.list, -c FILE's
# configuration rather than UNICAGE_CONFIG's, the vunify link, commands
# after exec USER --.
. "$(dirname "$0")/lib.sh"
export HOME=$T/home
mkdir -p "$HOME"
h=$T/host
fixture_root "$h"
cat > "$T/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
alice:x:1001:1001::/home/alice:/bin/sh
bob:x:1002:1002::/home/bob:/bin/sh
carol:x:1003:1003::/home/carol:/bin/sh
PW
mkdir -p "$T/etc"
cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $h
config_dir = $T/etc
state_dir = $T/state
run_dir = $T/run
passwd_file = $T/passwd
CONF
expect_exit 0 uc enable alice carol
expect_exit 0 uc addrpm uc-core

# comp WORD...: the completions of the last word, sorted, one line
comp() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _unicage
             printf "%s\n" "${COMPREPLY[@]}" | sort -u | tr "\n" " "' \
        comp "$UNICAGE_SRC/completion/unicage.bash" "$@"
}
check() { # WANT WORD...
    local want=$1 got
    shift
    got=$(comp "$@")
    assert_eq "${got% }" "$want" "completion of '$*'"
}
check "update update-etc update-list" "$UC" up
check "--config" "$UC" --con
# every verb, nothing else
"$UC" --help | awk '/^Verbs:/ { on = 1; next } on && /^$/ { exit } on { print $1 }' | sort | tr '\n' ' ' > "$T/verbs"
check "$(sed 's/ $//' "$T/verbs")" "$UC" ""
check "--dont-clean --dry-run" "$UC" update --d
check "--preserve-fds --pty" "$UC" exec alice --p
check "--kill" "$UC" -v remount --k
check "--split" "$(dirname "$UC")/vunify" --sp
# users
check "alice carol" "$UC" disable ""
check "bob" "$UC" enable ""
check "carol" "$UC" user-status c
check "alice carol" "$UC" exec ""
check "" "$UC" export alice "" # one USER only
# packages
check "uc-base uc-core uc-extra uc-lib uc-over" "$UC" addrpm uc-
check "uc-core" "$UC" delrpm ""
[ ! -e "$HOME/.rpmdb" ] || fail "completion made ~/.rpmdb"
# -c FILE wins over UNICAGE_CONFIG: another state where only bob is caged
sed "s|^state_dir = .*|state_dir = $T/state2|" "$UNICAGE_CONFIG" > "$T/other.conf"
UNICAGE_CONFIG=$T/other.conf expect_exit 0 uc enable bob
check "bob" "$UC" -c "$T/other.conf" disable ""
check "alice carol" "$UC" disable ""
# after --: commands
grep -qw bash <<< "$(comp "$UC" exec alice -- bas)" || fail "no bash after 'exec alice --'"
echo "completion ok"
