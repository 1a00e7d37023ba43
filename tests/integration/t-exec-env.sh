#!/usr/bin/env bash
# exec for panels and web servers (issue 14, CageFS cagefs_enter_user):
# a CGI-style script run through `exec --env QUERY_STRING=... --keep-env
# REQUEST_METHOD,...` gets those variables and nothing else of the caller's;
# --env wins over the defaults and over --keep-env; bad names, empty names,
# names with '=' are refused (exit 3), and so is any of these
# options for root's `enter`; --cwd DIR in the cage (absolute, relative to
# the home, through a symlink that resolves inside the cage) and its
# refusals: '..' (3), a /proc magic link to a host directory held on a
# descriptor (3), a directory the cage does not have (4), one alice may not
# enter (2), not a directory (3); no CMD: alice's login shell (her
# ~/.profile read), on a terminal through script(1) (a relayed pty, its
# exit status) and without one. Both the small front (a current cage) and
# the full binary (unicage-core).
. "$(dirname "$0")/lib.sh"
cage_fixture
"$UNICAGE_SRC/scripts/make-cage-host.sh" "$h" grep >/dev/null
core=$(dirname "$UC")/unicage-core
expect_exit 0 uc init
expect_exit 0 uc enable alice
a=$h/home/alice
cat > "$a/cgi.sh" <<'SH'
#!/bin/sh
printf 'Status: 200\n\n'
echo "qs=$QUERY_STRING"
echo "method=$REQUEST_METHOD ua=${HTTP_USER_AGENT:-} unset=${NOT_SET-absent} secret=${SECRET-absent}"
echo "home=$HOME path=$PATH user=$USER"
SH
mkdir -p "$a/site/sub"
ln -s /etc "$a/etc-link"
ln -s "$T" "$a/host-link"   # a host directory the cage does not have
ln -s /proc/self/fd/3 "$a/fd-link"
mkdir -m 0700 "$a/rootonly"
chown -R 1001:1001 "$a/cgi.sh" "$a/site"
chmod 0755 "$a/cgi.sh"
echo 'echo "profile read"' > "$a/.profile"; chown 1001:1001 "$a/.profile"

# --- a CGI through exec: the full binary first (it mounts the cage), then the front
for who in core front; do
    if [ $who = core ]; then run=("$core"); else run=(env UNICAGE_CORE=/nonexistent "$UC"); fi
    env -i PATH=/usr/bin:/bin UNICAGE_CONFIG="$UNICAGE_CONFIG" REQUEST_METHOD=GET \
        HTTP_USER_AGENT='curl/8 (x; y)' SECRET=hunter2 \
        "${run[@]}" exec alice --env 'QUERY_STRING=a=1&b=x y' \
        --keep-env REQUEST_METHOD,HTTP_USER_AGENT,NOT_SET -- /home/alice/cgi.sh > "$T/out" 2> "$T/err" ||
        fail "$who: the CGI through exec: $(cat "$T/err")"
    assert_eq "$(sed -n 3p "$T/out")" "qs=a=1&b=x y" "$who: --env QUERY_STRING (the value's '=' kept)"
    assert_eq "$(sed -n 4p "$T/out")" "method=GET ua=curl/8 (x; y) unset=absent secret=absent" \
        "$who: --keep-env names only (an unset one stays unset; nothing else of the caller)"
    assert_eq "$(sed -n 5p "$T/out")" "home=/home/alice path=/usr/local/bin:/usr/bin:/bin user=alice" \
        "$who: the defaults stay"
    [ -e "$T/run/ns/alice.1" ] || fail "$who: no cage"
done
# --env wins over the defaults and over --keep-env; the command is alice's
REQUEST_METHOD=POST UNICAGE_CORE=/nonexistent expect_exit 0 uc exec alice --keep-env REQUEST_METHOD \
    --env REQUEST_METHOD=PUT --env HOME=/home/alice/site --env PATH=/bin -- \
    sh -c 'echo "$REQUEST_METHOD $HOME $PATH $(id -un)"'
assert_eq "$(cat "$T/out")" "PUT /home/alice/site /bin alice" "--env wins"
# options before USER too (getopt), '--env=' form
expect_exit 0 uc exec --env=X=1 alice --env=Y= -- sh -c 'echo "[$X][${Y-unset}]"'
assert_eq "$(cat "$T/out")" "[1][]" "--env before USER and --env=VAR=VAL, an empty value"
# LD_PRELOAD of the caller is not kept; one given with --env is the command's
# own (alice's ids, no_new_privs: what she could set herself)
LD_PRELOAD=/nonexistent-lib.so expect_exit 0 uc exec alice -- sh -c 'echo "${LD_PRELOAD-none}"'
assert_eq "$(cat "$T/out")" "none" "the caller's LD_PRELOAD does not go in"
expect_exit 0 uc exec alice --env LD_LIBRARY_PATH=/home/alice/lib -- sh -c 'echo "$LD_LIBRARY_PATH $(id -u)"; grep NoNewPrivs /proc/self/status'
assert_eq "$(head -n 1 "$T/out")" "/home/alice/lib 1001" "--env LD_LIBRARY_PATH: the command's, as alice"
assert_grep "NoNewPrivs:	1" "$T/out" "no_new_privs with --env"
# a long value passes (the kernel bounds one string at 128 kB: unicage
# itself could not be started with a longer one)
big=$(head -c 100000 /dev/zero | tr '\0' x)
expect_exit 0 uc exec alice --env "BIG=$big" -- sh -c 'echo ${#BIG}'
assert_eq "$(cat "$T/out")" 100000 "a 100 kB value"

