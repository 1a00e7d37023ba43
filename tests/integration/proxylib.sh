# Sourced by tests/integration/t-proxy*.sh after lib.sh (doc/proxy.md):
#   proxy_fixture [WRAP...]  cage_fixture plus the wrapper in the fake
#                      host's /usr/bin as unicage-proxyexec, a stand-in file
#                      at each WRAP path given (the cage's mount binds the
#                      wrapper there), uc-proxy-client (proxy-client.c: a
#                      request made by hand), a root-owned test helper
#                      $T/bin/t-helper
#   proxy_private_etc  a copy of the host's /etc bound over /etc (passwd,
#                      shadow, pam.d: real passwd renames /etc/nshadow over
#                      /etc/shadow, which a file bind would refuse), with
#                      alice (1001) and bob (1002), passwords "alice-old-1",
#                      "bob-old-1"
#   proxy_start        unicage-proxyd --foreground, waiting for its socket
#                      ($PROXYD_WRAP, if set, is put before it: setpriv ...)
#   proxy_restart      stop it and start it again (unicage.conf changed)
PROXYD=$(dirname "$UC")/unicage-proxyd
PROXYEXEC=$(dirname "$UC")/unicage-proxyexec
[ -x "$PROXYD" ] && [ -x "$PROXYEXEC" ] || fail "no $PROXYD or $PROXYEXEC (make builds them)"

proxy_fixture() {
    cage_fixture
    "$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" kill setpriv env grep wc ln >/dev/null
    install -m 0755 "$PROXYEXEC" "$h/usr/bin/unicage-proxyexec"
    command -v cc >/dev/null || skip "no cc: the test's hand-made client is built here"
    cc -static -O2 -I"$UNICAGE_SRC" -o "$h/usr/bin/uc-proxy-client" \
        "$UNICAGE_SRC/tests/integration/proxy-client.c" "$UNICAGE_SRC/proxy/proto.c"
    local w
    # a stand-in at each wrapped path: the cage's mount binds the wrapper
    # on it (a cage that runs the stand-in has no wrapper)
    for w in "$@"; do
        mkdir -p "$(dirname "$h$w")"
        printf '#!/bin/sh\necho "not wrapped: $0" >&2; exit 99\n' > "$h$w"; chmod 0755 "$h$w"
    done
    mkdir -p "$T/bin"
    cat > "$T/bin/t-helper" <<'SH'
#!/bin/sh -p
# the test's proxied command: what it was given and how it runs (-p: dash
# keeps an effective uid that is not the real one)
case $1 in
id) echo "$(id -u) $(id -g) $(id -G) euid=$(id -u) ruid=$(id -ru) PROXYEXEC_UID=$PROXYEXEC_UID PROXYEXEC_GID=$PROXYEXEC_GID" ;;
gids) echo "rgid=$(id -rg) egid=$(id -g)" ;;
args) shift; for a in "$@"; do echo "[$a]"; done ;;
env) env | sort ;;
pwd) pwd ;;
limits) ulimit -n ;;
exit) exit "$2" ;;
kill) kill -"$2" $$ ;;
sleep) sleep 60 ;;
umask) rm -f "$2"; : > "$2"; stat -c %a "$2"; rm -f "$2" ;;
loginuid) cat /proc/self/loginuid; echo ;;
hang) trap '' TERM; sleep 60 & echo $! > "$2"; wait ;;
trap) trap 'echo got-TERM; exit 42' TERM; echo ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 3 ;;
cat) cat ;;
nnp) grep NoNewPrivs /proc/self/status ;;
wfd) shift; n=${2##*/}; bash -c "echo written >&$n" ;;
read) shift; for a; do case $a in --file=*) cat "${a#--file=}" ;; --file) ;; *) cat "$a" ;; esac; done ;;
esac
SH
    chmod 0755 "$T/bin/t-helper"
    chmod 0755 "$T" "$T/bin"
}

proxy_private_etc() {
    mkdir -p "$T/hostetc"
    cp -a /etc/. "$T/hostetc/"
    mount --bind "$T/hostetc" /etc
    # the copy is the test's: whatever the host has as alice, bob, 1001 or
    # 1002 goes from it (the host's files are not touched)
    local f
    for f in passwd shadow group gshadow; do
        [ -e "/etc/$f" ] && sed -i -E '/^(alice|bob):/d; /^[^:]*:[^:]*:100[12]:/d' "/etc/$f"
    done
    echo 'alice:x:1001:1001:Alice:/home/alice:/bin/sh' >> /etc/passwd
    echo 'bob:x:1002:1002:Bob:/home/bob:/bin/sh' >> /etc/passwd
    printf 'alice:x:1001:\nbob:x:1002:\n' >> /etc/group
    local a b
    a=$(openssl passwd -6 alice-old-1); b=$(openssl passwd -6 bob-old-1)
    printf 'alice:%s:19000:0:99999:7:::\nbob:%s:19000:0:99999:7:::\n' "$a" "$b" >> /etc/shadow
}

proxy_restart() { # after a change of unicage.conf (read at start)
    kill "$PROXYD_PID"; wait "$PROXYD_PID" 2>/dev/null || true
    cat "$T/proxyd.log" >> "$T/proxyd.log.old"
    proxy_start
}

proxy_start() {
    # a socket a stopped daemon left would pass the wait below before the
    # new daemon listens (a race the sanitizer build's slower start lost)
    rm -f "$T/run/proxy/proxyexec.sock"
    ${PROXYD_WRAP:-} "$PROXYD" --foreground -v > "$T/proxyd.log" 2>&1 & PROXYD_PID=$!
    on_cleanup "kill $PROXYD_PID; sed 's/^/proxyd.log: /' $T/proxyd.log >&2"
    local _
    for _ in $(seq 100); do [ -S "$T/run/proxy/proxyexec.sock" ] && return 0; sleep 0.05; done
    cat "$T/proxyd.log" >&2
    fail "unicage-proxyd did not start"
}
