#!/usr/bin/env python3
"""Hostile cage archives for t-export: hostile.py GOOD.tar.zst OUTDIR

Each OUTDIR/NAME.tar.zst is a zstd pax tar that begins with a well-formed
UNICAGE-MANIFEST (every file it holds listed with its true SHA-256, unless
the attack is the checksum) and carries one attack; OUTDIR/NAME.expect holds
the words the refusal must contain."""
import hashlib
import io
import os
import subprocess
import sys
import tarfile

good, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)


def manifest(files, wrong=None):
    lines = ["unicage-export 1", "host evil", "user alice", "uid 1001", "gid 1001",
             "generation gen-000001", "generation_manifest_sha256 -", "created 1",
             "enabled yes", "with_home no"]
    for name, data in files:
        h = hashlib.sha256(data).hexdigest()
        if name == wrong:
            h = hashlib.sha256(b"something else").hexdigest()
        lines.append("file %s %s" % (h, name))
    return ("\n".join(lines) + "\n").encode()


def write(name, expect, entries, files, wrong=None, raw=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        m = manifest(files, wrong)
        ti = tarfile.TarInfo("UNICAGE-MANIFEST")
        ti.size = len(m)
        t.addfile(ti, io.BytesIO(m))
        d = tarfile.TarInfo("upper")
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        t.addfile(d)
        for ti, data in entries:
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    data = raw if raw is not None else buf.getvalue()
    z = subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    with open(os.path.join(out, name + ".tar.zst"), "wb") as f:
        f.write(z)
    with open(os.path.join(out, name + ".expect"), "w") as f:
        f.write(expect)


def reg(name, data, **kw):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = 0o644
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti, data


def special(name, typ, **kw):
    ti = tarfile.TarInfo(name)
    ti.type = typ
    for k, v in kw.items():
        setattr(ti, k, v)
    return ti, None


evil = b"owned\n"
write("dotdot", "'..' component", [reg("upper/../../evil", evil)], [("upper/../../evil", evil)])
write("absolute", "absolute path", [reg("/tmp/evil", evil)], [("/tmp/evil", evil)])
write("symlink-escape", "symlink out of",
      [special("upper/esc", tarfile.SYMTYPE, linkname="../../../../../../etc"),
       reg("upper/esc/evil", evil)], [("upper/esc/evil", evil)])
write("through-symlink", "missing or a symlink",
      [special("upper/esc", tarfile.SYMTYPE, linkname="/etc"), reg("upper/esc/evil", evil)],
      [("upper/esc/evil", evil)])
write("device", "device node", [special("upper/mem", tarfile.CHRTYPE, devmajor=1, devminor=1)], [])
write("block-device", "device node", [special("upper/sda", tarfile.BLKTYPE, devmajor=8, devminor=0)], [])
write("duplicate", "duplicate", [reg("upper/dup", evil), reg("upper/dup", evil)], [("upper/dup", evil)])
write("checksum", "does not match", [reg("upper/f", evil)], [("upper/f", evil)], wrong="upper/f")
write("unlisted", "manifest does not list", [reg("upper/f", evil)], [])
write("missing", "lacks 1 file", [], [("upper/f", evil)])
ti, d = reg("upper/x", evil)
ti.pax_headers = {"SCHILY.xattr.trusted.evil": "1"}
write("trusted-xattr", "not allowed", [(ti, d)], [("upper/x", evil)])
ti, d = reg("upper/x", evil)
ti.pax_headers = {"SCHILY.xattr.system.posix_acl_access": "1"}
write("system-xattr", "not allowed", [(ti, d)], [("upper/x", evil)])
ti, d = reg("upper/x", evil)
ti.pax_headers = {"SCHILY.acl.access": "user::rw-,user:no-such-user-here:rwx,group::r--,mask::rwx,other::r--"}
write("bad-acl", "bad ACL", [(ti, d)], [("upper/x", evil)])
dti = tarfile.TarInfo("upper/d")
dti.type = tarfile.DIRTYPE
dti.mode = 0o755
dti.pax_headers = {"SCHILY.acl.default": "user::rwx,user:no-such-user-here:rwx,group::r-x,mask::rwx,other::r-x"}
write("bad-default-acl", "bad default ACL", [(dti, None)], [])
write("hardlink-out", "hardlink", [special("upper/hl", tarfile.LNKTYPE, linkname="../../etc/passwd")], [])
# "upper" itself a symlink: the overlay would write into the host's /etc
buf_entries = [special("upper", tarfile.SYMTYPE, linkname="/etc")]
def write_no_upper_dir(name, expect, entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        m = manifest([])
        ti = tarfile.TarInfo("UNICAGE-MANIFEST")
        ti.size = len(m)
        t.addfile(ti, io.BytesIO(m))
        for ti, data in entries:
            t.addfile(ti, None)
    write(name, expect, [], [], raw=buf.getvalue())
write_no_upper_dir("upper-symlink", "top of a tree must be a directory", buf_entries)
write("outside-trees", "not part of a cage archive", [reg("etc/passwd", evil)], [("etc/passwd", evil)])
# a truncated stream: the good archive cut in the middle
with open(good, "rb") as f:
    g = f.read()
with open(os.path.join(out, "truncated.tar.zst"), "wb") as f:
    f.write(g[: len(g) // 2])
with open(os.path.join(out, "truncated.expect"), "w") as f:
    f.write("truncated or corrupt")
# not an archive at all
with open(os.path.join(out, "garbage.tar.zst"), "wb") as f:
    f.write(os.urandom(4096))
with open(os.path.join(out, "garbage.expect"), "w") as f:
    f.write("zstd-compressed tar")