# --- refused: bad names, and any of these for root's enter ------------------------
for bad in '=x' 'A' '1A=x' 'A B=x' 'A-B=x' "$(printf 'A\nB=x')" ''; do
    expect_exit 3 uc exec alice --env "$bad" -- true
    assert_grep "exec: --env takes VAR=VALUE" "$T/err" "--env '$bad'"
done
for bad in 'A,' ',A' 'A,,B' 'A=B' '' 'A B'; do
    expect_exit 3 uc exec alice --keep-env "$bad" -- true
    assert_grep "exec: --keep-env takes" "$T/err" "--keep-env '$bad'"
done
expect_exit 3 uc exec alice --env
for opt in "--env X=1" "--keep-env TERM" "--cwd /tmp"; do
    # shellcheck disable=SC2086
    expect_exit 3 uc enter alice $opt -- id -u
    assert_grep "are exec's" "$T/err" "enter $opt refused"
    # shellcheck disable=SC2086
    expect_exit 3 uc enter $opt alice -- id -u
done

# --- --cwd -----------------------------------------------------------------------
for who in core front; do
    if [ $who = core ]; then run=("$core"); else run=(env UNICAGE_CORE=/nonexistent "$UC"); fi
    expect_exit 0 "${run[@]}" exec alice --cwd /home/alice/site/sub -- sh -c 'pwd -P'
    assert_eq "$(cat "$T/out")" /home/alice/site/sub "$who: --cwd absolute"
    expect_exit 0 "${run[@]}" exec alice --cwd site -- sh -c 'pwd -P'
    assert_eq "$(cat "$T/out")" /home/alice/site "$who: --cwd relative to the home"
    # a symlink out of the home resolves in the cage: the cage's /etc
    expect_exit 0 "${run[@]}" exec alice --cwd etc-link -- sh -c 'pwd -P; cat ./passwd'
    assert_eq "$(head -n 1 "$T/out")" /etc "$who: a symlink to /etc: the cage's /etc"
    grep -q '^bob:' "$T/out" && fail "$who: --cwd through a symlink reached the host's /etc"
    expect_exit 3 "${run[@]}" exec alice --cwd /home/alice/site/../.. -- true
    assert_grep "no '\.\.'" "$T/err" "$who: --cwd with '..'"
    expect_exit 3 "${run[@]}" exec alice --cwd ../bob -- true
    # a descriptor on a host directory: /proc/self/fd/3 is a magic link
    expect_exit 3 "${run[@]}" exec alice --preserve-fds 1 --cwd /proc/self/fd/3 -- sh -c 'pwd -P; ls' 3< "$T"
    assert_grep "magic link" "$T/err" "$who: --cwd through /proc/self/fd"
    grep -q "unicage.conf" "$T/out" && fail "$who: --cwd reached the host's $T"
    expect_exit 3 "${run[@]}" exec alice --preserve-fds 1 --cwd fd-link -- true 3< "$T"
    expect_exit 4 "${run[@]}" exec alice --cwd host-link -- true
    assert_grep "No such file" "$T/err" "$who: a symlink to a host directory the cage lacks"
    expect_exit 4 "${run[@]}" exec alice --cwd /no/such/dir -- true
    expect_exit 2 "${run[@]}" exec alice --cwd rootonly -- true
    assert_grep "Permission denied" "$T/err" "$who: a directory alice may not enter"
    expect_exit 3 "${run[@]}" exec alice --cwd /etc/passwd -- true
    assert_grep "not a directory" "$T/err" "$who: --cwd of a file"
done
expect_exit 3 uc exec alice --cwd '' -- true

# --- no CMD: alice's login shell ---------------------------------------------------
rc=0; printf 'echo "arg0=$0 id=$(id -un)"; exit 5\n' | uc exec alice > "$T/out" 2>&1 || rc=$?
assert_eq "$rc" 5 "the login shell's exit status (no terminal)"
assert_grep '^arg0=-sh id=alice$' "$T/out" "a login shell as alice"
assert_grep '^profile read$' "$T/out" "the login shell read ~/.profile"
rc=0
printf '[ -t 0 ] && [ -t 1 ] && echo on-a-tty; echo "arg0=$0 pwd=$(pwd)"; exit 6\n' |
    script -qefc "env UNICAGE_CORE=/nonexistent $UC exec alice --cwd site" "$T/typescript" > "$T/script.out" 2>&1 || rc=$?
tr -d '\r' < "$T/typescript" > "$T/out"
assert_eq "$rc" 6 "on a terminal: the shell's exit status"
assert_grep 'arg0=-sh pwd=/home/alice/site$' "$T/out" "on a terminal: the login shell in --cwd"
grep -Eq '(^|\$ )on-a-tty$' "$T/out" || fail "on a terminal: the login shell's stdin and stdout are a terminal (the relayed pty)"
expect_exit 0 uc umount-all
echo "t-exec-env: ok"
