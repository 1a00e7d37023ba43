#!/usr/bin/env bash
# Which users are caged (CageFS habits): modes, exceptions, exclusions,
# system accounts, unknown users; users from a passwd file, never the machine's.
. "$(dirname "$0")/lib.sh"
cat > "$T/passwd" <<'PW'
root:x:0:0:root:/root:/bin/bash
daemon:x:2:2:daemon:/:/usr/sbin/nologin
alice:x:1001:1001::/home/alice:/bin/bash
bob:x:1002:1002::/home/bob:/bin/sh
carol:x:1003:1003::/home/carol:/bin/sh
svc:x:1004:1004::/home/svc:/bin/sh
PW
mkdir -p "$T/etc/exclude"
printf '# service accounts\nsvc\n' > "$T/etc/exclude/services"
cat > "$UNICAGE_CONFIG" <<CONF
passwd_file = $T/passwd
state_dir = $T/state
config_dir = $T/etc
CONF
list() { uc "$1" | tr '\n' ' '; }

expect_exit 0 uc display-user-mode
assert_grep "Mode: Disable All" "$T/out" "default mode"
assert_eq "$(list list-enabled)" "" "nobody caged by default"
expect_exit 0 uc enable alice bob
assert_eq "$(list list-enabled)" "alice bob " "enabled in Disable All"
assert_eq "$(list list-disabled)" "carol svc " "disabled (system accounts not listed)"
expect_exit 0 uc disable bob
assert_eq "$(list list-enabled)" "alice " "disable"
# toggle-mode keeps every user's state, with the other mode's exception list
expect_exit 0 uc toggle-mode
assert_grep "Mode: Enable All" "$T/out" "toggled"
assert_eq "$(list list-enabled)" "alice " "state kept across toggle"
assert_eq "$(grep -v '^$' "$T/state/users/users.disabled" | tr '\n' ' ')" "bob carol " "Enable All exceptions"
expect_exit 0 uc enable carol
assert_eq "$(list list-enabled)" "alice carol " "enable in Enable All"
expect_exit 0 uc disable-all
assert_eq "$(list list-enabled)" "" "disable-all keeps users.enabled, which is empty after the toggle"
expect_exit 0 uc enable-all
assert_eq "$(list list-enabled)" "alice carol " "enable-all keeps users.disabled"
# user-status, with reasons; system and excluded users are never caged
expect_exit 0 uc --json user-status alice bob svc daemon
python3 - "$T/out" <<'PY'
import json, sys
d = {x["user"]: x["status"] for x in json.load(open(sys.argv[1]))["data"]}
assert d["alice"] == "Enabled" and d["bob"] == "Disabled", d
assert d["svc"].startswith("Disabled (excluded"), d
assert d["daemon"].startswith("Disabled (system account"), d
PY
expect_exit 3 uc enable daemon
assert_grep "below min_uid" "$T/err" "system account"
expect_exit 3 uc enable svc
assert_grep "excluded" "$T/err" "excluded user"
# unknown user: exit 4, nothing changed
before=$(cat "$T/state/users/"*)
expect_exit 4 uc enable alice nosuch
assert_eq "$(cat "$T/state/users/"*)" "$before" "state changed by a failed enable"
expect_exit 4 uc user-status nosuch
# a bad exclude line (doc/users.md): that file excludes nobody, so the users
# it names are caged like anyone else (fail closed); listings and sessions go
# on with a warning naming file:line; a change of the state is refused (exit
# 3, nothing changed) until the file is fixed
echo "two words" >> "$T/etc/exclude/services"
before=$(cat "$T/state/users/"*)
expect_exit 3 uc enable bob
assert_grep "services:3: 'two words' is not a user name" "$T/err" "exclude file:line"
assert_eq "$(cat "$T/state/users/"*)" "$before" "state changed while exclude/ is broken"
expect_exit 0 uc list-enabled
assert_eq "$(tr '\n' ' ' < "$T/out")" "alice carol svc " "svc caged: its exclusion is unreadable"
assert_grep "services:3: 'two words' is not a user name" "$T/err" "warning naming file:line"
expect_exit 0 uc --json user-status svc
assert_grep '"Enabled"' "$T/out" "svc's status"
expect_exit 3 uc enable
expect_exit 3 uc list-enabled alice

# user-status of several users reports each; an unknown one is said, does
# not hide the others, and the exit is 4
echo > "$T/etc/exclude/services"
expect_exit 4 uc user-status alice nosuch bob
assert_grep "^alice: Enabled" "$T/out" "alice reported beside an unknown user"
assert_grep "^nosuch: unknown user" "$T/out" "the unknown user said"
assert_grep "^bob: Disabled" "$T/out" "bob reported after an unknown user"
expect_exit 4 uc --json user-status nosuch alice
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["metadata"]["result"] == "NotFound", d
st = {x["user"]: x["status"] for x in d["data"]}
assert st == {"nosuch": "unknown user", "alice": "Enabled"}, st
PY
# -q: the verbs that change something say nothing; reports still print
for v in "enable carol" "disable carol" "toggle-mode" "toggle-mode" "enable-all" "disable-all"; do
    # shellcheck disable=SC2086
    expect_exit 0 uc -q $v
    assert_eq "$(cat "$T/out")" "" "-q $v printed"
    # shellcheck disable=SC2086
    expect_exit 0 uc $v -q
    assert_eq "$(cat "$T/out")" "" "$v -q printed"
done
expect_exit 0 uc -q display-user-mode
assert_grep "Mode: Disable All" "$T/out" "-q display-user-mode still reports"
expect_exit 0 uc -q enable alice
expect_exit 0 uc -q list-enabled
assert_grep "alice" "$T/out" "-q list-enabled still reports"
expect_exit 0 uc -q --json enable carol
assert_grep '"result":"ok"' "$T/out" "-q keeps the JSON answer"
