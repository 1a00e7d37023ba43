/* Small open-addressing hash sets: inodes (dev, ino) with a counter each, and
 * strings. Enough for millions of entries; no deletion. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct inoset_ent {
	uint64_t dev, ino;
	uint64_t value; /* caller's: a count, an index */
	bool used;
};

struct inoset {
	struct inoset_ent *v;
	size_t n, cap;
};

/* The entry for (dev, ino), added with value 0 if new; NULL on ENOMEM. */
struct inoset_ent *inoset_get(struct inoset *s, uint64_t dev, uint64_t ino, bool *added);
struct inoset_ent *inoset_find(const struct inoset *s, uint64_t dev, uint64_t ino);
void inoset_release(struct inoset *s);

struct strset {
	char **v;
	size_t *val; /* a value per string (strset_get/strset_put) */
	size_t n, cap;
	bool borrow; /* keys are the caller's (outlive the set), not copied */
};

/* 1 added, 0 present, -ENOMEM. The set keeps its own copy. */
int strset_add(struct strset *s, const char *str);
bool strset_contains(const struct strset *s, const char *str);
/* Map use: put a value (1 added, 0 updated), get it (false if absent). */
int strset_put(struct strset *s, const char *str, size_t value);
/* Insert with value unless present: 1 inserted, 0 present (*old = its value). */
int strset_insert(struct strset *s, const char *str, size_t value, size_t *old);
bool strset_get(const struct strset *s, const char *str, size_t *value);
void strset_release(struct strset *s);
