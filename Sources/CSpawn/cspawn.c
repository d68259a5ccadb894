#define _GNU_SOURCE
#include <malloc.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "cspawn.h"

int ctx_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int ctx_spawn_close_from(posix_spawn_file_actions_t *actions, int lowest) {
  return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

unsigned long ctx_filesystem_type(const char *path) {
  struct statfs info;
  if (statfs(path, &info) != 0) return 0;
  return (unsigned long)info.f_type;
}

void ctx_keep_freed_memory(void) {
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 128 << 20);
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
}
