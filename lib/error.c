#include "lib/error.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int kind_to_errno(enum uc_kind kind)
{
	switch (kind) {
	case UC_OK:
		return 0;
	case UC_PERMISSION:
		return -EPERM;
	case UC_BADREQUEST:
		return -EINVAL;
	case UC_NOTFOUND:
		return -ENOENT;
	case UC_INTERNAL:
		break;
	}
	return -EIO;
}

enum uc_kind uc_kind_from_errno(int errnum)
{
	switch (errnum < 0 ? -errnum : errnum) {
	case ENOENT:
	case ENOTDIR:
		return UC_NOTFOUND;
	case EACCES:
	case EPERM:
	case EROFS:
		return UC_PERMISSION;
	case EINVAL:
	case ELOOP:
	case EXDEV:
	case ENAMETOOLONG:
		return UC_BADREQUEST;
	default:
		return UC_INTERNAL;
	}
}

static void vset(struct uc_error *err, enum uc_kind kind, int errnum, const char *fmt, va_list ap)
{
	if (!err)
		return;
	err->kind = kind;
	err->errnum = errnum;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int uc_fail(struct uc_error *err, enum uc_kind kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vset(err, kind, 0, fmt, ap);
	va_end(ap);
	return kind_to_errno(kind);
}

int uc_fail_errno(struct uc_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	if (errnum < 0)
		errnum = -errnum;
	if (errnum == 0)
		errnum = EIO;
	va_start(ap, fmt);
	vset(err, uc_kind_from_errno(errnum), errnum, fmt, ap);
	va_end(ap);
	if (err) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(errnum));
	}
	return -errnum;
}

/* The callee's message and the context around it, cut to fit msg. */
static void wrap(struct uc_error *err, bool before, const char *fmt, va_list ap)
{
	if (!err)
		return;
	char ctx[sizeof(err->msg)], old[sizeof(err->msg)];
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	if (before) {
		snprintf(err->msg, sizeof(err->msg), "%.200s: %.300s", ctx, old);
		return;
	}
	/* the context is what says what to do: the callee's part is cut */
	size_t c = strnlen(ctx, 300), o = strlen(old);
	if (o > sizeof(err->msg) - 3 - c)
		o = sizeof(err->msg) - 3 - c;
	memcpy(err->msg, old, o);
	memcpy(err->msg + o, "; ", 2);
	memcpy(err->msg + o + 2, ctx, c);
	err->msg[o + 2 + c] = '\0';
}

int uc_error_prefix(struct uc_error *err, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wrap(err, true, fmt, ap);
	va_end(ap);
	return r;
}

int uc_error_suffix(struct uc_error *err, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wrap(err, false, fmt, ap);
	va_end(ap);
	return r;
}

const char *uc_kind_name(enum uc_kind kind)
{
	switch (kind) {
	case UC_OK:
		return "ok";
	case UC_PERMISSION:
		return "PermissionDenied";
	case UC_BADREQUEST:
		return "BadRequest";
	case UC_NOTFOUND:
		return "NotFound";
	case UC_INTERNAL:
		break;
	}
	return "InternalAPIError";
}

void uc_error_clear(struct uc_error *err)
{
	if (err) {
		err->kind = UC_OK;
		err->errnum = 0;
		err->msg[0] = '\0';
	}
}
