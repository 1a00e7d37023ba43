#!/usr/bin/env bash
# unshare: -n -i
# sendmail through the proxy with the shipped filters/sendmail.json
# (CVE-2020-36772's class: options that name a file, a config, a queue, a
# daemon or test mode; a file or a program in place of a recipient): every
# attack is refused before anything runs; a normal message reaches the MTA
# (a stand-in that records its arguments and stdin), with "--" before the
# recipients. The host has no MTA: custom.proxy.commands points the alias
# at the stand-in and puts the wrapper at /usr/sbin/sendmail
# (ALIAS:wrapper_name=path).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/proxylib.sh"
proxy_fixture /usr/sbin/sendmail
cp -r "$UNICAGE_SRC/proxy/defaults/filters" "$T/etc/"
mkdir -m 1777 "$T/mail"
cat > "$T/bin/mta" <<SH
#!/bin/sh
# the test's MTA: one file per message, its arguments then its stdin
f=\$(mktemp "$T/mail/msg.XXXXXX")
for a in "\$@"; do echo "[\$a]"; done > "\$f"; echo "--" >> "\$f"; cat >> "\$f"
SH
chmod 0755 "$T/bin/mta"
echo "sendmail:/usr/sbin/sendmail=$T/bin/mta" > "$T/etc/proxy.commands"
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
proxy_start
count() { find "$T/mail" -type f | wc -l; }

# a normal message, PHP's way (mail(): sendmail -t -i)
printf 'To: bob@example.com\nSubject: hi\n\nhello bob\n' > "$T/msg"
expect_exit 0 uc exec alice -- sh -c '/usr/sbin/sendmail -t -i < /dev/stdin' < "$T/msg"
[ "$(count)" = 1 ] || fail "the message did not reach the MTA"
m=$(find "$T/mail" -type f)
assert_eq "$(cat "$m")" "[-t]
[-i]
--
To: bob@example.com
Subject: hi

hello bob" "the MTA got the arguments and the message"
[ "$(stat -c %u "$m")" = 1001 ] || fail "the MTA did not run as alice"
rm -f "$m"
expect_exit 0 uc exec alice -- sh -c 'echo body | /usr/sbin/sendmail -i -f alice@example.com bob@example.com carol@example.com'
m=$(find "$T/mail" -type f)
assert_eq "$(head -n 6 "$m")" "[-i]
[-f]
[alice@example.com]
[--]
[bob@example.com]
[carol@example.com]" "'--' goes before the recipients"
rm -f "$m"

# the attacks: each refused (2), nothing reaches the MTA
attack() {
    rc=0; uc exec alice -- /usr/sbin/sendmail "$@" < /dev/null > "$T/out" 2> "$T/err" || rc=$?
    [ "$rc" = 2 ] || fail "sendmail $* exited $rc (expected the proxy's refusal, 2): $(cat "$T/err")"
    [ "$(count)" = 0 ] || fail "sendmail $* reached the MTA"
}
attack -bi                        # initialise the alias database (with -oA: any file)
attack -bi -oA/home/alice/.ssh/authorized_keys
attack -t -oA/tmp/aliases
attack -oQ/tmp/queue -t
attack -C/etc/shadow -bv root
attack -C /etc/shadow
attack -O QueueDirectory=/tmp -t
attack -X /tmp/log -t             # traffic log to a file of her choice
attack -be '${readfile{/etc/shadow}}'   # exim's expansion test mode
attack -bd                        # a daemon
attack -bp                        # the whole host's queue
attack -bs                        # raw SMTP on stdin
attack -q                         # run the queue
attack -qRexample.com
attack -d0-99                     # debug output
attack -D MACRO=x
attack -oL99
attack /home/alice/mbox           # a file as a recipient
attack '|/bin/sh -c id'           # a program as a recipient
attack -i -- -oA/tmp/x            # an option smuggled after --
attack -ti                        # grouped options are not split: refused whole
attack -i -f                      # a value option without its value
assert_grep "option -f needs a value" "$T/err" "a value option needs its value"
expect_exit 2 uc exec alice -- /usr/sbin/sendmail -oA/tmp/x
assert_grep "option -oA/tmp/x is not allowed" "$T/err" "the refusal names the option"
[ "$(count)" = 0 ] || fail "a refused request reached the MTA"
echo "t-proxy-sendmail: ok"
