#include "enter/verbs.h"

#include "enter/join.h"
#include "mount/modecache.h"
#include "mount/pidns.h"
#include "mount/policy.h"
#include "skel/current.h"

#include <errno.h>
#include <string.h>

/* The newest slot, if it is what a new entry should join: bound, on the
 * current generation, in the mode this host uses. */
static int current_slot(const struct uc_config *cfg, const char *user, struct slot *out)
{
	char gen[64], why[256];
	enum uc_cage_mode mode;
	struct uc_error e = {0};
	if (modecache_known(cfg, &mode, why, sizeof(why)) < 0 ||
	    skel_current_gen(cfg, gen, sizeof(gen), &e) < 0 || slots_newest(cfg, user, out, &e) < 0)
		return -EAGAIN;
	return strcmp(out->gen, gen) || out->mode != mode || !pidns_alive(cfg, out) ? -EAGAIN : 0;
}

int enter_run(const struct uc_config *cfg, const struct enter_opts *o, enter_mount_fn mount,
	      int *exit_code, bool *joined, struct uc_error *err)
{
	*exit_code = -1;
	*joined = false;
	struct uc_user u;
	int r = users_lookup(cfg, o->user, &u, err);
	if (r < 0)
		return r;
	enum user_verdict v;
	if ((r = policy_user_verdict(cfg, &u, &v, err)) < 0) {
		user_release(&u);
		return r;
	}
	struct join_req jr = {.cfg = cfg,
			      .u = &u,
			      .as = o->as_user ? JOIN_USER : JOIN_ROOT,
			      .argv = o->cmd,
			      .pty = o->pty,
			      .preserve_fds = o->preserve_fds,
			      .env = &o->env};
	struct slot s;
	gid_t groups[256];
	int ngroups;
	if (v != U_ENABLED) {
		/* fail closed: never run a caged command uncaged by surprise */
		if (!(o->as_user && o->allow_uncaged))
			r = uc_fail(err, UC_PERMISSION, "%s is not caged (%s)%s", u.name,
				    policy_verdict_name(v),
				    o->as_user ? ": --allow-uncaged runs CMD on the host" : "");
		jr.as = JOIN_USER_UNCAGED;
		ngroups = users_groups(cfg, &u, groups, 256);
		jr.groups = groups;
		jr.ngroups = ngroups;
	} else if (mount) {
		r = mount(cfg, &u, &s, err);
		jr.slot = &s;
	} else {
		r = current_slot(cfg, u.name, &s);
		jr.slot = &s;
	}
	if (r == 0) {
		*joined = true;
		r = join_and_exec(&jr, exit_code, err);
	}
	user_release(&u);
	return r;
}
