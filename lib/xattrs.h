/* Extended attributes of a file, sorted by name: the part of a file's
 * identity that stat(2) does not show (ACLs, capabilities, SELinux labels,
 * user.* and trusted.*). trusted.overlay.* is left out: overlayfs owns it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct xattr {
	char *name;
	void *value;
	size_t len;
};

struct xattr_set {
	struct xattr *v;
	size_t n;
};

/* Read every xattr of fd (a regular file opened O_RDONLY, or any fd for which
 * flistxattr works). Returns 0 or -errno; an fs without xattrs gives an empty set. */
int xattrs_read(int fd, struct xattr_set *out);
bool xattrs_equal(const struct xattr_set *a, const struct xattr_set *b);
void xattrs_release(struct xattr_set *s);
/* Write every xattr of s onto fd (used to make private copies). */
int xattrs_apply(int fd, const struct xattr_set *s);
