#include "lib/strv.h"

#include "lib/array.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int strv_push_owned(struct strv *sv, char *s)
{
	if (!s)
		return -ENOMEM;
	if (UC_GROW(&sv->v, &sv->cap, sv->n + 2) < 0) { /* and the NULL after the last */
		free(s);
		return -ENOMEM;
	}
	sv->v[sv->n++] = s;
	sv->v[sv->n] = NULL;
	return 0;
}

int strv_push(struct strv *sv, const char *s)
{
	return strv_push_owned(sv, strdup(s));
}

int strv_pushn(struct strv *sv, const char *s, size_t len)
{
	return strv_push_owned(sv, strndup(s, len));
}

bool strv_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void strv_clear(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->cap = 0;
}

int strv_copy(struct strv *dst, const struct strv *src)
{
	struct strv tmp = STRV_INIT;
	for (size_t i = 0; i < src->n; i++) {
		if (strv_push(&tmp, src->v[i]) < 0) {
			strv_clear(&tmp);
			return -ENOMEM;
		}
	}
	strv_clear(dst);
	*dst = tmp;
	return 0;
}

int strv_split(struct strv *sv, const char *s, const char *seps)
{
	while (*s) {
		size_t skip = strspn(s, seps);
		s += skip;
		size_t len = strcspn(s, seps);
		if (len > 0 && strv_pushn(sv, s, len) < 0)
			return -ENOMEM;
		s += len;
	}
	return 0;
}

char *str_trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}
