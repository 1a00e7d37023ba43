#!/usr/bin/env python3
"""rpm is the referee: compare `unicage rpmscan --tsv` with rpm itself.

  rpm_oracle.py db UNICAGE ROOT DBPATH        every package of an rpmdb, rpm -qa --qf
  rpm_oracle.py pkg UNICAGE FILE...           .rpm files, rpm -qp --qf
  rpm_oracle.py verify UNICAGE ROOT DBPATH    --verify against rpm -Vv -a, and what
                                              it flags against rpm -Va

Each rpm tag is queried as its own array (a package lacking one tag must not
break the others), then zipped per package. Exit 0 when every file agrees;
otherwise every difference is printed and the exit code is 1.
"""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile

# Debian's rpm keeps its default database under ~/.rpmdb: a HOME of our own,
# so no run can create or read one of the caller's (every call also passes
# --dbpath).
os.environ["HOME"] = tempfile.mkdtemp(prefix="rpm-oracle-home.")
atexit.register(shutil.rmtree, os.environ["HOME"], True)

TAGS = ["FILENAMES", "FILEFLAGS", "FILESTATES:fstate", "FILEMODES", "FILEUSERNAME",
        "FILEGROUPNAME", "FILESIZES", "LONGFILESIZES", "FILEMTIMES", "FILEDIGESTS",
        "FILELINKTOS"]
FLAG_BITS = {"config": 1 << 0, "doc": 1 << 1, "missingok": 1 << 3, "noreplace": 1 << 4,
             "specfile": 1 << 5, "ghost": 1 << 6, "license": 1 << 7, "readme": 1 << 8,
             "artifact": 1 << 12}
ALGOS = {1: "md5", 2: "sha1", 8: "sha256", 9: "sha384", 10: "sha512", 11: "sha224"}
TYPES = {0o100000: "file", 0o040000: "dir", 0o120000: "symlink", 0o020000: "char",
         0o060000: "block", 0o010000: "fifo", 0o140000: "socket"}
STATES = {"normal": "normal", "replaced": "replaced", "not installed": "notinstalled",
          "net shared": "netshared", "wrong color": "wrongcolor"}
COLS = ["nevra", "path", "type", "mode", "user", "group", "size", "mtime", "digest_algo",
        "digest", "link", "flags", "state", "class", "verify"]


def run(cmd, ok_codes=(0,)):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode not in ok_codes:
        sys.exit("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd),
                                                 p.stderr.decode(errors="replace")))
    return p.stdout.decode("utf-8", errors="surrogateescape")


def rpm_tag(base, tag, scalar_fmt):
    """{package key: [values]} for one array tag, packages in rpm's order."""
    out = run(base + ["--qf", "%s[%%{%s}\\n]@@END@@\\n" % (scalar_fmt, tag)])
    result, cur = [], []
    for line in out.split("\n")[:-1]:
        if line == "@@END@@":
            result.append(cur)
            cur = []
        else:
            cur.append(line)
    return result


def rpm_files(base, scalar_fmt="@@"):
    """List of packages, each a list of per-file dicts."""
    nevras = [l for l in run(base + ["--qf", "%{NEVRA}\t%{FILEDIGESTALGO}\\n"]).split("\n") if l]
    per_tag = {t: rpm_tag(base, t, "") for t in TAGS}
    pkgs = []
    for i, line in enumerate(nevras):
        nevra, algo = line.split("\t")
        names = per_tag["FILENAMES"][i]
        if names == ["(none)"]:
            pkgs.append((nevra, []))
            continue
        n = len(names)

        def col(tag):
            v = per_tag[tag][i]
            return v if len(v) == n else None
        files = []
        sizes = col("FILESIZES")
        if sizes is None or "(none)" in sizes:
            sizes = col("LONGFILESIZES")
        for j in range(n):
            mode = int(col("FILEMODES")[j])
            digest = col("FILEDIGESTS")[j] if col("FILEDIGESTS") else ""
            states = col("FILESTATES:fstate")
            files.append({
                "nevra": nevra, "path": names[j],
                "type": TYPES.get(mode & 0o170000, "unknown"),
                "mode": "%04o" % (mode & 0o7777),
                "user": col("FILEUSERNAME")[j], "group": col("FILEGROUPNAME")[j],
                "size": sizes[j], "mtime": col("FILEMTIMES")[j],
                "digest_algo": (ALGOS[int(algo)] if algo != "(none)" else "md5") if digest else "",
                "digest": digest,
                "link": (col("FILELINKTOS") or [""] * n)[j],
                "flags": ",".join(sorted(k for k, b in FLAG_BITS.items()
                                         if int(col("FILEFLAGS")[j]) & b)),
                "state": STATES.get(states[j], states[j]) if states else "normal",
            })
        pkgs.append((nevra, files))
    return pkgs


def unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "n": "\n", "\\": "\\"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def unicage_files(cmd):
    out = run(cmd).split("\n")
    if out[0].split("\t") != COLS:
        sys.exit("unexpected TSV header: %r" % out[0])
    rows = []
    for line in out[1:]:
        if not line:
            continue
        f = dict(zip(COLS, [unescape(x) for x in line.split("\t")]))
        f["flags"] = ",".join(sorted(x for x in f["flags"].split(",") if x))
        rows.append(f)
    return rows


def compare(expected_pkgs, got, what):
    exp = [f for _, files in expected_pkgs for f in files]
    errors = []
    if len(exp) != len(got):
        errors.append("%s: rpm lists %d files, unicage %d" % (what, len(exp), len(got)))
    for e, g in zip(exp, got):
        for k in e:
            if e[k] != g[k]:
                errors.append("%s: %s %s: %s rpm=%r unicage=%r" % (what, e["nevra"], e["path"], k,
                                                                   e[k], g[k]))
    for err in errors[:50]:
        print(err)
    print("%s: %d files compared, %d differences" % (what, len(exp), len(errors)))
    return not errors


def mode_db(uc, root, dbpath):
    base = ["rpm", "--root", root, "--dbpath", dbpath, "-qa"]
    exp = rpm_files(base)
    got = unicage_files([uc, "rpmscan", "--sysroot", root, "--dbpath", dbpath, "--all", "--tsv"])
    return compare(exp, got, "%s%s" % (root, dbpath))


def mode_pkg(uc, files):
    ok = True
    for f in files:
        base = ["rpm", "-qp", f]
        exp = rpm_files(base)
        for _, fs in exp:  # package files have no states; rpmscan says normal
            for x in fs:
                x["state"] = "normal"
        got = unicage_files([uc, "rpmscan", "--rpm", f, "--tsv"])
        ok = compare(exp, got, os.path.basename(f)) and ok
    return ok


def parse_verify_line(line):
    """rpm -Vv: '<9 chars>  <attr> <path>[ (state)]' or 'missing   <attr> <path>[ (err)]'."""
    if line.startswith("missing"):
        res, path = "missing", line[12:]
    else:
        res, path = line[:9], line[13:]
    state = None
    for s in list(STATES) + ["no state"]:
        if path.endswith(" (%s)" % s):
            path, state = path[:-len(s) - 3], s
    if res == "missing" and path.endswith(")") and " (" in path:
        path = path[:path.rindex(" (")]
    return path, res, state


def mode_verify(uc, root, dbpath):
    out = run(["rpm", "--root", root, "--dbpath", dbpath, "-Vva", "--nodeps", "--noscripts"],
              ok_codes=(0, 1))  # rpm -V exits 1 when a file differs
    exp = [parse_verify_line(l) for l in out.split("\n") if l.strip()]
    got = unicage_files([uc, "rpmscan", "--sysroot", root, "--dbpath", dbpath, "--all",
                         "--verify", "--tsv"])
    errors = []
    if len(exp) != len(got):
        errors.append("rpm -Vv lists %d files, unicage %d" % (len(exp), len(got)))
    for (path, res, state), g in zip(exp, got):
        want = "" if state in ("not installed", "net shared") else res
        if path != g["path"] or want != g["verify"]:
            errors.append("%s: rpm=%r (%s) unicage=%s %r" % (path, res, state, g["path"],
                                                               g["verify"]))
    errors += verify_problems(root, dbpath, got)
    for e in errors:
        print(e)
    print("verify: %d files compared, %d differences" % (len(exp), len(errors)))
    return not errors


def verify_problems(root, dbpath, got):
    """What rpm -Va (not verbose) reports is what rpmscan flags: every file
    whose result is not clean, except a missing %ghost or %missingok file,
    and every replaced or wrong-color file (rpm names their state)."""
    out = run(["rpm", "--root", root, "--dbpath", dbpath, "-Va", "--nodeps", "--noscripts"],
              ok_codes=(0, 1))
    exp = sorted((p, res) for p, res, _ in
                 (parse_verify_line(l) for l in out.split("\n") if l.strip()))
    mine = []
    for g in got:
        flags = g["flags"].split(",")
        if g["verify"] in ("", ".........") and g["state"] not in ("replaced", "wrongcolor"):
            continue
        if g["verify"] == "missing" and ("ghost" in flags or "missingok" in flags):
            continue
        mine.append((g["path"], g["verify"]))
    mine.sort()
    if exp == mine:
        print("rpm -Va: %d problems, the same as rpmscan's" % len(exp))
        return []
    return ["rpm -Va reports %r, rpmscan flags %r" % (exp, mine)]


def main():
    mode, uc = sys.argv[1], sys.argv[2]
    if mode == "db":
        ok = mode_db(uc, sys.argv[3], sys.argv[4])
    elif mode == "pkg":
        ok = mode_pkg(uc, sys.argv[3:])
    elif mode == "verify":
        ok = mode_verify(uc, sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
