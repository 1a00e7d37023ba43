#!/usr/bin/env python3
"""listing.py [--no-inodes] DIR...: one line per path below each DIR, sorted:
path type mode uid gid size sha256 nlink inode-class immutable xattrs.
Inodes are numbered in order of first appearance, so two listings compare
equal when the same names share the same inodes."""
import fcntl, hashlib, os, stat, struct, sys

FS_IOC_GETFLAGS = 0x80086601


def immutable(p):
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return "-"
    try:
        buf = fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack("i", 0))
        return "i" if struct.unpack("i", buf)[0] & 0x10 else "-"
    except OSError:
        return "?"
    finally:
        os.close(fd)


def main():
    args = sys.argv[1:]
    inodes = True
    if args and args[0] == "--no-inodes":
        inodes, args = False, args[1:]
    seen = {}
    lines = []
    for top in args:
        for root, dirs, files in os.walk(top):
            dirs.sort()
            for name in sorted(dirs + files):
                p = os.path.join(root, name)
                st = os.lstat(p)
                kind = stat.S_IFMT(st.st_mode)
                digest = "-"
                if stat.S_ISREG(st.st_mode):
                    with open(p, "rb") as f:
                        digest = hashlib.sha256(f.read()).hexdigest()[:16]
                elif stat.S_ISLNK(st.st_mode):
                    digest = "->" + os.readlink(p)
                xs = ",".join(sorted("%s=%s" % (x, os.getxattr(p, x, follow_symlinks=False).hex())
                                     for x in os.listxattr(p, follow_symlinks=False)))
                key = (st.st_dev, st.st_ino)
                ino = seen.setdefault(key, len(seen)) if inodes else "-"
                lines.append("%s %o %o %d %d %d %s %d %s %s %s" % (
                    p, kind >> 12, stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid, st.st_size,
                    digest, st.st_nlink if inodes else 0, ino,
                    immutable(p) if stat.S_ISREG(st.st_mode) else "-", xs))
    print("\n".join(lines))


main()
