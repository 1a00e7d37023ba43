/* Growing arrays: one overflow-checked place for the "double the capacity"
 * blocks every list had (reallocarray refuses a count whose byte size would
 * wrap, so a huge count is -ENOMEM, never a short buffer). */
#pragma once

#include <stddef.h>

/* Room for at least need elements of elem bytes in *v, whose capacity is
 * *cap: the capacity doubles (from 16) until it holds need. 0, or
 * -ENOMEM (out of memory, or the size would overflow) with *v and *cap as
 * they were. */
int uc_grow(void **v, size_t *cap, size_t need, size_t elem);

/* uc_grow for a typed array pointer: UC_GROW(&list->v, &list->cap, list->n + 1).
 * (Through a void * of its own: no type punning of the caller's pointer.) */
#define UC_GROW(pp, capp, need)                                                                    \
	({                                                                                         \
		void *_uc_v = *(pp);                                                               \
		int _uc_r = uc_grow(&_uc_v, (capp), (need), sizeof(**(pp)));                       \
		if (_uc_r == 0)                                                                    \
			*(pp) = _uc_v;                                                             \
		_uc_r;                                                                             \
	})
