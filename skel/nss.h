/* NSS modules of a tree: glibc loads them with dlopen (no DT_NEEDED names
 * them), so the ELF closure of conf.d programs would leave them out and
 * `id`, `getent`, `ls -l` of a cage could name no user. The services of the
 * tree's etc/nsswitch.conf, plus "files" (glibc's default when the file or a
 * database line is missing), are the modules a program of that tree loads. */
#pragma once

#include <stdio.h>

#include "lib/strv.h"

/* The module sonames ("libnss_files.so.2", ...) that nsswitch.conf f names,
 * each once, "files" first; f may be NULL (no nsswitch.conf). Service names
 * that are not plain words ([A-Za-z0-9_-]) are skipped: they are no module a
 * glibc would load. 0 or -ENOMEM. */
int nss_modules_parse(FILE *f, struct strv *sonames);

/* The same for the tree rootfd's etc/nsswitch.conf (opened inside the tree,
 * links followed within it; absent: "files" only). */
int nss_modules(int rootfd, struct strv *sonames);
