#!/usr/bin/env bash
# unicage tmpwatch (issue 15, doc/proxy.md "tmpwatch"): files not accessed
# for N hours go from every cage's /tmp (~/.unicage/tmp) and the
# tmpwatch_dirs (@ directories of cage.mp), new ones stay, the user's fsuid
# (a root-owned directory's files stay), links are removed as links, and a
# directory swapped for a link to her home while tmpwatch is inside it
# (UNICAGE_TEST_TMPWATCH_PAUSE) makes it delete nothing outside the tree.
. "$(dirname "$0")/lib.sh"
cage_fixture
echo "@/var/lib/php/sessions,700" > "$T/etc/cage.mp"
mkdir -p "$h/var/lib/php"
echo "tmpwatch_dirs = /var/lib/php/sessions" >> "$UNICAGE_CONFIG"
expect_exit 0 uc init
expect_exit 0 uc enable alice bob
expect_exit 0 uc mount alice bob
at=$h/home/alice/.unicage/tmp bt=$h/home/bob/.unicage/tmp ps=$h/home/alice/.unicage/var/lib/php/sessions
[ -d "$at" ] && [ -d "$bt" ] && [ -d "$ps" ] || fail "the cages' directories are not there"
mk() { # PATH OWNER [old]
    mkdir -p "$(dirname "$1")"; echo data > "$1"; chown "$2" "$1"
    [ "${3:-}" != old ] || touch -h -a -m -d '40 days ago' "$1"
}
mk "$at/old" 1001:1001 old
mk "$at/new" 1001:1001
mk "$at/d/e/inner-old" 1001:1001 old
mk "$at/d/inner-new" 1001:1001
chown -R 1001:1001 "$at/d"
mkdir "$at/rootdir"; mk "$at/rootdir/roots-old" 0:0 old
mk "$bt/bobs-old" 1002:1002 old
mk "$ps/sess_old" 1001:1001 old
mk "$ps/sess_new" 1001:1001
mkdir -p "$h/home/alice/keep"; mk "$h/home/alice/keep/mine" 1001:1001 old
ln -s "$h/home/alice/keep" "$at/link-out"; touch -h -a -m -d '40 days ago' "$at/link-out"
touch -a -m -d '40 days ago' "$at/d/e" "$at/rootdir"
# a directory only a group of root's may write (root:4242, 0770): her
# cleaning runs with her groups, not root's (review finding: setfsuid
# alone kept them)
mkdir "$at/grp"; chown 0:4242 "$at/grp"; chmod 0770 "$at/grp"; mk "$at/grp/f" 0:4242 old
expect_exit 0 setpriv --groups 0,4242 -- "$UC" tmpwatch -v --hours 24
[ -e "$at/grp/f" ] || fail "a file only a group of root's could remove went: root's groups were kept"
for f in old d/e/inner-old link-out; do [ ! -e "$at/$f" ] && [ ! -L "$at/$f" ] || fail "$f not removed"; done
[ ! -e "$at/d/e" ] || fail "an old directory emptied by tmpwatch stays"
[ ! -e "$bt/bobs-old" ] || fail "bob's cage was not cleaned"
[ ! -e "$ps/sess_old" ] || fail "the tmpwatch_dirs were not cleaned"
for f in "$at/new" "$at/d/inner-new" "$ps/sess_new" "$h/home/alice/keep/mine"; do
    [ -e "$f" ] || fail "$f was removed"
done
[ -e "$at/rootdir/roots-old" ] || fail "a file alice could not remove went: not her fsuid"
assert_grep "^removed alice /tmp/old$" "$T/out" "-v names what it removed"
assert_grep "^removed alice /var/lib/php/sessions/sess_old$" "$T/out" "-v names the cage's path"
assert_grep "^removed bob /tmp/bobs-old$" "$T/out" "bob's too"
grep -q "new" "$T/out" && fail "-v lists a file it kept"

# the default: 720 hours keeps a 40-day-old... no: 40 days is 960 hours
mk "$at/twenty-days" 1001:1001; touch -a -m -d '20 days ago' "$at/twenty-days"
expect_exit 0 uc tmpwatch
[ -e "$at/twenty-days" ] || fail "the default (720 hours) removed a 20-day-old file"
expect_exit 3 uc tmpwatch --hours x
echo "tmpwatch_hours = 24" >> "$UNICAGE_CONFIG"
expect_exit 0 uc tmpwatch
[ ! -e "$at/twenty-days" ] || fail "tmpwatch_hours = 24 kept a 20-day-old file"
sed -i '/^tmpwatch_hours/d' "$UNICAGE_CONFIG"

# a directory swapped for a link to her home while tmpwatch is inside it
# (the only directory there: the knob stops in a/ first)
rm -rf "$at/d" "$at/rootdir" "$at/grp"
mkdir -p "$at/a"; mk "$at/a/f" 1001:1001 old; chown 1001:1001 "$at/a"
touch -a -m -d '40 days ago' "$at/a"
mkdir -p "$h/home/alice/victim"; mk "$h/home/alice/victim/f" 1001:1001 old
chown 1001:1001 "$h/home/alice/victim"; touch -a -m -d '40 days ago' "$h/home/alice/victim"
# the knob's file is made with alice's fsuid (tmpwatch is her while it walks)
chmod 0755 "$T"; mkdir -m 1777 "$T/knob"; pause=$T/knob/pause
UNICAGE_TEST_TMPWATCH_PAUSE=$pause "$UC" tmpwatch -v --hours 24 > "$T/swap.out" 2>&1 & tw=$!
on_cleanup "kill $tw"
swapped=0
while kill -0 "$tw" 2>/dev/null; do
    if [ -e "$pause" ]; then
        if [ $swapped = 0 ] && [ -d "$at/a" ] && [ ! -L "$at/a" ]; then
            mv "$at/a" "$at/a.moved"; ln -s "$h/home/alice/victim" "$at/a"; swapped=1
        fi
        rm -f "$pause"
    fi
    sleep 0.01
done
wait "$tw" || fail "tmpwatch failed: $(cat "$T/swap.out")"
[ $swapped = 1 ] || fail "the pause knob never stopped tmpwatch inside a/"
[ -e "$h/home/alice/victim/f" ] || fail "a file of alice's home outside /tmp was removed through the swapped link"
[ -d "$h/home/alice/victim" ] || fail "the link's target directory was removed"
[ -L "$at/a" ] || fail "the planted link is gone (it is new: it stays)"
[ ! -e "$at/a.moved/f" ] || fail "the file in the directory tmpwatch had open stays"
expect_exit 0 uc umount-all
echo "t-tmpwatch: ok"
