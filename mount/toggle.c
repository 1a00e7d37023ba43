/* toggle-mode: the only part of the users' state that needs every user of
 * the host (kept apart from mount/policy.c, which the small front links
 * without the user database). */
#include "mount/policy.h"

int policy_toggle(const struct uc_config *cfg, struct cage_users *cu, struct uc_error *err)
{
	struct uc_userlist all;
	int r = users_all(cfg, &all, err);
	if (r < 0)
		return r;
	struct strv keep = STRV_INIT;
	enum cage_mode next = cu->mode == CAGE_ENABLE_ALL ? CAGE_DISABLE_ALL : CAGE_ENABLE_ALL;
	/* the new mode's exceptions are the users whose state differs from its default */
	for (size_t i = 0; i < all.n; i++) {
		enum user_verdict v = policy_verdict(cfg, cu, &all.v[i]);
		if ((next == CAGE_DISABLE_ALL && v == U_ENABLED) ||
		    (next == CAGE_ENABLE_ALL && v == U_DISABLED))
			strv_push(&keep, all.v[i].name);
	}
	userlist_release(&all);
	strv_clear(&cu->enabled);
	strv_clear(&cu->disabled);
	if (next == CAGE_DISABLE_ALL)
		cu->enabled = keep;
	else
		cu->disabled = keep;
	cu->mode = next;
	return 0;
}
