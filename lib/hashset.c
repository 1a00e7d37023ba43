#include "lib/hashset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static size_t ino_slot(const struct inoset_ent *v, size_t cap, uint64_t dev, uint64_t ino)
{
	size_t i = mix(ino * 31 + dev) & (cap - 1);
	while (v[i].used && !(v[i].dev == dev && v[i].ino == ino))
		i = (i + 1) & (cap - 1);
	return i;
}

static int ino_grow(struct inoset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 1024;
	struct inoset_ent *v = calloc(cap, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i].used)
			v[ino_slot(v, cap, s->v[i].dev, s->v[i].ino)] = s->v[i];
	free(s->v);
	s->v = v;
	s->cap = cap;
	return 0;
}

struct inoset_ent *inoset_get(struct inoset *s, uint64_t dev, uint64_t ino, bool *added)
{
	if ((s->n + 1) * 2 > s->cap && ino_grow(s) < 0)
		return NULL;
	struct inoset_ent *e = &s->v[ino_slot(s->v, s->cap, dev, ino)];
	if (added)
		*added = !e->used;
	if (!e->used) {
		e->used = true;
		e->dev = dev;
		e->ino = ino;
		e->value = 0;
		s->n++;
	}
	return e;
}

struct inoset_ent *inoset_find(const struct inoset *s, uint64_t dev, uint64_t ino)
{
	if (!s->cap)
		return NULL;
	struct inoset_ent *e = &s->v[ino_slot(s->v, s->cap, dev, ino)];
	return e->used ? e : NULL;
}

void inoset_release(struct inoset *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* Paths are long and share long prefixes: hash 8 bytes at a time, then mix. */
static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	size_t n = strlen(s), i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return mix(h);
}

static size_t str_slot(char *const *v, size_t cap, const char *str)
{
	size_t i = str_hash(str) & (cap - 1);
	while (v[i] && strcmp(v[i], str) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

static int str_grow(struct strset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 256;
	char **v = calloc(cap, sizeof(*v));
	size_t *val = calloc(cap, sizeof(*val));
	if (!v || !val) {
		free(v);
		free(val);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->v[i]) {
			size_t j = str_slot(v, cap, s->v[i]);
			v[j] = s->v[i];
			val[j] = s->val[i];
		}
	free(s->v);
	free(s->val);
	s->v = v;
	s->val = val;
	s->cap = cap;
	return 0;
}

int strset_put(struct strset *s, const char *str, size_t value)
{
	if ((s->n + 1) * 2 > s->cap && str_grow(s) < 0)
		return -ENOMEM;
	size_t i = str_slot(s->v, s->cap, str);
	s->val[i] = value;
	if (s->v[i])
		return 0;
	if (!(s->v[i] = s->borrow ? (char *)str : strdup(str)))
		return -ENOMEM;
	s->n++;
	return 1;
}

int strset_insert(struct strset *s, const char *str, size_t value, size_t *old)
{
	if ((s->n + 1) * 2 > s->cap && str_grow(s) < 0)
		return -ENOMEM;
	size_t i = str_slot(s->v, s->cap, str);
	if (s->v[i]) {
		if (old)
			*old = s->val[i];
		return 0;
	}
	if (!(s->v[i] = s->borrow ? (char *)str : strdup(str)))
		return -ENOMEM;
	s->val[i] = value;
	s->n++;
	return 1;
}

bool strset_get(const struct strset *s, const char *str, size_t *value)
{
	if (!s->cap)
		return false;
	size_t i = str_slot(s->v, s->cap, str);
	if (!s->v[i])
		return false;
	*value = s->val[i];
	return true;
}

int strset_add(struct strset *s, const char *str)
{
	return strset_insert(s, str, 0, NULL);
}

bool strset_contains(const struct strset *s, const char *str)
{
	return s->cap && s->v[str_slot(s->v, s->cap, str)] != NULL;
}

void strset_release(struct strset *s)
{
	for (size_t i = 0; i < s->cap && !s->borrow; i++)
		free(s->v[i]);
	free(s->v);
	free(s->val);
	memset(s, 0, sizeof(*s));
}
