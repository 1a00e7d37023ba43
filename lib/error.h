/* One error convention for all library code (STYLE.md, habit 3).
 *
 * A library function returns 0 on success or a negative errno, and fills a
 * struct uc_error that names the operation and the path. It never prints and
 * never exits: only cli/ prints, once, and maps the kind to the exit code. */
#pragma once

#include <stdarg.h>

/* The kinds are the exit codes of DESIGN.md ("Interfaces"). */
enum uc_kind {
	UC_OK = 0,
	UC_INTERNAL = 1,   /* InternalAPIError */
	UC_PERMISSION = 2, /* PermissionDenied */
	UC_BADREQUEST = 3, /* BadRequest: usage, bad config line, bad input */
	UC_NOTFOUND = 4,   /* NotFound: user, package, cage, file */
};

struct uc_error {
	enum uc_kind kind;
	int errnum; /* errno behind it, 0 if none */
	char msg[512];
};

/* Set err (if not NULL) to kind with a formatted message; returns -EINVAL,
 * -EPERM, -ENOENT or -EIO matching the kind, so callers can `return uc_fail(...)`. */
int uc_fail(struct uc_error *err, enum uc_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like uc_fail, but the kind comes from errnum (ENOENT -> NotFound, EACCES/EPERM ->
 * PermissionDenied, EINVAL -> BadRequest, else Internal) and ": strerror" is
 * appended. Returns -errnum. */
int uc_fail_errno(struct uc_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Context for an error a callee filled in, keeping its kind and errno
 * (crun's crun_error_wrap): "PREFIX: what the callee said", or "what the
 * callee said; SUFFIX". Return r, so that `return uc_error_prefix(err, r,
 * "cage of %s", name);` passes the failure on. */
int uc_error_prefix(struct uc_error *err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int uc_error_suffix(struct uc_error *err, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Kind an errno maps to. */
enum uc_kind uc_kind_from_errno(int errnum);

/* "NotFound", "BadRequest", ... as the control-panel envelope names them. */
const char *uc_kind_name(enum uc_kind kind);

void uc_error_clear(struct uc_error *err);
