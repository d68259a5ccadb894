#ifndef CTX_CSPAWN_H
#define CTX_CSPAWN_H
#include <spawn.h>

/// pipe2(fds, O_CLOEXEC): both ends close-on-exec from the start, so no child spawned by
/// another thread in between can inherit them.
int ctx_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): the child closes every descriptor
/// from `lowest` up, so it inherits nothing of ctx's but the pipes it is given. Both are GNU
/// extensions that Swift's Glibc module does not expose.
int ctx_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest);

/// statfs(path)'s f_type (the filesystem's magic number), or 0 when it cannot be read:
/// <sys/vfs.h> is not in Swift's Glibc module either.
unsigned long ctx_filesystem_type(const char *path);

/// mallopt: keep freed memory and serve blocks up to 64 MiB from the heap (see
/// `ProcessMemory.keepFreedMemory`); <malloc.h> is not in Swift's Glibc module.
void ctx_keep_freed_memory(void);

#endif
