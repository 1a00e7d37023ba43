#!/usr/bin/env bash
# Generations: status, rollback, gc (pins respected, objects unify's trees
# still link kept), two updates at once, and kill -9 during updates: current
# always names a complete generation consistent with its manifest.
. "$(dirname "$0")/lib.sh"
scratch_ext4 "$T/fs" 512
h=$T/fs/host
mkdir -p "$h/opt/app" "$T/etc/conf.d"
for i in $(seq 1 300); do echo "file $i $(seq 1 $i)" > "$h/opt/app/f$i"; done
printf '[app]\npaths=/opt/app\n' > "$T/etc/conf.d/app.cfg"
cat > "$UNICAGE_CONFIG" <<CONF
sysroot = $h
config_dir = $T/etc
state_dir = $T/fs/state
run_dir = $T/run
CONF
skel=$T/fs/state/skel

expect_exit 4 uc status
expect_exit 0 uc init
echo changed > "$h/opt/app/f1"
expect_exit 0 uc update
echo changed again > "$h/opt/app/f1"
expect_exit 0 uc update
expect_exit 0 uc --json status
python3 - "$T/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["data"]
assert d["current"] == "gen-000003", d
assert d["generations"] == ["gen-000001", "gen-000002", "gen-000003"], d
assert d["files"]["shared"] == 300 and d["files"]["dirs"] == 2, d
assert d["objects"] == 302 and d["immutable_coverage"] == 1.0, d
assert d["bytes"] > 0 and d["allocated_bytes"] > 0, d
PY
expect_exit 0 uc status
assert_grep "current generation  gen-000003" "$T/out" "status text"

# rollback: the previous generation is current again, its content intact
expect_exit 0 uc rollback
assert_eq "$(readlink "$skel/current")" "gen-000002" "rollback"
assert_eq "$(cat "$skel/current/tree/opt/app/f1")" "changed" "rolled-back content"
# gc: gen-000001 is neither current nor pinned; gen-000003 is pinned
mkdir -p "$skel/pins" && echo gen-000003 > "$skel/pins/cage-alice"
expect_exit 0 uc --json gc
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data"]; assert d=={"generations_removed":1,"objects_removed":1,"imports_finished":0}, d' "$T/out"
assert_eq "$(ls "$skel" | grep '^gen-' | tr '\n' ' ')" "gen-000002 gen-000003 " "generations after gc"
[ -e "$T/fs/state/store/lock" ] || fail "gc removed the store's lock file"
rm "$skel/pins/cage-alice"
# an object a unified tree still links survives gc
mkdir -p "$T/fs/g1/usr" "$T/fs/g2/usr"
echo "unified" > "$T/fs/g1/usr/u"; cp -p "$T/fs/g1/usr/u" "$T/fs/g2/usr/u"
expect_exit 0 uc unify "$T/fs/g1" "$T/fs/g2"
expect_exit 0 uc gc
assert_eq "$(links "$T/fs/g1/usr/u")" 3 "unify's object kept by gc"
assert_eq "$(ls "$skel" | grep '^gen-' | tr '\n' ' ')" "gen-000002 " "unpinned generation collected"
expect_exit 4 uc rollback
assert_grep "no generation older than gen-000002" "$T/err" "nothing to roll back to"

# Two updates at once: the second fails at once naming the first, or waits.
echo "v4" > "$h/opt/app/f2"
python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"a+"); fcntl.flock(f, fcntl.LOCK_EX); f.seek(0); f.truncate(); f.write("555\n"); f.flush(); open(sys.argv[2],"w").close(); time.sleep(1)' "$T/fs/state/skel.lock" "$T/locked" &
for _ in $(seq 50); do [ -e "$T/locked" ] && break; sleep 0.1; done
expect_exit 2 uc update
assert_grep "locked by another unicage (pid 555)" "$T/err" "second update names the first"
expect_exit 0 uc update --wait-lock
wait

# kill -9 during updates: current is always a complete generation whose
# tree agrees with its manifest.
check_current() {
    local gen
    gen=$(readlink "$skel/current")
    [ -d "$skel/$gen/tree" ] && [ -f "$skel/$gen/manifest.zst" ] || fail "current $gen incomplete"
    zstd -dc "$skel/$gen/manifest.zst" > "$T/m.txt" || fail "current $gen: manifest unreadable"
    tail -n 1 "$T/m.txt" | grep -q '^checksum sha256 ' || fail "current $gen: no checksum"
    want=$(sed '1d;$d' "$T/m.txt" | cut -f1 | sort)
    got=$(cd "$skel/$gen/tree" && find . -mindepth 1 | sed 's|^\.||' | sort)
    [ "$want" == "$got" ] || fail "current $gen: tree and manifest disagree"
}
# each kill lands within one update's time (measured here, in 0.1 ms: a
# fixed range missed more updates as they got faster)
for f in $(seq 1 7 300); do echo "probe" >> "$h/opt/app/f$f"; done
s0=$(date +%s%N)
expect_exit 0 uc update
span=$(( ($(date +%s%N) - s0) / 100000 ))
[ "$span" -ge 10 ] || span=10
check_current
killed=0
for i in $(seq 1 ${UC_KILL_ROUNDS:-35}); do
    for f in $(seq $((i % 7 + 1)) 7 300); do echo "round $i" >> "$h/opt/app/f$f"; done
    "$UC" update > /dev/null 2>&1 &
    pid=$!
    sleep "0.$(printf %04d $((RANDOM % span)))"
    kill -9 $pid 2>/dev/null && killed=$((killed + 1))
    wait $pid 2>/dev/null || true
    check_current
done
echo "killed $killed updates midway"
[ "$killed" -ge 10 ] || fail "too few updates killed midway ($killed)"
expect_exit 0 uc update
check_current
assert_eq "$(ls "$skel" | grep -c '\.tmp$')" 0 "leftovers of killed updates removed"
for f in $(seq 1 300); do
    cmp -s "$skel/current/tree/opt/app/f$f" "$h/opt/app/f$f" || fail "f$f differs from the host after the final update"
done
expect_exit 0 uc update
assert_grep "nothing to do" "$T/out" "settled"
