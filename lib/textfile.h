/* A small text record (a slot's info, the init's record, a cage
 * directory's owner and state) written whole or not at all. libc only. */
#pragma once

/* text into dfd/name atomically (a temporary name, then rename): 0 or
 * -errno. */
int textfile_write(int dfd, const char *name, const char *text);
