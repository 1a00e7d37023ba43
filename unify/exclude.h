/* Exclude rules in vunify's syntax: one per line, `+PATTERN` includes,
 * `-PATTERN` or a bare PATTERN excludes, `#` comments. A pattern starting
 * with / is anchored at the tree's root, others match the end of a path
 * (`*.pyc`, `cache/`); a trailing / means a directory and all below it;
 * shell globs (fnmatch, * does not cross /). The first rule that matches a
 * path, or one of its parent directories, decides; no rule means "take it".
 * The defaults of vunify come last, so user rules can re-include below them. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "lib/error.h"

struct exclude_rule {
	bool include;
	bool anchored;
	bool dir_only;
	char *pattern; /* without the leading / of an anchored one or a trailing / */
};

struct excludes {
	struct exclude_rule *v;
	size_t n, cap;
};

enum exclude_verdict { EX_NONE, EX_EXCLUDE, EX_INCLUDE };

/* One line; where ("FILE:LINE" or "--exclude") names it in errors. Blank
 * lines and comments are accepted and ignored. */
int excludes_add(struct excludes *ex, const char *line, const char *where, struct uc_error *err);
int excludes_load(struct excludes *ex, const char *path, struct uc_error *err);
/* /etc /var /home /root /tmp /dev /proc /sys /run /mnt /media /srv /boot */
int excludes_add_defaults(struct excludes *ex);
/* Verdict for "/a/b/c" (relative to the tree root, with a leading /). */
enum exclude_verdict excludes_match(const struct excludes *ex, const char *path, bool is_dir);
/* May an include rule match something below the directory path? (Then an
 * excluded directory is still walked.) */
bool excludes_include_below(const struct excludes *ex, const char *dirpath);
void excludes_release(struct excludes *ex);
