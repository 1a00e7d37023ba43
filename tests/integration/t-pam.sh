#!/usr/bin/env bash
# pam_unicage.so (issue 14): its decisions through pamtester (a caged user's
# session opens and her cage is mounted; an uncaged one passes untouched;
# a cage that cannot be built is refused, with the reason in syslog, unless
# fail_open; a bad argument refuses), and su from root with a private
# /etc/pam.d/su{,-l}: `su - alice -c CMD` and `su alice -c CMD` run in
# alice's cage (her home only, no bob in /etc/passwd, only the cage's
# processes), with the walls of an entry (unshare -U fails unless
# cage_user_namespaces = yes; no_new_privs; seccomp). The users,
# /etc/pam.d and /dev/log are the test's own
# (bind mounts in its mount namespace).
. "$(dirname "$0")/lib.sh"
. "$UNICAGE_SRC/pam/testlib.sh"
command -v pamtester >/dev/null || skip "no pamtester (scripts/install-deps.sh)"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" ps id unshare grep >/dev/null
expect_exit 0 uc init
expect_exit 0 uc enable alice
pam_private_etc
pam_syslog_capture
on_cleanup 'echo "--- syslog:"; cat "$T/syslog"' >&2
ns=$T/run/ns

printf 'auth required pam_deny.so\naccount required pam_deny.so\nsession required pam_deny.so\n' > "$T/pam.d/other"
svc() { # NAME ARGS...: a session-only service with the module
    local name=$1; shift
    printf 'session required %s config=%s %s\nsession required pam_permit.so\n' \
        "$PAMMOD" "$UNICAGE_CONFIG" "$*" > "$T/pam.d/$name"
}
svc uc debug

# --- pamtester: the decisions --------------------------------------------------
expect_exit 0 pamtester uc alice open_session close_session
wait_log "alice: session joins the cage (slot 1, generation " "caged user"
[ -e "$ns/alice.1" ] || fail "the session did not mount alice's cage"
expect_exit 0 pamtester uc bob open_session close_session
wait_log "bob: not caged (Disabled)" "an uncaged user passes"
[ ! -e "$ns/bob.1" ] || fail "an uncaged user's session mounted a cage"
expect_exit 0 pamtester uc root open_session close_session
wait_log "root: not caged (Disabled (system account" "root passes"
expect_exit 0 pamtester uc nosuchuser open_session close_session
wait_log "nosuchuser: not caged" "a user unknown to unicage passes"

# a cage that cannot be built: refused (fail closed), the reason in syslog
expect_exit 0 uc enable bob
mv "$h/home/bob" "$h/home/bob.away"
expect_exit 1 pamtester uc bob open_session
wait_log "bob: session refused: " "a broken cage is refused"
grep "bob: session refused" "$T/syslog" | grep -q "home" ||
    fail "the refusal does not say why: $(grep 'bob: session refused' "$T/syslog")"
svc uc-open fail_open
expect_exit 0 pamtester uc-open bob open_session close_session
wait_log "bob: cage not joined (.*): fail_open, session uncaged" "fail_open passes"
mv "$h/home/bob.away" "$h/home/bob"
expect_exit 0 pamtester uc bob open_session close_session
[ -e "$ns/bob.1" ] || fail "bob's repaired cage was not mounted"
# a typo in the arguments weakens nothing: refused
svc uc-typo fail-open
expect_exit 1 pamtester uc-typo alice open_session
wait_log "unknown argument 'fail-open'" "a bad argument is refused"

# --- a multithreaded caller is refused -----------------------------------------
python3 - "$UNICAGE_CONFIG" > "$T/out" 2>&1 <<'PY' || { cat "$T/out"; fail "the threaded PAM caller"; }
import ctypes, sys, threading, time
pam = ctypes.CDLL("libpam.so.0")
class Conv(ctypes.Structure):
    _fields_ = [("conv", ctypes.c_void_p), ("appdata", ctypes.c_void_p)]
threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
h = ctypes.c_void_p()
assert pam.pam_start(b"uc", b"alice", ctypes.byref(Conv()), ctypes.byref(h)) == 0
print("open_session", pam.pam_open_session(h, 0))
PY
grep -q "^open_session 0$" "$T/out" && fail "a multithreaded caller joined the cage"
wait_log "alice: session refused: the calling process has [0-9]* threads" "a threaded caller is refused"

