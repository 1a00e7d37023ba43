/* The audit trail: one syslog line (LOG_AUTHPRIV, NOTICE, ident "unicage")
 * for every action root takes into or against a cage: enter, exec, import,
 * a --kill of running processes, remove-all. Who (the real uid, the login
 * uid the kernel keeps across su/sudo, SUDO_USER as sudo set it), which
 * cage and the command, each word quoted and escaped so that nothing a user
 * named (a file, an argument) can forge a second line or field.
 *
 * Nothing is printed and nothing fails: a host without a syslog socket loses
 * the line (as logger(1) would), never the command. The socket is closed
 * again before returning, so no descriptor to the host's logger is carried
 * into a cage. */
#pragma once

#include <stddef.h>

/* verb: "enter", "exec", ...; cages: NULL-terminated names (NULL: every
 * cage); cmd: NULL-terminated words (NULL: enter's shell); result: NULL
 * when logged before the action, else "ok" / "failed". */
void uc_audit(const char *verb, char *const cages[], char *const cmd[], const char *result);

/* The line uc_audit sends (without syslog's own header), into buf; for the
 * unit test. Returns its length. */
size_t uc_audit_format(char *buf, size_t size, const char *verb, char *const cages[],
		       char *const cmd[], const char *result);
