/* The key of an object (DESIGN.md, "Words"): SHA-256 over a canonical header
 * followed by the content. The header holds everything a hardlinked inode
 * shares: file type and full mode (setuid/setgid/sticky included), uid, gid,
 * every xattr sorted by name with its value (ACLs, capabilities, SELinux
 * labels, user.*, trusted.* but trusted.overlay.*), and the mtime when it is
 * part of the identity. Same bytes with another owner, mode, ACL or
 * capability are another object.
 *
 * SHA-256 comes from librpmio's digest API, already linked: libgcrypt with
 * SHA-NI gives 1.80 GB/s here, the same as OpenSSL 3 (1.78 GB/s), with no
 * new dependency (doc/benchmarks.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lib/xattrs.h"

#define OBJKEY_LEN 32
/* Object names: "XX/" + 20 hex = the first 22 hex digits of the key, so a
 * stub's redirect "/XX/<20 hex>" (24 bytes) fits in a 256-byte ext4 inode. */
#define OBJNAME_HEX 22
#define OBJNAME_MAX 40

struct objkey {
	unsigned char b[OBJKEY_LEN];
};

/* Serialized canonical header; *out is malloc'ed. */
int objkey_header(const struct stat *st, const struct xattr_set *xa, bool with_mtime,
		  unsigned char **out, size_t *len);
/* Key of the regular file fd (read from offset 0 with pread). */
int objkey_compute(int fd, const struct stat *st, const struct xattr_set *xa, bool with_mtime,
		   struct objkey *key);
/* "ab/0123456789abcdef0123" or, for rollover objects, "ab/...0123.N". */
void objkey_name(const struct objkey *key, unsigned suffix, char *buf, size_t size);
void objkey_hex(const struct objkey *key, char *buf /* 65 bytes */);
/* The key of a 64-hex-digit string (from a manifest or an index). */
int objkey_from_hex(const char *hex, struct objkey *key);

/* Compare the contents of two regular files byte for byte: 1 equal, 0
 * different, -errno. */
int file_contents_equal(int a, int b, uint64_t size);
