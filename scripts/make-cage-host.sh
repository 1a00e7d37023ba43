#!/usr/bin/env bash
# Put real commands of this machine, with the libraries they load, into a
# fake host tree so that cages built from it can run them:
#   scripts/make-cage-host.sh ROOT CMD...
# Files go to their canonical (merged /usr) paths; ROOT gets bin, sbin, lib
# and lib64 as links into usr/ when it has none of its own.
set -euo pipefail
root=${1:?usage: make-cage-host.sh ROOT CMD...}
shift
mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib" "$root/usr/lib64"
for d in bin sbin lib lib64; do
    [ -e "$root/$d" ] || [ -L "$root/$d" ] || ln -s "usr/$d" "$root/$d"
done
put() { # HOSTPATH: the file at its canonical path, and under the name asked for
    local real dir
    real=$(readlink -f "$1")
    dir=$(readlink -f "$(dirname "$1")")
    mkdir -p "$root$(dirname "$real")" "$root$dir"
    [ -e "$root$real" ] || cp -p "$real" "$root$real"
    [ -e "$root$dir/$(basename "$1")" ] || cp -p "$real" "$root$dir/$(basename "$1")"
}
for cmd in "$@"; do
    bin=$(type -P "$cmd")
    put "$bin"
    ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do put "$lib"; done
done
