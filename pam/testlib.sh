# Sourced by tests/integration/t-pam*.sh after lib.sh (inside the test's
# private mount namespace; nothing here reaches the host's files):
#   pam_private_etc      $T/pam.d bound over /etc/pam.d (services written
#                        there by the test); $PAMMOD the built module
#   pam_syslog_capture   a private /dev (the host's nodes bound in) whose
#                        /dev/log is a listener writing $T/syslog
#   pam_test_users       $T/hostetc/{passwd,group,shadow}: the host's
#                        plus alice (1001) and bob (1002), bound over /etc's
#                        files (NSS of su and sshd finds them)
PAMMOD=$(dirname "$UC")/pam_unicage.so
[ -e "$PAMMOD" ] || fail "no $PAMMOD (make builds it)"
# `make SANITIZE=...`: a module with the ASan runtime cannot be loaded by a
# service that was not started with it (ASan must come first)
if nm -D "$PAMMOD" 2>/dev/null | grep __asan_init > /dev/null; then  # no -q: pipefail and SIGPIPE
    skip "$PAMMOD is built with the sanitizers: sshd, su, cron and pamtester cannot load it"
fi

pam_private_etc() {
    mkdir -p "$T/pam.d"
    mount --bind "$T/pam.d" /etc/pam.d
}

pam_syslog_capture() {
    mkdir -p "$T/hostdev"
    mount --rbind /dev "$T/hostdev"
    mount -t tmpfs -o mode=0755 uc-dev /dev
    local n
    for n in null zero full random urandom tty; do
        touch "/dev/$n"; mount --bind "$T/hostdev/$n" "/dev/$n"
    done
    mkdir /dev/pts /dev/shm
    # a devpts of the test's own (script, ssh -tt): the host's is not reached
    mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 uc-devpts /dev/pts
    ln -s pts/ptmx /dev/ptmx
    mount -t tmpfs -o mode=1777 uc-shm /dev/shm
    ln -s /proc/self/fd /dev/fd
    ln -s /proc/self/fd/0 /dev/stdin; ln -s /proc/self/fd/1 /dev/stdout; ln -s /proc/self/fd/2 /dev/stderr
    : > "$T/syslog"
    python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log"); os.chmod("/dev/log", 0o666)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        f.write(s.recv(65536).rstrip(b"\0\n") + b"\n")
' "$T/syslog" & PAM_SYSLOG_PID=$!
    on_cleanup "kill $PAM_SYSLOG_PID"
    for _ in $(seq 100); do [ -e "$T/syslog.ready" ] && return 0; sleep 0.05; done
    fail "the syslog listener did not start"
}

# wait_log PATTERN MSG: the line lands in $T/syslog (datagrams are async)
wait_log() {
    for _ in $(seq 60); do grep -q -- "$1" "$T/syslog" && return 0; sleep 0.05; done
    cat "$T/syslog" >&2
    fail "$2: no '$1' in the syslog"
}

pam_test_users() {
    mkdir -p "$T/hostetc"
    local f
    for f in passwd group shadow; do
        cp "/etc/$f" "$T/hostetc/$f"
        mount --bind "$T/hostetc/$f" "/etc/$f"
    done
    grep -q '^alice:' /etc/passwd && fail "the host has an alice: the test's users would clash"
    echo 'alice:x:1001:1001:Alice:/home/alice:/bin/sh' >> "$T/hostetc/passwd"
    echo 'bob:x:1002:1002:Bob:/home/bob:/bin/sh' >> "$T/hostetc/passwd"
    printf 'alice:x:1001:\nbob:x:1002:\n' >> "$T/hostetc/group"
    # '*': no password login; key or root's su only
    printf 'alice:*:19000:0:99999:7:::\nbob:*:19000:0:99999:7:::\n' >> "$T/hostetc/shadow"
}