# --- su from root ----------------------------------------------------------------
pam_test_users
# the caller's environment is not taken: without config= the module reads
# /etc/unicage/unicage.conf (or the defaults), never $UNICAGE_CONFIG (here
# the test's, where alice is caged; a setuid su's caller could set it)
if [ ! -e /etc/unicage/unicage.conf ]; then
    printf 'session required %s debug\nsession required pam_permit.so\n' "$PAMMOD" > "$T/pam.d/uc-noconf"
    UNICAGE_CONFIG=$UNICAGE_CONFIG pamtester uc-noconf alice open_session close_session > /dev/null 2>&1 || true
    wait_log "(uc-noconf:session): alice: " "the module without config="
    grep "(uc-noconf:session): alice: " "$T/syslog" | grep -q "joins the cage" &&
        fail "the module took UNICAGE_CONFIG from the caller's environment"
else
    echo "note: the host has /etc/unicage/unicage.conf: the environment check not run" >&2
fi
for s in su su-l; do
    cat > "$T/pam.d/$s" <<PAM
auth     sufficient pam_rootok.so
account  required   pam_permit.so
session  required   $PAMMOD config=$UNICAGE_CONFIG debug
session  required   pam_permit.so
PAM
done
cmd='id -un; ls /home; cat /etc/passwd; ps -eo args'
for form in "su - alice -c" "su alice -c"; do
    expect_exit 0 $form "$cmd"
    assert_eq "$(sed -n 1p "$T/out")" alice "$form: runs as alice"
    assert_eq "$(sed -n 2p "$T/out")" alice "$form: ls /home shows alice's home only"
    assert_grep '^alice:' "$T/out" "$form: alice in the cage's passwd"
    grep -q '^bob:' "$T/out" && fail "$form: bob in the cage's /etc/passwd"
    grep -q 'python3\|pamtester\|t-pam' "$T/out" && fail "$form: ps shows the host's processes: $(cat "$T/out")"
    assert_grep 'ps -eo args' "$T/out" "$form: ps sees its own process"
done
rc=0; su - alice -c 'exit 5' || rc=$?
assert_eq "$rc" 5 "su: the command's exit status"
# the walls of an entry (cage_user_namespaces = no, the default)
expect_exit 0 su alice -c 'unshare -U sh -c "exit 0" 2> /tmp/e; echo "userns=$? $(cat /tmp/e)"; grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status'
assert_grep '^userns=1 unshare: .*Operation not permitted$' "$T/out" "su: unshare -U fails in the session"
assert_grep '^NoNewPrivs:	1$' "$T/out" "su: no_new_privs"
assert_grep '^Seccomp:	2$' "$T/out" "su: the seccomp filter"
wait_log "(su:session): alice: session walls: no_new_privs, seccomp filter (user namespaces refused)" "su: the walls line after the join"
# cage_user_namespaces = yes: the filter lets CLONE_NEWUSER through
echo "cage_user_namespaces = yes" >> "$UNICAGE_CONFIG"
expect_exit 0 su alice -c 'unshare -U sh -c "exit 0"; echo "userns=$?"'
assert_grep '^userns=0$' "$T/out" "su: cage_user_namespaces = yes allows a user namespace"
sed -i '/^cage_user_namespaces/d' "$UNICAGE_CONFIG"
# an uncaged user's su is the host's
expect_exit 0 uc disable bob
expect_exit 0 su bob -c 'ls /proc/1/root/ >/dev/null 2>&1; echo $$; cat /etc/passwd'
assert_grep '^alice:' "$T/out" "bob uncaged: the host's passwd"
grep -q "^[0-9]*$" "$T/out" || fail "bob's su"
# a broken cage: su refuses, nothing runs
expect_exit 0 uc enable bob
expect_exit 0 uc umount bob
mv "$h/home/bob" "$h/home/bob.away"
rc=0; su bob -c "touch $T/ran" > "$T/out" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "su succeeded without a cage"
[ ! -e "$T/ran" ] || fail "su ran the command although the cage could not be built"
mv "$h/home/bob.away" "$h/home/bob"
expect_exit 0 uc umount-all
echo "t-pam: ok"
