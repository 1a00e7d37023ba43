/* Whether a proxied crontab is a way out of the cage (check/cronpam.c;
 * doc/proxy.md, "crontab and cron"): `crontab` through unicage-proxyd
 * installs her crontab on the host, and the host's cron runs it; only
 * pam_unicage in cron's PAM stack (EL's service crond, Debian's cron) puts
 * the job into her cage. Without it, every caged user with the proxy can
 * run anything on the host, uncaged. */
#pragma once

#include <stddef.h>

#include "check/check.h"
#include "lib/config.h"

/* The result for `unicage check` with detail filled: CHECK_OK (cron's PAM
 * stack has pam_unicage), CHECK_WARN (it has not, or there is no cron PAM
 * file), CHECK_FAILED (the proxy's files cannot be read); -1: crontab is
 * not proxied (nothing to say). */
int check_cron_pam(const struct uc_config *cfg, char *detail, size_t size);
