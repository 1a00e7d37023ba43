#!/bin/sh
# make install / make uninstall (GNUmakefile, the packaging block).
#   install.sh install MANIFEST < PLAN      PLAN lines (DEST is absolute, with DESTDIR):
#       f MODE SRC DEST     a file, replaced
#       c MODE SRC DEST     a configuration file: only when DEST does not exist
#       l TARGET DEST       a symbolic link, replaced
#   install.sh uninstall MANIFEST
# install records in MANIFEST every file, link and directory it created; a
# later install adds to it. uninstall removes exactly those: a file or link,
# a configuration file only while it is as installed (a changed one is kept
# and named), then the directories install created, if they are empty.
set -eu
cmd=${1:?usage: install.sh install|uninstall MANIFEST}
manifest=${2:?usage: install.sh install|uninstall MANIFEST}

new=$(mktemp)
trap 'rm -f "$new"' EXIT
record() { printf '%s\n' "$*" >> "$new"; }

# mkdirs DIR: create DIR and its missing parents, each recorded
mkdirs() {
    [ -d "$1" ] && return 0
    mkdirs "$(dirname "$1")"
    mkdir -m 0755 "$1"
    record "d $1"
}

do_install() {
    [ ! -f "$manifest" ] || cat "$manifest" >> "$new"
    mkdirs "$(dirname "$manifest")"
    while read -r type a b c; do
        case $type in
        f)  mkdirs "$(dirname "$c")"
            install -m "$a" "$b" "$c"
            record "f $c" ;;
        c)  mkdirs "$(dirname "$c")"
            if [ -e "$c" ] || [ -L "$c" ]; then
                echo "install: keeping $c (it exists)"
            else
                install -m "$a" "$b" "$c"
                record "c $(sha256sum < "$c" | cut -d' ' -f1) $c"
            fi ;;
        l)  mkdirs "$(dirname "$b")"
            ln -sfn "$a" "$b"
            record "l $b" ;;
        '') ;;
        *)  echo "install.sh: bad plan line: $type $a $b $c" >&2; exit 1 ;;
        esac
    done
    # one line per path (a second install records again what it replaced)
    record "f $manifest"
    awk '!seen[$NF]++' "$new" > "$manifest.tmp"
    mv "$manifest.tmp" "$manifest"
}

do_uninstall() {
    [ -f "$manifest" ] || { echo "uninstall: no $manifest: nothing installed there" >&2; exit 1; }
    # files first, then directories deepest first
    grep -v '^d ' "$manifest" | while read -r type a b; do
        case $type in
        f|l) [ "$a" = "$manifest" ] || rm -f "$a" ;;
        c)  if [ -f "$b" ] && [ "$(sha256sum < "$b" | cut -d' ' -f1)" = "$a" ]; then
                rm -f "$b"
            elif [ -e "$b" ]; then
                echo "uninstall: keeping $b (changed since it was installed)"
            fi ;;
        esac
    done
    dirs=$(grep '^d ' "$manifest" | cut -c3- | sort -r)
    rm -f "$manifest"
    for d in $dirs; do rmdir "$d" 2>/dev/null || true; done
}

case $cmd in
install) do_install ;;
uninstall) do_uninstall ;;
*) echo "usage: install.sh install|uninstall MANIFEST" >&2; exit 1 ;;
esac
