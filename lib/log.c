#include "lib/log.h"

#include "lib/cleanup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int log_level = UC_LOG_WARN;
static unsigned debug_areas;

static const struct {
	const char *name;
	unsigned area;
} area_names[] = {
    {"general", UC_AREA_GENERAL}, {"rpm", UC_AREA_RPM},	      {"ns", UC_AREA_NS},
    {"path", UC_AREA_PATH},	  {"config", UC_AREA_CONFIG}, {"export", UC_AREA_EXPORT},
};

unsigned uc_log_parse_areas(const char *spec)
{
	unsigned mask = 0;
	const char *p = spec;
	while (p && *p) {
		size_t n = strcspn(p, ", ");
		if (n == 3 && strncmp(p, "all", 3) == 0)
			mask = ~0u;
		for (size_t i = 0; i < UC_ARRAY_SIZE(area_names); i++)
			if (strlen(area_names[i].name) == n &&
			    strncmp(p, area_names[i].name, n) == 0)
				mask |= area_names[i].area;
		p += n;
		p += strspn(p, ", ");
	}
	return mask;
}

void uc_log_init(int verbosity_delta)
{
	log_level = UC_LOG_WARN + verbosity_delta;
	if (log_level < UC_LOG_ERROR)
		log_level = UC_LOG_ERROR;
	debug_areas = uc_log_parse_areas(getenv("UNICAGE_DEBUG"));
}

bool uc_log_enabled(enum uc_log_level level)
{
	return (int)level <= log_level;
}

bool uc_debug_enabled(enum uc_log_area area)
{
	return (debug_areas & area) || log_level >= UC_LOG_DEBUG;
}

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	/* One fprintf per line so that lines of parallel runs don't interleave. */
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "unicage: %s%s\n", prefix, line);
}

void uc_log(enum uc_log_level level, const char *fmt, ...)
{
	static const char *const prefixes[] = {"error: ", "warning: ", "", "debug: "};
	va_list ap;
	if (!uc_log_enabled(level))
		return;
	va_start(ap, fmt);
	vlog(prefixes[level], fmt, ap);
	va_end(ap);
}

void uc_debug(enum uc_log_area area, const char *fmt, ...)
{
	va_list ap;
	if (!uc_debug_enabled(area))
		return;
	va_start(ap, fmt);
	vlog("debug: ", fmt, ap);
	va_end(ap);
}
