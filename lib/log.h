/* Logging in one place (STYLE.md, habit 8). Messages go to stderr; results go
 * to stdout through cli/ only. -v/-q move the level; UNICAGE_DEBUG=rpm,path
 * (or "all") turns on debug messages of those areas. */
#pragma once

#include <stdbool.h>

enum uc_log_level {
	UC_LOG_ERROR = 0,
	UC_LOG_WARN = 1,
	UC_LOG_INFO = 2,
	UC_LOG_DEBUG = 3,
};

/* Debug areas, selected with UNICAGE_DEBUG. */
enum uc_log_area {
	UC_AREA_GENERAL = 1 << 0,
	UC_AREA_RPM = 1 << 1,
	UC_AREA_PATH = 1 << 2,
	UC_AREA_CONFIG = 1 << 3,
	UC_AREA_NS = 1 << 4,
	UC_AREA_EXPORT = 1 << 5,
};

void uc_log_init(int verbosity_delta);
void uc_log(enum uc_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void uc_debug(enum uc_log_area area, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool uc_log_enabled(enum uc_log_level level);
bool uc_debug_enabled(enum uc_log_area area);

/* Parse a UNICAGE_DEBUG value ("rpm,path", "all"); unknown names are ignored. */
unsigned uc_log_parse_areas(const char *spec);
