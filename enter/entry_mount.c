#include "enter/entry_mount.h"

#include "mount/cage.h"
#include "mount/cagemp.h"
#include "mount/etc.h"
#include "skel/conf.h"

int entry_mount_cage(const struct uc_config *cfg, const struct uc_user *u, struct slot *out,
		     struct uc_error *err)
{
	struct skel_conf conf = {0};
	int r;
	struct cage_mp mp = {0};
	if ((r = etc_conf_load(cfg->config_dir, &conf, err)) < 0)
		return r;
	if ((r = cagemp_load(&mp, cfg->config_dir, err)) == 0) {
		struct cage_mount_opts o = {0};
		bool created;
		r = cage_mount(cfg, &conf, &mp, u, &o, out, &created, err);
		cagemp_release(&mp);
	}
	skel_conf_release(&conf);
	return r;
}
