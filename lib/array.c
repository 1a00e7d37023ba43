#include "lib/array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int uc_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	if (!elem)
		elem = 1;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n = n > SIZE_MAX / 2 ? need : n * 2;
	/* no object is larger than PTRDIFF_MAX (malloc refuses it anyway):
	 * checked here, so that a wrapping count never reaches the allocator */
	if (n > PTRDIFF_MAX / elem)
		return -ENOMEM;
	void *nv = reallocarray(*v, n, elem);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = n;
	return 0;
}
